/// One key of the live view, decoded from the bytes a terminal sends (`CSI A` for Up, `CSI 5~` for PgUp…).
enum Key: Equatable {
    case character(UInt8)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace
    /// Ctrl-U: clear the prompt.
    case clearLine
    /// An escape sequence the view has no use for.
    case unknown

    /// The keys in `bytes`, in order; a lone ESC (nothing after it in the same read) is the Escape key.
    static func decode(_ bytes: [UInt8]) -> [Key] {
        var keys: [Key] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            switch byte {
            case 0x1B:
                guard i < bytes.count, bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "O") else {
                    keys.append(.escape)
                    continue
                }
                i += 1
                var parameter = 0
                while i < bytes.count, (0x30...0x3F).contains(bytes[i]) {
                    if (0x30...0x39).contains(bytes[i]), parameter < 1000 {
                        parameter = parameter * 10 + Int(bytes[i] - 0x30)
                    }
                    i += 1
                }
                guard i < bytes.count else {
                    keys.append(.unknown)
                    continue
                }
                let final = bytes[i]
                i += 1
                keys.append(Self.sequence(final: final, parameter: parameter))
            case 0x0A, 0x0D: keys.append(.enter)
            case 0x7F, 0x08: keys.append(.backspace)
            case 0x15: keys.append(.clearLine)
            default: keys.append(.character(byte))
            }
        }
        return keys
    }

    private static func sequence(final: UInt8, parameter: Int) -> Key {
        switch final {
        case UInt8(ascii: "A"): .up
        case UInt8(ascii: "B"): .down
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        case UInt8(ascii: "~"):
            switch parameter {
            case 1, 7: .home
            case 4, 8: .end
            case 5: .pageUp
            case 6: .pageDown
            default: .unknown
            }
        default: .unknown
        }
    }
}
