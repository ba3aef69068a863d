/// A strict, bounded reader of one JSON document that reports its string values by key path, building no tree.
///
/// The runtimes' state files (`config.v2.json`, OCI `config.json`, `state.json`, `containers.json`) are JSON
/// written by Go's `encoding/json`; sockwatch needs a few strings out of them and keeps Foundation out of the
/// binary, so this walks the bytes once, iteratively (no recursion), with a depth limit, and rejects anything
/// RFC 8259 does not allow (control characters in strings, bad escapes, leading zeros, trailing garbage).
public enum StateJSON {
    /// One step of a key path: an object member's key or an array element's index.
    public enum PathComponent: Hashable, Sendable, CustomStringConvertible {
        case key(String)
        case index(Int)

        public var description: String {
            switch self {
            case .key(let key): return key
            case .index(let index): return "[\(index)]"
            }
        }
    }

    /// Why a document was refused; `offset` is where the reader stopped.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed(offset: Int)
        case tooDeep(offset: Int)
        case tooLarge(bytes: Int)

        public var description: String {
            switch self {
            case .malformed(let offset): return "malformed JSON at byte \(offset)"
            case .tooDeep(let offset): return "JSON nested deeper than \(StateJSON.maxDepth) at byte \(offset)"
            case .tooLarge(let bytes): return "JSON document of \(bytes) bytes (limit \(StateJSON.maxBytes))"
            }
        }
    }

    /// The deepest nesting of objects and arrays accepted; runtimes' files nest fewer than 10 levels.
    public static let maxDepth = 64
    /// The largest document accepted: 4 MiB. An OCI spec is tens of KiB; a `containers.json` with thousands of
    /// containers stays under a few MiB.
    public static let maxBytes = 4 << 20

    /// Walks the document in `bytes`, calling `visit` with the path and decoded value of every string value
    /// (not keys); numbers, booleans and null are checked and skipped.
    public static func walk(
        _ bytes: [UInt8], visit: (_ path: [PathComponent], _ value: String) -> Void
    ) throws(Failure) {
        guard bytes.count <= maxBytes else { throw .tooLarge(bytes: bytes.count) }
        try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) in
            var reader = Reader(bytes: buffer)
            try reader.walk(visit: visit)
        }
    }

    /// The string values at each of `paths` (nil where absent or not a string; the last of duplicate keys
    /// wins), or nil when the document is malformed, too deep or too large.
    public static func strings(at paths: [[String]], in bytes: [UInt8]) -> [String?]? {
        let wanted = paths.map { $0.map(PathComponent.key) }
        var found = [String?](repeating: nil, count: paths.count)
        do {
            try walk(bytes) { path, value in
                for (i, want) in wanted.enumerated() where want == path { found[i] = value }
            }
        } catch {
            return nil
        }
        return found
    }
}

// MARK: - The reader

extension StateJSON {
    /// Containers open at the current position.
    private enum Frame {
        case object
        case array
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0
        var frames: [Frame] = []
        var path: [PathComponent] = []

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func walk(visit: ([PathComponent], String) -> Void) throws(Failure) {
            value: while true {
                skipWhitespace()
                guard offset < bytes.count else { throw .malformed(offset: offset) }
                switch bytes[offset] {
                case UInt8(ascii: "{"):
                    try open(.object)
                    skipWhitespace()
                    if peek(UInt8(ascii: "}")) {
                        offset += 1
                        close()
                    } else {
                        path.append(.key(try member()))
                        continue value
                    }
                case UInt8(ascii: "["):
                    try open(.array)
                    skipWhitespace()
                    if peek(UInt8(ascii: "]")) {
                        offset += 1
                        close()
                    } else {
                        path.append(.index(0))
                        continue value
                    }
                case UInt8(ascii: "\""):
                    visit(path, try string())
                case UInt8(ascii: "t"): try literal("true")
                case UInt8(ascii: "f"): try literal("false")
                case UInt8(ascii: "n"): try literal("null")
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
                default: throw .malformed(offset: offset)
                }
                // After a complete value: a separator, the end of its container, or the end of the document.
                while true {
                    skipWhitespace()
                    guard let frame = frames.last else {
                        guard offset == bytes.count else { throw .malformed(offset: offset) }
                        return
                    }
                    guard offset < bytes.count else { throw .malformed(offset: offset) }
                    let byte = bytes[offset]
                    offset += 1
                    switch (frame, byte) {
                    case (.object, UInt8(ascii: ",")):
                        skipWhitespace()
                        path[path.count - 1] = .key(try member())
                        continue value
                    case (.array, UInt8(ascii: ",")):
                        guard case .index(let index) = path[path.count - 1] else { throw .malformed(offset: offset) }
                        path[path.count - 1] = .index(index + 1)
                        continue value
                    case (.object, UInt8(ascii: "}")), (.array, UInt8(ascii: "]")):
                        path.removeLast()
                        close()
                    default:
                        throw .malformed(offset: offset - 1)
                    }
                }
            }
        }

        mutating func open(_ frame: Frame) throws(Failure) {
            guard frames.count < StateJSON.maxDepth else { throw .tooDeep(offset: offset) }
            frames.append(frame)
            offset += 1
        }

        mutating func close() {
            frames.removeLast()
        }

        /// A member's key and its colon; the reader is at the key's opening quote.
        mutating func member() throws(Failure) -> String {
            guard peek(UInt8(ascii: "\"")) else { throw .malformed(offset: offset) }
            let key = try string()
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw .malformed(offset: offset) }
            offset += 1
            return key
        }

        func peek(_ byte: UInt8) -> Bool {
            offset < bytes.count && bytes[offset] == byte
        }

        mutating func skipWhitespace() {
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x20, 0x09, 0x0A, 0x0D: offset += 1
                default: return
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard bytes.count - offset >= count else { throw .malformed(offset: offset) }
            for i in 0..<count where bytes[offset + i] != word.utf8Start[i] {
                throw .malformed(offset: offset + i)
            }
            offset += count
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() throws(Failure) {
            if peek(UInt8(ascii: "-")) { offset += 1 }
            if peek(UInt8(ascii: "0")) {
                offset += 1
            } else {
                guard try digits() else { throw .malformed(offset: offset) }
            }
            if peek(UInt8(ascii: ".")) {
                offset += 1
                guard try digits() else { throw .malformed(offset: offset) }
            }
            if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
                offset += 1
                if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { offset += 1 }
                guard try digits() else { throw .malformed(offset: offset) }
            }
        }

        /// Skips a run of digits; whether there was one.
        mutating func digits() throws(Failure) -> Bool {
            let start = offset
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
            return offset > start
        }

        /// A string's decoded value; the reader is at its opening quote and ends past the closing one.
        /// Invalid UTF-8 and unpaired surrogates decode to U+FFFD, as Go's `encoding/json` does.
        mutating func string() throws(Failure) -> String {
            offset += 1
            let start = offset
            // The common case, no escapes: decode the bytes in place.
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "\"") {
                    let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                    offset += 1
                    return value
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw .malformed(offset: offset) }
                offset += 1
            }
            guard offset < bytes.count else { throw .malformed(offset: offset) }
            var out = Array(bytes[start..<offset])
            while offset < bytes.count {
                let byte = bytes[offset]
                switch byte {
                case UInt8(ascii: "\""):
                    offset += 1
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    offset += 1
                    guard offset < bytes.count else { throw .malformed(offset: offset) }
                    let escape = bytes[offset]
                    offset += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): append(scalar: try unicodeEscape(), to: &out)
                    default: throw .malformed(offset: offset - 1)
                    }
                case 0..<0x20:
                    throw .malformed(offset: offset)
                default:
                    out.append(byte)
                    offset += 1
                }
            }
            throw .malformed(offset: offset)
        }

        /// The scalar of a `\uXXXX` escape (the reader is past the `u`), pairing a high surrogate with a following
        /// `\uDC00`–`\uDFFF`; an unpaired surrogate is U+FFFD.
        mutating func unicodeEscape() throws(Failure) -> Unicode.Scalar {
            let unit = try hex4()
            switch unit {
            case 0xD800...0xDBFF:
                if bytes.count - offset >= 6, bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                {
                    let save = offset
                    offset += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        return Unicode.Scalar(value) ?? "\u{FFFD}"
                    }
                    // Not a low surrogate: the high one stands alone and the next escape is read on its own.
                    offset = save
                }
                return "\u{FFFD}"
            case 0xDC00...0xDFFF:
                return "\u{FFFD}"
            default:
                return Unicode.Scalar(unit) ?? "\u{FFFD}"
            }
        }

        mutating func hex4() throws(Failure) -> UInt16 {
            guard bytes.count - offset >= 4 else { throw .malformed(offset: offset) }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw .malformed(offset: offset)
                }
                value = value << 4 | UInt16(digit)
                offset += 1
            }
            return value
        }

        func append(scalar: Unicode.Scalar, to out: inout [UInt8]) {
            if let encoded = UTF8.encode(scalar) { out.append(contentsOf: encoded) }
        }
    }
}
