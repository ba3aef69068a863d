/// Names from the kernel (UNIX socket paths, comm, command lines) are bytes, not always UTF-8: they are kept
/// in a `String` without loss, each byte that is not part of valid UTF-8 stored as one code point of the
/// Supplementary Private Use Area-B, U+10FF00 + byte (U+10FF80–U+10FFFF). A name that itself contains one of
/// those code points has the four bytes of each stored that way too, so every name maps back to its bytes.
/// Renderers print such a code point as the byte it stands for: `\xNN` in a table and `watch`, lsof's own
/// escape in the lsof dialect; JSON shows U+FFFD in the string and every byte in a `KEY_hex` field beside it
/// (docs/json.md).
extension String {
    /// The first code point standing for a raw byte (U+10FF80, byte 0x80).
    static let rawByteBase: UInt32 = 0x10FF00

    /// Decodes `bytes` as UTF-8, keeping every byte that is not valid UTF-8 as a raw-byte code point.
    public init<Bytes: Collection<UInt8>>(rawBytes bytes: Bytes) {
        // Almost every name is valid UTF-8 without U+10FFxx (lead byte 0xF4): one validating pass.
        if !bytes.contains(0xF4), let valid = String(validating: bytes, as: UTF8.self) {
            self = valid
            return
        }
        self = Self.decodingRawBytes(Array(bytes))
    }

    private static func decodingRawBytes(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = validScalar(bytes, at: i), scalar.value < rawByteBase + 0x80 {
                scalars.append(scalar)
                i += length
            } else {
                let length = validScalar(bytes, at: i)?.1 ?? 1
                for k in i..<(i + length) { scalars.append(Unicode.Scalar(rawByteBase + UInt32(bytes[k]))!) }
                i += length
            }
        }
        return String(scalars)
    }

    /// The scalar of the valid UTF-8 sequence at `i` and its length; nil when the bytes there are not one.
    public static func validScalar(_ bytes: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        for k in 1..<length {
            let next = bytes[i + k]
            guard next & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// The raw byte a code point stands for (U+10FF80–U+10FFFF), nil for any other code point.
    @inline(__always)
    public static func rawByte(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= rawByteBase + 0x80 ? UInt8(truncatingIfNeeded: scalar.value - rawByteBase) : nil
    }

    /// The bytes this string was decoded from by `init(rawBytes:)`.
    public var rawBytes: [UInt8] {
        var utf8 = Array(self.utf8)
        guard utf8.contains(0xF4) else { return utf8 }
        utf8.removeAll(keepingCapacity: true)
        for scalar in unicodeScalars {
            if let byte = Self.rawByte(scalar) { utf8.append(byte) } else { utf8.append(contentsOf: UTF8.encode(scalar)!) }
        }
        return utf8
    }
}
