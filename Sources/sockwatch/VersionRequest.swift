/// Whether a command line asks for the version, on any command, before the parser sees it.
///
/// swift-argument-parser answers `--version` only where it parses the arguments itself; the netstat and lsof
/// dialects take theirs raw, and nothing knows `-V`. So `sockwatch [COMMAND] ... --version` and `-V` print
/// `sockwatch 0.2.0 (git abc1234)` everywhere, except that the lsof dialect keeps lsof's `-V` (name the items
/// not found) and answers `--version` only (its `-v` stays refused, pointing at `--version`).
enum VersionRequest {
    /// True when `arguments` (without the program name) hold a version flag before any `--`.
    static func isRequested(_ arguments: [String]) -> Bool {
        // `---completion …` carries the words being completed, not a request.
        if arguments.first?.hasPrefix("---") == true { return false }
        let flags: Set<String> = arguments.first == "lsof" ? ["--version"] : ["--version", "-V"]
        for argument in arguments {
            if argument == "--" { return false }
            if flags.contains(argument) { return true }
        }
        return false
    }
}
