import SockDiag

extension OutputBuffer {
    /// Appends `text` for a table or `watch`: C0 controls become `\n`, `\t`, `\r` or `\xNN`, `\` becomes `\\`,
    /// C1 controls (U+0080–U+009F: xterm acts on 8-bit CSI U+009B) and bidi overrides (U+202A–U+202E,
    /// U+2066–U+2069) become `\uNNNN`, and a byte that was not UTF-8 (`String(rawBytes:)`) becomes `\xNN`: one
    /// record stays one line, shows in its own order, and every name can be read back byte for byte.
    public func appendEscaped(_ text: String) {
        appendEscapedBytes(of: text, json: false)
    }

    /// Appends `text` as a JSON string, quotes included (RFC 8259 escapes). C1 controls and bidi overrides
    /// are written as `\uNNNN`; a byte that was not UTF-8 as U+FFFD, so that every parser accepts the line
    /// (a lone surrogate escape would be rejected by many): `appendJSONRawBytes` adds the bytes themselves.
    public func appendJSONString(_ text: String) {
        append(0x22)
        appendEscapedBytes(of: text, json: true)
        append(0x22)
    }

    /// The one escaping walk behind both: `\n \t \r \\` and C1 controls and bidi overrides as `\uNNNN` in
    /// both; other controls as `\xNN` in a table and `\u00NN` in JSON, which also escapes `"`, `\b` and `\f`;
    /// a raw byte as `\xNN` in a table and U+FFFD in JSON. Inlined, so each caller's `json` is a constant.
    @inline(__always)
    private func appendEscapedBytes(of text: String, json: Bool) {
        var text = text
        text.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case 0x0A: append("\\n")
                case 0x09: append("\\t")
                case 0x0D: append("\\r")
                case 0x5C: append("\\\\")
                case 0x22 where json: append("\\\"")
                case 0x08 where json: append("\\b")
                case 0x0C where json: append("\\f")
                case 0..<0x20, 0x7F:
                    if json {
                        appendHexEscape(byte, prefix: "\\u", digits: 4)
                    } else {
                        appendHexEscape(byte, prefix: "\\x", digits: 2)
                    }
                case 0xC2, 0xE2, 0xF4:
                    if let (scalar, length) = Self.hostileScalar(bytes, at: i) {
                        if let raw = String.rawByte(scalar) {
                            if json { append("\u{FFFD}") } else { appendHexEscape(raw, prefix: "\\x", digits: 2) }
                        } else {
                            appendUnicodeEscape(scalar.value)
                        }
                        i += length
                        continue
                    }
                    append(byte)
                default: append(byte)
                }
                i += 1
            }
        }
    }

    /// When `text` held bytes that are not UTF-8 (`String(rawBytes:)`), appends `,"KEY_hex":"…"`: every byte
    /// of the name in hex, the lossless form beside the readable one (docs/json.md). Nothing otherwise.
    @inline(__always)
    public func appendJSONRawBytes(key: StaticString, of text: String) {
        guard text.utf8.contains(0xF4), text.unicodeScalars.contains(where: { String.rawByte($0) != nil }) else {
            return
        }
        let bytes = text.rawBytes
        append(",\"")
        append(key)
        append("_hex\":\"")
        let table: StaticString = "0123456789abcdef"
        table.withUTF8Buffer { hex in
            for byte in bytes {
                append(hex[Int(byte >> 4)])
                append(hex[Int(byte & 0xF)])
            }
        }
        append(0x22)
    }

    /// The C1 control, bidi override or raw-byte code point whose UTF-8 starts at `i`, with its length; nil for
    /// any other character. `bytes` is valid UTF-8 (a `String`'s).
    @inline(__always)
    static func hostileScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        let rest = bytes.count - i
        switch bytes[i] {
        case 0xC2 where rest >= 2 && bytes[i + 1] <= 0x9F:
            // U+0080–U+009F: C2 80 … C2 9F.
            return (Unicode.Scalar(bytes[i + 1]), 2)
        case 0xE2 where rest >= 3 && bytes[i + 1] == 0x80 && (0xAA...0xAE).contains(bytes[i + 2]):
            return (Unicode.Scalar(0x2000 + UInt32(bytes[i + 2] - 0x80))!, 3)
        case 0xE2 where rest >= 3 && bytes[i + 1] == 0x81 && (0xA6...0xA9).contains(bytes[i + 2]):
            return (Unicode.Scalar(0x2040 + UInt32(bytes[i + 2] - 0x80))!, 3)
        case 0xF4 where rest >= 4 && bytes[i + 1] == 0x8F && bytes[i + 2] >= 0xBE:
            // U+10FF80–U+10FFFF: F4 8F BE 80 … F4 8F BF BF.
            let value = 0x10F000 + UInt32(bytes[i + 2] & 0x3F) << 6 + UInt32(bytes[i + 3] & 0x3F)
            return (Unicode.Scalar(value)!, 4)
        default:
            return nil
        }
    }

    private func appendUnicodeEscape(_ value: UInt32) {
        let table: StaticString = "0123456789abcdef"
        append("\\u")
        table.withUTF8Buffer { hex in
            for shift in stride(from: 12, through: 0, by: -4) { append(hex[Int((value >> UInt32(shift)) & 0xF)]) }
        }
    }

    private func appendHexEscape(_ byte: UInt8, prefix: StaticString, digits: Int) {
        let table: StaticString = "0123456789abcdef"
        append(prefix)
        for _ in 2..<max(2, digits) { append(0x30) }
        table.withUTF8Buffer { hex in
            append(hex[Int(byte >> 4)])
            append(hex[Int(byte & 0xF)])
        }
    }
}
