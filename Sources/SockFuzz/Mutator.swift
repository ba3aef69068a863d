/// A seeded mutation engine for netlink batches: byte-level havoc plus edits that know where the lengths are.
///
/// Blind bit flips rarely get past the first length check, so half the operations find the `nlmsghdr` and
/// `nlattr` headers with a lenient walk and aim at `nlmsg_len`, `nla_len` and the type fields, with values at and
/// around the boundaries the decoder checks. Everything comes from the `SplitMix64` it is given: the same seed
/// gives the same bytes.
public struct Mutator {
    /// One kind of edit.
    public enum Operation: Int, CaseIterable, Sendable {
        /// Flip one bit.
        case flipBit
        /// Set a byte to 0, 0xFF, 0x7F or 0x80 (or 1, 0xFE, 0x81...).
        case interestingByte
        /// Set a 16- or 32-bit word to an interesting value.
        case interestingWord
        /// Overwrite a few bytes with random ones.
        case randomBytes
        /// Set an `nlmsg_len` to a boundary value (0, 15, 16, its own length ± 1, what is left ± 1, 2^32 - 1...).
        case messageLength
        /// Set an `nla_len` to a boundary value.
        case attributeLength
        /// Change an `nlmsg_type` (`NLMSG_DONE`, `NLMSG_ERROR`...), its flags or its sequence number.
        case messageHeader
        /// Change an attribute's type, or set its flag bits.
        case attributeType
        /// Change an `inet_diag_msg` family, state or timer.
        case socketHeader
        /// Cut the input short, anywhere or near a message boundary.
        case truncate
        /// Join the start of this input to the end of another, by bytes or by messages.
        case splice
        /// Insert bytes.
        case insertBytes
        /// Remove bytes.
        case removeBytes
        /// Copy a run of bytes (often a whole message or attribute) to another place.
        case duplicate
    }

    /// A set of operations, one bit per case.
    public struct Operations: OptionSet, Sendable, CustomStringConvertible {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public init(_ operation: Operation) { rawValue = 1 << UInt32(operation.rawValue) }
        public func contains(_ operation: Operation) -> Bool { contains(Operations(operation)) }

        public var description: String {
            Operation.allCases.filter(contains).map { "\($0)" }.joined(separator: "+")
        }
    }

    /// Inputs never grow past this (the size of a large receive buffer).
    public static let maxSize = 64 * 1024

    public var rng: SplitMix64

    public init(rng: SplitMix64) {
        self.rng = rng
    }

    public init(seed: UInt64) {
        self.init(rng: SplitMix64(seed: seed))
    }

    /// Applies one random operation to `input` half the time, else a stack of 2, 4 or 8; `other` is the donor
    /// for splicing. Returns what it did.
    @discardableResult
    public mutating func mutate(_ input: inout [UInt8], other: [UInt8]) -> Operations {
        var done: Operations = []
        let stack = rng.chance(1, in: 2) ? 1 : 1 << (1 + rng.below(3))
        for _ in 0..<stack {
            let operation = Operation(rawValue: rng.below(Operation.allCases.count))!
            apply(operation, to: &input, other: other)
            done.insert(Operations(operation))
        }
        return done
    }

    /// Applies one operation.
    public mutating func apply(_ operation: Operation, to input: inout [UInt8], other: [UInt8]) {
        switch operation {
        case .flipBit:
            guard !input.isEmpty else { return insertBytes(&input) }
            input[rng.below(input.count)] ^= 1 << UInt8(rng.below(8))
        case .interestingByte:
            guard !input.isEmpty else { return insertBytes(&input) }
            input[rng.below(input.count)] = rng.pick(Self.interestingBytes)
        case .interestingWord:
            guard input.count >= 4 else { return insertBytes(&input) }
            let offset = rng.below(input.count - 3) & (rng.chance(3, in: 4) ? ~1 : ~0)
            if rng.chance(1, in: 2) {
                input.store(UInt16(truncatingIfNeeded: rng.pick(Self.interestingWords)), at: offset)
            } else {
                input.store(UInt32(truncatingIfNeeded: rng.pick(Self.interestingWords)), at: offset)
            }
        case .randomBytes:
            guard !input.isEmpty else { return insertBytes(&input) }
            let start = rng.below(input.count)
            for i in start..<min(input.count, start + 1 + rng.below(8)) {
                input[i] = UInt8(truncatingIfNeeded: rng.next())
            }
        case .messageLength:
            messageLength(&input)
        case .attributeLength:
            attributeLength(&input)
        case .messageHeader:
            messageHeader(&input)
        case .attributeType:
            attributeType(&input)
        case .socketHeader:
            socketHeader(&input)
        case .truncate:
            truncate(&input)
        case .splice:
            splice(&input, other)
        case .insertBytes:
            insertBytes(&input)
        case .removeBytes:
            guard !input.isEmpty else { return }
            let start = rng.below(input.count)
            let count = 1 + rng.below(rng.chance(1, in: 4) ? max(1, input.count / 4) : 16)
            input.removeSubrange(start..<min(input.count, start + count))
        case .duplicate:
            duplicate(&input)
        }
        if input.count > Self.maxSize { input.removeLast(input.count - Self.maxSize) }
    }

    // MARK: - Values

    static let interestingBytes: [UInt8] = [0, 0xFF, 0x7F, 0x80, 1, 0xFE, 0x81, 0x10, 0x20, 0x40, 3, 4]
    static let interestingWords: [UInt64] = [
        0, 1, 2, 3, 4, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFF0, 16, 72, 88, 232, 256, 4095, 4096,
    ]

    // MARK: - Structure

    /// Where `nlmsghdr`s start, walking `nlmsg_len` as far as it is plausible.
    static func messageOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var offset = 0
        while let length = bytes.load(UInt32.self, at: offset), bytes.count - offset >= Wire.headerSize {
            offsets.append(offset)
            guard length >= UInt32(Wire.headerSize), Int(length) <= bytes.count - offset else { break }
            offset += align4(Int(length))
        }
        return offsets
    }

    /// Where `nlattr`s start after each `inet_diag_msg`, with the end of their message.
    static func attributeOffsets(_ bytes: [UInt8]) -> [(offset: Int, end: Int)] {
        var found: [(offset: Int, end: Int)] = []
        for message in messageOffsets(bytes) {
            let length = Int(bytes.load(UInt32.self, at: message) ?? 0)
            let end = min(bytes.count, message + max(length, Wire.headerSize))
            var offset = message + Wire.headerSize + Wire.inetDiagMsgSize
            while end - offset >= Wire.attributeHeaderSize, let length = bytes.load(UInt16.self, at: offset) {
                found.append((offset, end))
                guard length >= UInt16(Wire.attributeHeaderSize) else { break }
                offset += align4(Int(length))
            }
        }
        return found
    }

    mutating func messageLength(_ input: inout [UInt8]) {
        let messages = Self.messageOffsets(input)
        guard !messages.isEmpty else { return apply(.interestingWord, to: &input, other: []) }
        let offset = rng.pick(messages)
        let current = input.load(UInt32.self, at: offset)!
        let left = UInt32(truncatingIfNeeded: input.count - offset)
        let header = UInt32(Wire.headerSize), socket = header + UInt32(Wire.inetDiagMsgSize)
        let value: UInt32 = rng.pick([
            0, 1, 4, header - 1, header, header + 1, header + 3, header + 4, socket - 1, socket, socket + 1,
            current &- 1, current &+ 1, current &- 4, current &+ 4, current &- 3, current / 2,
            left, left &- 1, left &+ 1, left &+ 4, left &- 4,
            0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF0, UInt32(truncatingIfNeeded: rng.next()),
        ])
        input.store(value, at: offset)
    }

    mutating func attributeLength(_ input: inout [UInt8]) {
        let attributes = Self.attributeOffsets(input)
        guard !attributes.isEmpty else { return messageLength(&input) }
        let (offset, end) = rng.pick(attributes)
        let current = input.load(UInt16.self, at: offset)!
        let left = UInt16(truncatingIfNeeded: end - offset)
        let value: UInt16 = rng.pick([
            0, 1, 2, 3, 4, 5, 8, current &- 1, current &+ 1, current &- 4, current &+ 4, current &+ 3,
            left, left &- 1, left &+ 1, left &+ 3, left &+ 4, 0x7FFF, 0x8000, 0xFFFF,
            UInt16(truncatingIfNeeded: rng.next()),
        ])
        input.store(value, at: offset)
    }

    mutating func messageHeader(_ input: inout [UInt8]) {
        let messages = Self.messageOffsets(input)
        guard !messages.isEmpty else { return apply(.interestingWord, to: &input, other: []) }
        let offset = rng.pick(messages)
        switch rng.below(4) {
        case 0, 1:
            let type: UInt16 = rng.pick([
                Wire.noop, Wire.error, Wire.done, Wire.overrun, 0, 5, 15, 16, 19, Wire.sockDiagByFamily, 21,
                0xFFFF, UInt16(truncatingIfNeeded: rng.next()),
            ])
            input.store(type, at: offset + 4)
        case 2:
            let flags = input.load(UInt16.self, at: offset + 4 + 2) ?? 0
            input.store(rng.pick([flags | Wire.dumpInterrupted, flags ^ Wire.multi, 0, 0xFFFF]), at: offset + 6)
        default:
            input.store(UInt32(truncatingIfNeeded: rng.pick([0, 6, 7, 8, UInt64.max, rng.next()])), at: offset + 8)
        }
    }

    mutating func attributeType(_ input: inout [UInt8]) {
        let attributes = Self.attributeOffsets(input)
        guard !attributes.isEmpty else { return socketHeader(&input) }
        let offset = rng.pick(attributes).offset + 2
        let current = input.load(UInt16.self, at: offset) ?? 0
        let value: UInt16 = switch rng.below(3) {
        case 0: UInt16(rng.below(26))
        case 1: current | rng.pick(Wire.attributeFlags)
        default: UInt16(truncatingIfNeeded: rng.next())
        }
        input.store(value, at: offset)
    }

    mutating func socketHeader(_ input: inout [UInt8]) {
        let messages = Self.messageOffsets(input).filter { input.count - $0 >= Wire.headerSize + 4 }
        guard !messages.isEmpty else { return apply(.interestingByte, to: &input, other: []) }
        let offset = rng.pick(messages) + Wire.headerSize
        switch rng.below(3) {
        case 0: input[offset] = rng.pick([0, 1, 2, 10, 0x0A, 0x1C, 0xFF])           // idiag_family
        case 1: input[offset + 1] = UInt8(rng.below(16)) | (rng.chance(1, in: 8) ? 0x80 : 0)  // idiag_state
        default: input[offset + 2] = rng.pick([0, 1, 2, 3, 4, 5, 0xFF])           // idiag_timer
        }
    }

    mutating func truncate(_ input: inout [UInt8]) {
        guard !input.isEmpty else { return }
        let boundaries = Self.messageOffsets(input) + Self.attributeOffsets(input).map(\.offset)
        var length: Int
        if rng.chance(1, in: 2), !boundaries.isEmpty {
            length = rng.pick(boundaries) + rng.below(9) - 4
        } else {
            length = rng.below(input.count)
        }
        length = max(0, min(input.count, length))
        input.removeLast(input.count - length)
    }

    mutating func splice(_ input: inout [UInt8], _ other: [UInt8]) {
        guard !other.isEmpty else { return }
        let mine = Self.messageOffsets(input), theirs = Self.messageOffsets(other)
        if rng.chance(1, in: 2), !mine.isEmpty, !theirs.isEmpty {
            // Whole messages: keep ours up to a boundary, then theirs from one.
            let cut = rng.chance(1, in: 4) ? input.count : rng.pick(mine)
            let from = rng.pick(theirs)
            let to = rng.chance(1, in: 2) ? other.count : min(other.count, from + align4(Int(other.load(UInt32.self, at: from) ?? 0)))
            input = Array(input[..<cut]) + other[from..<max(from, to)]
        } else {
            let cut = rng.below(input.count + 1)
            let from = rng.below(other.count)
            input = Array(input[..<cut]) + other[from...]
        }
    }

    mutating func insertBytes(_ input: inout [UInt8]) {
        let at = rng.below(input.count + 1)
        let count = 1 + rng.below(16)
        let inserted: [UInt8] = rng.chance(1, in: 2)
            ? [UInt8](repeating: rng.pick(Self.interestingBytes), count: count)
            : (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        input.insert(contentsOf: inserted, at: at)
    }

    mutating func duplicate(_ input: inout [UInt8]) {
        guard !input.isEmpty else { return }
        let messages = Self.messageOffsets(input)
        let range: Range<Int>
        if rng.chance(1, in: 2), let start = messages.isEmpty ? nil : rng.pick(messages) {
            let length = Int(input.load(UInt32.self, at: start) ?? 0)
            range = start..<min(input.count, start + max(Wire.headerSize, align4(length)))
        } else {
            let start = rng.below(input.count)
            range = start..<min(input.count, start + 1 + rng.below(64))
        }
        let chunk = Array(input[range])
        let at = rng.chance(1, in: 2) ? (messages.isEmpty ? input.count : rng.pick(messages)) : rng.below(input.count + 1)
        input.insert(contentsOf: chunk, at: at)
    }
}
