import Glibc

/// Remembers which processes hold which socket across refreshes, so `/proc` is read only for sockets not seen
/// before, and only until each of them has an owner.
///
/// An entry is dropped when its socket leaves the dump or one of its holders exits (`kill(pid, 0)` says
/// `ESRCH`); the socket is then looked up again. Sockets a full scan found no owner for (other users'
/// processes without privilege, another pid namespace) are not looked for again while they live. Holders that
/// appear later for a known socket (a fork, a descriptor passed over a UNIX socket) are not noticed.
public struct OwnerCache {
    private var holders: [UInt32: [SocketHolder]] = [:]
    private var ownerless: Set<UInt32> = []
    private let workers: Int
    /// Rebuild from a full scan on every refresh instead (to measure what the cache saves).
    public var rescanEveryTime = false
    /// `/proc` scans run so far.
    public private(set) var scans = 0
    /// Processes the last scan could not read for lack of permission.
    public private(set) var deniedProcesses = 0
    /// Processes the last scan could not read for want of descriptors (EMFILE), or -1 when /proc itself
    /// could not be listed.
    public private(set) var exhaustedProcesses = 0

    public init(workers: Int) {
        self.workers = workers
    }

    /// Brings the cache up to date for the sockets of one dump (`inodes`, 0 ignored).
    public mutating func refresh(_ inodes: [UInt32]) {
        let current = Set(inodes).subtracting([0])
        holders = holders.filter { current.contains($0.key) }
        ownerless.formIntersection(current)
        if rescanEveryTime {
            holders = [:]
            ownerless = []
        } else {
            dropExited()
        }
        let unknown = current.filter { holders[$0] == nil && !ownerless.contains($0) }
        guard !unknown.isEmpty else { return }
        let index = ProcessIndex(until: Set(unknown.lazy.map(UInt64.init)), workers: workers)
        scans += 1
        deniedProcesses = index.deniedProcesses
        exhaustedProcesses = index.procUnlisted ? -1 : index.exhaustedProcesses
        for inode in unknown {
            let found = index.holders(of: UInt64(inode))
            if found.isEmpty { ownerless.insert(inode) } else { holders[inode] = found }
        }
    }

    /// The processes holding `inode`, lowest pid first; empty when unknown.
    public func holders(of inode: UInt32) -> [SocketHolder] {
        holders[inode] ?? []
    }

    /// Forgets the sockets of processes that have exited.
    private mutating func dropExited() {
        var exited: Set<Int32> = []
        var alive: Set<Int32> = []
        for (_, list) in holders {
            for holder in list where !alive.contains(holder.pid) && !exited.contains(holder.pid) {
                if kill(holder.pid, 0) == -1 && errno == ESRCH { exited.insert(holder.pid) } else { alive.insert(holder.pid) }
            }
        }
        guard !exited.isEmpty else { return }
        holders = holders.filter { !$0.value.contains { exited.contains($0.pid) } }
    }
}
