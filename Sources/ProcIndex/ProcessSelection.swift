import Glibc

/// A process name to match: a prefix of the command name, or a regular expression (`/ngin.x/`).
public enum CommandPattern {
    case prefix(String)
    case regex(Regex<AnyRegexOutput>)

    /// Parses `NAME` or `/REGEX/`; nil when the regular expression does not compile.
    public init?(_ text: String) {
        if text.count >= 2, text.hasPrefix("/"), text.hasSuffix("/") {
            guard let regex = try? Regex(String(text.dropFirst().dropLast())) else { return nil }
            self = .regex(regex)
        } else {
            self = .prefix(text)
        }
    }

    public func matches(_ command: String) -> Bool {
        switch self {
        case let .prefix(prefix): command.hasPrefix(prefix)
        case let .regex(regex): (try? regex.firstMatch(in: command)) != nil
        }
    }
}

/// Which processes `--pid`, `--command` and `--user` select. Kinds combine with AND, values of one kind with OR.
public struct ProcessSelection {
    public var pids: [Int32] = []
    public var commands: [CommandPattern] = []
    public var users: [UInt32] = []

    public init(pids: [Int32] = [], commands: [CommandPattern] = [], users: [UInt32] = []) {
        self.pids = pids
        self.commands = commands
        self.users = users
    }

    public var isEmpty: Bool { pids.isEmpty && commands.isEmpty && users.isEmpty }

    /// The selected pids that exist, and the `--pid` values that do not.
    ///
    /// With only `--pid`, nothing but `/proc/PID` of those pids is looked at. With `--command` or `--user`,
    /// every `/proc/PID/comm` (and owner) is read — names, not descriptors.
    public func resolve(procRoot: String = "/proc") -> (pids: [Int32], missing: [Int32]) {
        let scanner = Scanner(root: procRoot)
        var candidates: [Int32]
        var missing: [Int32] = []
        if !pids.isEmpty {
            candidates = []
            for pid in Set(pids).sorted() {
                if access("\(procRoot)/\(pid)", F_OK) == 0 { candidates.append(pid) } else { missing.append(pid) }
            }
        } else {
            candidates = Self.allPIDs(procRoot: procRoot)
        }
        let selected = candidates.filter { pid in
            if !commands.isEmpty {
                guard let command = scanner.command(pid: pid), commands.contains(where: { $0.matches(command) })
                else { return false }
            }
            if !users.isEmpty {
                var st = stat()
                guard stat("\(procRoot)/\(pid)", &st) == 0, users.contains(st.st_uid) else { return false }
            }
            return true
        }
        return (selected, missing)
    }

    /// Every numeric entry of /proc.
    static func allPIDs(procRoot: String) -> [Int32] {
        Scanner.numericEntries(of: procRoot) ?? []
    }

    /// The uid of a user name or a numeric uid; nil when neither.
    public static func uid(forUser text: String) -> UInt32? {
        if let uid = UInt32(text) { return uid }
        guard let entry = getpwnam(text) else { return nil }
        return entry.pointee.pw_uid
    }
}
