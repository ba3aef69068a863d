import ArgumentParser

/// `-c NAME`, `-c ^NAME` and `-c /REGEX/[bix]`: lsof's command selections.
///
/// A name selects (or with `^` excludes) commands that begin with it, byte for byte. A regular expression
/// is POSIX, extended unless `b` (basic) is given, `i` ignoring case, and matches anywhere in the name, as
/// lsof compiles it with `regcomp` and runs `regexec`.
struct LsofCommandPatterns {
    struct Prefix: Equatable {
        var name: String
        var excluded: Bool
    }

    /// The longest command name Linux keeps (`TASK_COMM_LEN` - 1); lsof refuses longer `-c` names.
    static let longestName = 15

    var prefixes: [Prefix] = []
    var regexes: [LsofRegex] = []

    var includes: Bool { prefixes.contains { !$0.excluded } || !regexes.isEmpty }

    /// Takes one `-c` argument.
    mutating func add(_ argument: String) throws {
        if argument.hasPrefix("/") {
            regexes.append(try LsofRegex(argument))
            return
        }
        let excluded = argument.hasPrefix("^")
        let name = excluded ? String(argument.dropFirst()) : argument
        guard !name.isEmpty else { throw ValidationError("missing command name after -c") }
        let length = name.utf8.count
        guard length <= Self.longestName else {
            throw ValidationError(
                "\"-c \(name)\" length (\(length)) > what system provides (\(Self.longestName))")
        }
        let prefix = Prefix(name: name, excluded: excluded)
        if !prefixes.contains(prefix) { prefixes.append(prefix) }
    }

    /// Rejects a name both selected and excluded.
    func validate() throws {
        for excluded in prefixes where excluded.excluded {
            if prefixes.contains(Prefix(name: excluded.name, excluded: false)) {
                throw ValidationError("-c^\(excluded.name) and -c\(excluded.name) conflict.")
            }
        }
    }

    static func begins(_ command: String, with prefix: String) -> Bool {
        command.utf8.starts(with: prefix.utf8)
    }
}
