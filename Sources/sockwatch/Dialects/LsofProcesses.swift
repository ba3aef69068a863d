import Glibc
import ProcIndex

/// What lsof knows of a process besides its descriptors: its uid (the owner of `/proc/PID`, as lsof takes
/// it) and that uid's login name, each looked up once.
///
/// The process index (ProcIndex) has pids, descriptors and command names but no uids; this fills the gap
/// for the USER column, `-u` and the `u`/`L` fields, and reads names through ProcIndex's readers.
final class LsofProcesses {
    let root: String
    private var uids: [Int32: UInt32] = [:]
    private let names = ProcessNames()

    init(root: String = "/proc") {
        self.root = root
    }

    /// The uid owning the process; nil when it is gone.
    func uid(of pid: Int32) -> UInt32? {
        if let known = uids[pid] { return known }
        var st = stat()
        guard stat("\(root)/\(pid)", &st) == 0 else { return nil }
        uids[pid] = st.st_uid
        return st.st_uid
    }


    /// The command name from `/proc/PID/comm`, without its newline; nil when unreadable.
    func command(of pid: Int32) -> String? { ProcessNames.command(pid: pid, procRoot: root) }

    /// Whether `/proc/PID` exists.
    func exists(_ pid: Int32) -> Bool { access("\(root)/\(pid)", F_OK) == 0 }

    /// Every pid in /proc, ascending.
    func allPIDs() -> [Int32] { ProcessNames.allPIDs(procRoot: root) }
}
