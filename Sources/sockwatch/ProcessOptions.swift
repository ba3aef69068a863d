import ArgumentParser
import ProcIndex

/// `--pid`, `--command` and `--user`: list only the sockets of some processes.
struct ProcessOptions: ParsableArguments {
    @Option(
        name: .customLong("pid"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Only sockets held by these pids (comma list, repeatable). Implies -p.", valueName: "pid"))
    var pidLists: [String] = []

    @Option(
        name: .customLong("command"),
        help: ArgumentHelp("Only sockets of processes whose name starts with NAME, or matches /REGEX/.", valueName: "name"))
    var commands: [String] = []

    @Option(
        name: .customLong("user"),
        help: ArgumentHelp("Only sockets of processes run by USER (a name or a uid).", valueName: "user"))
    var users: [String] = []

    func validate() throws {
        _ = try selection()
    }

    /// The selection; throws `ValidationError` naming the bad value.
    func selection() throws -> ProcessSelection {
        var selection = ProcessSelection()
        for list in pidLists {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let pid = Int32(item), pid > 0 else {
                    throw ValidationError("--pid takes process ids (positive numbers), not '\(item)'")
                }
                selection.pids.append(pid)
            }
        }
        for command in commands {
            guard let pattern = CommandPattern(command) else {
                throw ValidationError("--command: '\(command)' is not a valid /regular expression/")
            }
            selection.commands.append(pattern)
        }
        for user in users {
            guard let uid = ProcessSelection.uid(forUser: user) else {
                throw ValidationError("--user: no such user '\(user)'")
            }
            selection.users.append(uid)
        }
        return selection
    }
}
