extension OutputBuffer {
    /// Appends `text` for a table: control characters become `\n`, `\t`, `\r` or `\xNN`, and `\` becomes `\\`,
    /// so one record stays one line.
    public func appendEscaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case 0x0A: append("\\n")
            case 0x09: append("\\t")
            case 0x0D: append("\\r")
            case 0x5C: append("\\\\")
            case 0..<0x20, 0x7F: appendHexEscape(byte, prefix: "\\x", digits: 2)
            default: append(byte)
            }
        }
    }

    /// Appends `text` as a JSON string, quotes included (RFC 8259 escapes; `String` is already valid UTF-8).
    public func appendJSONString(_ text: String) {
        append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: append("\\\"")
            case 0x5C: append("\\\\")
            case 0x0A: append("\\n")
            case 0x09: append("\\t")
            case 0x0D: append("\\r")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0..<0x20, 0x7F: appendHexEscape(byte, prefix: "\\u", digits: 4)
            default: append(byte)
            }
        }
        append(0x22)
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
