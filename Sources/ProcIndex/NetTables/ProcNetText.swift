import SockDiag

/// Words and numbers of the `/proc/net` text tables, read the way net-tools' `sscanf` calls read them.
enum ProcNetText {
    /// The lines of `bytes`, without their newlines.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).filter { !$0.isEmpty }
    }

    /// The blank-separated words of `line` (spaces and tabs).
    static func words(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A decimal number as `strtoull` reads it: a leading `-` wraps (`-1` is `UInt64.max`); nil without digits.
    static func unsigned(_ word: ArraySlice<UInt8>) -> UInt64? {
        var digits = word[...]
        var negative = false
        if digits.first == 0x2D || digits.first == 0x2B {
            negative = digits.first == 0x2D
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value &* 10 &+ UInt64(byte - 0x30)
        }
        return negative ? 0 &- value : value
    }

    /// A decimal `%d`; nil for anything else.
    static func int32(_ word: ArraySlice<UInt8>) -> Int32? {
        Int32(string(word))
    }

    /// Hex digits (`%X`); nil for anything else.
    static func hex32(_ word: ArraySlice<UInt8>) -> UInt32? {
        UInt32(string(word), radix: 16)
    }

    /// An IPv4 address printed as `%08X` of the address in network order read as a native integer.
    static func ipv4(hex word: ArraySlice<UInt8>) -> IPAddress? {
        hex32(word).map { IPAddress(family: .inet, high: UInt64($0), low: 0) }
    }

    /// An IPv6 address printed as 32 hex digits in network order (`%pi6`).
    static func ipv6(hex word: ArraySlice<UInt8>) -> IPAddress? {
        guard word.count == 32 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        var i = word.startIndex
        for n in 0..<16 {
            guard let byte = UInt8(string(word[i..<(i + 2)]), radix: 16) else { return nil }
            bytes[n] = byte
            i += 2
        }
        let (high, low) = bytes.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        return IPAddress(family: .inet6, high: high, low: low)
    }
}
