import Glibc
import SockDiag

/// Names of processes and users, read from /proc and the password database, cached per run.
public final class ProcessNames {
    private var programs: [Int32: String] = [:]
    private var users: [UInt32: String?] = [:]
    /// The last uid asked for: rows of one user mostly come together.
    private var lastUser: (uid: UInt32, name: String?) = (UInt32.max, nil)

    public init() {}

    /// The basename of a process's `argv[0]` from `/proc/PID/cmdline`, as netstat shows it; empty when the
    /// command line is empty (kernel threads, zombies) or unreadable.
    public func program(pid: Int32) -> String {
        if let known = programs[pid] { return known }
        var name = ""
        if let commandLine = try? WholeFile.read("/proc/\(pid)/cmdline") {
            let first = commandLine.prefix { $0 != 0 }
            let base = first.lastIndex(of: 0x2F).map { first[($0 + 1)...] } ?? first
            name = String(rawBytes: base)
        }
        programs[pid] = name
        return name
    }

    /// The command name from `/proc/PID/comm`, without its newline; nil when unreadable.
    public static func command(pid: Int32, procRoot: String = "/proc") -> String? {
        Scanner(root: procRoot).command(pid: pid)
    }

    /// Every pid in /proc, ascending.
    public static func allPIDs(procRoot: String = "/proc") -> [Int32] {
        ProcessSelection.allPIDs(procRoot: procRoot).sorted()
    }

    /// The user name of `uid`, or nil when it has none.
    public func user(uid: UInt32) -> String? {
        if uid == lastUser.uid { return lastUser.name }
        defer { lastUser = (uid, users[uid] ?? nil) }
        if let known = users[uid] { return known }
        let name = getpwuid(uid).map { String(cString: $0.pointee.pw_name) }
        users[uid] = name
        return name
    }
}
