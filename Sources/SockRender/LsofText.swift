import SockDiag

/// lsof's "safe" printing of names (its `safepup`, `safestrlen`, `safestrprt`, `safestrprtn`), byte for byte.
///
/// Bytes lsof does not print as they are: control characters become `\b \f \n \r \t` or `^X`, a backslash
/// `\\`, anything else (DEL, bytes >= 0x80, and in COMMAND a space) `\xNN`. Two quirks are kept because they
/// decide column widths: `safestrlen` counts a byte >= 0x80 as 2 columns although it prints as 4, and
/// `safestrprtn` never splits an escape, padding with spaces instead.
enum LsofText {
    static func isPrintable(_ byte: UInt8, spaceIsUnprintable: Bool) -> Bool {
        byte >= 0x20 && byte <= 0x7E && byte != 0x5C && !(spaceIsUnprintable && byte == 0x20)
    }

    /// The length of `byte`'s escape.
    static func escapeLength(_ byte: UInt8) -> Int {
        byte < 0x20 || byte == 0x5C ? 2 : 4
    }

    /// Appends the escape of `byte` (`safepup`).
    static func appendEscape(_ byte: UInt8, to out: OutputBuffer) {
        switch byte {
        case 0x08: out.append("\\b")
        case 0x0C: out.append("\\f")
        case 0x0A: out.append("\\n")
        case 0x0D: out.append("\\r")
        case 0x09: out.append("\\t")
        case 0x5C: out.append("\\\\")
        case 0..<0x20:
            out.append(0x5E)
            out.append(byte + 0x40)
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append("\\x")
            hex.withUTF8Buffer { digits in
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            }
        }
    }

    /// The width lsof reserves for `text` (`safestrlen`, with its signed-char count of high bytes).
    static func width(_ text: String, spaceIsUnprintable: Bool) -> Int {
        var width = 0
        for byte in text.rawBytes {
            if isPrintable(byte, spaceIsUnprintable: spaceIsUnprintable) {
                width += 1
            } else if byte < 0x20 || byte >= 0x80 || byte == 0x5C {
                width += 2
            } else {
                width += 4
            }
        }
        return width
    }

    /// The widths of lsof's columns, each at least its title's.
    struct ColumnWidths {
        var command = 7, pid = 3, user = 4, fd = 4, type = 4, device = 6, size = 8, node = 4
        /// TID and TASKCMD, when thread rows are listed.
        var task: (id: Int, command: Int)? = nil
    }

    /// Appends one `-F` field: its letter, its value, and the terminator (newline, or NUL with `-F0`).
    static func appendField(_ id: UInt8, _ value: String, terminator: UInt8, to out: OutputBuffer) {
        out.append(id)
        out.append(value)
        out.append(terminator)
    }

    /// Appends lsof's title line (`print_header`): titles right-aligned to their columns, NAME last.
    static func appendHeader(_ widths: ColumnWidths, to out: OutputBuffer) {
        func right(_ title: String, _ width: Int) {
            out.append(0x20)
            out.appendSpaces(width - title.utf8.count)
            out.append(title)
        }
        out.append("COMMAND")
        out.appendSpaces(widths.command - 7)
        right("PID", widths.pid)
        if let task = widths.task {
            right("TID", task.id)
            out.append(0x20)
            appendPadded("TASKCMD", width: task.command, spaceIsUnprintable: true, to: out)
        }
        right("USER", widths.user)
        right("FD", widths.fd - 2)
        out.append("  ")
        right("TYPE", widths.type)
        right("DEVICE", widths.device)
        right("SIZE/OFF", widths.size)
        right("NODE", widths.node)
        out.append(" NAME\n")
    }

    /// Appends at most `width` columns of `text`, then spaces up to `width` (`safestrprtn`): an escape that
    /// would not fit ends the text.
    static func appendPadded(_ text: String, width: Int, spaceIsUnprintable: Bool, to out: OutputBuffer) {
        var used = 0
        for byte in text.rawBytes {
            guard used < width else { break }
            if isPrintable(byte, spaceIsUnprintable: spaceIsUnprintable) {
                out.append(byte)
                used += 1
            } else {
                let length = escapeLength(byte)
                if used + length > width { break }
                appendEscape(byte, to: out)
                used += length
            }
        }
        if used < width { out.appendSpaces(width - used) }
    }

    /// Appends `text` whole (`safestrprt`). In a multibyte (UTF-8) locale lsof prints a valid, printable
    /// multibyte character as it is; otherwise each byte >= 0x80 is escaped.
    static func append(_ text: String, multibyte: Bool, to out: OutputBuffer) {
        let bytes = text.rawBytes  // a byte that was not UTF-8 is printed as lsof prints it: `bad\xff`
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if multibyte, byte >= 0x80, let length = printableSequenceLength(bytes, at: i) {
                for k in i..<(i + length) { out.append(bytes[k]) }
                i += length
                continue
            }
            if isPrintable(byte, spaceIsUnprintable: false) { out.append(byte) } else { appendEscape(byte, to: out) }
            i += 1
        }
    }

    /// The length of the valid UTF-8 sequence at `i` when it encodes a printable character (not a C1 control).
    static func printableSequenceLength(_ bytes: [UInt8], at i: Int) -> Int? {
        guard let (scalar, length) = String.validScalar(bytes, at: i), length > 1, scalar.value >= 0xA0 else {
            return nil
        }
        return length
    }
}
