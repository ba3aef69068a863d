/// Joins a filter given as many words into few arguments before swift-argument-parser sees them.
///
/// The argument parser does work proportional to all arguments for each positional word it takes, so a filter
/// of n separate words costs n² there. A filter's words mean the same joined by spaces (the lexer and its
/// positions count one space between arguments), so each run of words without a leading `-` becomes two
/// arguments: its first word, kept alone because it may be an option's value or the subcommand's name, and the
/// rest joined. Only the commands whose positional is the filter (list, watch, events) are rewritten; after `--`
/// nothing is.
enum FilterWords {
    static let otherCommands: Set<String> = ["netstat", "lsof", "pfiles", "exporter", "help"]

    /// The arguments (without the program name) with each run of three or more plain words folded to two.
    static func coalesced(_ arguments: [String]) -> [String] {
        if let first = arguments.first, otherCommands.contains(first) { return arguments }
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var run: [String] = []
        func flush() {
            if run.count <= 2 {
                result.append(contentsOf: run)
            } else {
                result.append(run[0])
                result.append(run[1...].joined(separator: " "))
            }
            run.removeAll(keepingCapacity: true)
        }
        for (index, word) in arguments.enumerated() {
            if word == "--" {
                flush()
                result.append(contentsOf: arguments[index...])
                return result
            }
            if word.hasPrefix("-") {
                flush()
                result.append(word)
            } else {
                run.append(word)
            }
        }
        flush()
        return result
    }
}
