import ArgumentParser
import Glibc

/// A compiled `-c /REGEX/[bix]`.
final class LsofRegex {
    /// The expression between the slashes, for `-V`.
    let expression: String
    private let compiled: UnsafeMutablePointer<regex_t>

    init(_ argument: String) throws {
        let bytes = Array(argument.utf8)
        // The expression ends at the first '/' after the opening one; modifiers follow.
        guard let close = bytes.dropFirst().firstIndex(of: 0x2F) else {
            throw ValidationError("regexp doesn't end with '/': \(argument)")
        }
        expression = String(decoding: bytes[1..<close], as: UTF8.self)
        var flags = REG_NOSUB | REG_EXTENDED
        var seen: Set<UInt8> = []
        for modifier in bytes[(close + 1)...] {
            if seen.contains(modifier), modifier == 0x62 || modifier == 0x69 || modifier == 0x78 {
                throw ValidationError(
                    "\(Character(Unicode.Scalar(modifier))) regexp modifier already used: \(argument)")
            }
            seen.insert(modifier)
            switch modifier {
            case 0x62:  // b
                if seen.contains(0x78) { throw ValidationError("b and x regexp modifiers conflict: \(argument)") }
                flags &= ~REG_EXTENDED
            case 0x69:  // i
                flags |= REG_ICASE
            case 0x78:  // x
                if seen.contains(0x62) { throw ValidationError("b and x regexp modifiers conflict: \(argument)") }
                flags |= REG_EXTENDED
            default:
                throw ValidationError("invalid regexp modifier: \(Character(Unicode.Scalar(modifier)))")
            }
        }
        let regex = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let status = regcomp(regex, expression, flags)
        guard status == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(status, regex, &message, message.count)
            regex.deallocate()
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ValidationError("regexp error: \(argument): \(text)")
        }
        compiled = regex
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    func matches(_ command: String) -> Bool {
        regexec(compiled, command, 0, nil, 0) == 0
    }
}
