import ProcIndex
import SockDiag
import SystemPackage

/// Something the pipeline tells the user, on stderr, without failing: the caller decides how to print it.
public struct PipelineNote: Sendable, Equatable, CustomStringConvertible {
    public enum Level: Sendable, Equatable {
        /// A fact worth knowing (a namespace skipped, processes unreadable).
        case note
        /// Something may be missing from the output (an inconsistent dump, lost notices).
        case warning
        /// A part of the request failed while the rest went on (a pid that does not exist).
        case error
    }

    public var level: Level
    public var message: String

    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }

    /// The line without the program's name: `note: …`, `warning: …`, or the bare message for an error.
    public var description: String {
        switch level {
        case .note: "note: \(message)"
        case .warning: message.hasPrefix("warning: ") ? message : "warning: \(message)"
        case .error: message
        }
    }
}

extension PipelineNote {
    /// `count` processes refused to show their descriptors: their sockets have no owner.
    public static func unreadableProcesses(_ count: Int, consequence: String = "their sockets show no owner") -> Self {
        PipelineNote(.note, "\(count) processes could not be read (not permitted); \(consequence) (run as root to see them)")
    }

    /// The descriptor limit stopped the /proc scan (`EMFILE`): the owners it would have found are missing.
    public static func outOfDescriptors(processes: Int, procUnlisted: Bool) -> Self {
        let what = procUnlisted ? "/proc could not be listed" : "\(processes) processes could not be read"
        return PipelineNote(
            .warning,
            "\(what): too many open files (EMFILE); their sockets show no owner (raise the limit: ulimit -n)")
    }

    /// /proc is mounted with `hidepid=2` (or `4`): other users' processes are absent from it, not refused.
    public static let hiddenProcesses = PipelineNote(
        .note,
        "/proc is mounted with hidepid: other users' processes are hidden, their sockets show no owner "
            + "(run as root, or in the proc mount's gid= group, to see them)")

    /// The kernel cannot report `netid` sockets (`errno`: its sock_diag handler is missing).
    public static func unsupported(_ netid: NetID, _ errno: Errno) -> Self {
        PipelineNote(
            .note,
            "no \(netid.rawValue) sockets listed: this kernel cannot report them "
                + "(\(errnoName(errno)); is the \(netid.rawValue)_diag module available?)")
    }
}

extension PipelineNote {
    /// No cgroup2 filesystem is mounted where sockwatch runs.
    public static let noCgroupMount = PipelineNote(
        .note, "no cgroup2 mount in /proc/self/mountinfo (cgroup v1 only, or a fresh /sys as `ip netns exec` "
            + "mounts): cgroup and container cells show '-'")

    /// INET sockets came without `INET_DIAG_CGROUP_ID`: their holders' cgroups stand in.
    public static let noKernelCgroupIDs = PipelineNote(
        .note, "this kernel sends no cgroup id with INET sockets (INET_DIAG_CGROUP_ID, Linux 5.8+): they are "
            + "attributed through their holders' cgroups, and show '-' where no holder is known")

    /// `count` addresses had no name within the deadlines of `names`: they print as numbers.
    public static func lateNames(_ count: Int, _ names: HostNames) -> Self {
        let seconds = names.deadlines.lookup == names.deadlines.total
            ? "\(seconds(names.deadlines.total)) s"
            : "\(seconds(names.deadlines.lookup)) s a lookup, \(seconds(names.deadlines.total)) s in all"
        return PipelineNote(
            .note,
            "\(count) address\(count == 1 ? "" : "es") had no name within \(seconds): shown as numbers "
                + "(--resolve-timeout, --resolve-deadline)")
    }

    private static func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}

/// Why the pipeline could not list anything.
public enum PipelineError: Error, CustomStringConvertible {
    /// Every pid asked for by `--pid` is gone (each was reported as an error note).
    case noSuchProcess([Int32])
    /// The only namespace asked for cannot be entered.
    case namespace(String)
    /// A cgroup, container, pod or unit named on the command line cannot be selected.
    case cgroup(CgroupError)

    /// The exit status: 2 for what the command line named wrongly, 1 for the rest.
    public var exitStatus: Int32 {
        switch self {
        case .cgroup: 2
        default: 1
        }
    }

    public var description: String {
        switch self {
        case .noSuchProcess(let pids): "no process with pid \(pids.map(String.init).joined(separator: ", "))"
        case .namespace(let message): message
        case .cgroup(let error): error.description
        }
    }
}
