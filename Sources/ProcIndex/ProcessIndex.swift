import Glibc

/// Maps socket inodes to the processes and descriptors holding them, read from `/proc/PID/fd`.
///
/// Each `/proc/PID/fd/N` of a socket is a link to `socket:[INODE]`. The index reads every link once, keeps the
/// socket ones in one flat array sorted by inode, and finds an inode's first entry through an open-addressing
/// table (a binary search over a million entries missed the cache on every step). A process that exits
/// mid-scan (ENOENT, ESRCH) or refuses access (EACCES, EPERM) is skipped: its sockets simply have no known owner.
public struct ProcessIndex: Sendable {
    /// 16 bytes: sock_diag reports inodes as 32 bits (`idiag_inode`), so wider ones can never be joined.
    struct Entry: Sendable {
        var inode: UInt32
        var pid: Int32
        var fd: Int32
        var process: Int32  // index into `commands`
    }

    private var entries: [Entry] = []
    private var commands: [String] = []
    /// Each indexed inode's first entry, plus one (0: an empty slot); at most half full, linear probing.
    private var slots: [Int32] = []
    /// `64 - log2(slots.count)`: a multiplicative hash keeps the top bits.
    private var shift: UInt64 = 64
    /// Processes whose fd table could not be read (permission, or gone mid-scan).
    public private(set) var skippedProcesses = 0
    /// Of those, the ones that refused access (EACCES, EPERM): other users' processes, without privilege.
    public private(set) var deniedProcesses = 0
    /// Of those, the ones not read because this process was out of descriptors (EMFILE, ENFILE).
    public private(set) var exhaustedProcesses = 0
    /// True when /proc itself could not be listed for want of descriptors: no process was read.
    public private(set) var procUnlisted = false
    /// Processes whose fd table was read.
    public private(set) var scannedProcesses = 0

    /// True when the scan stopped before the end of /proc because every wanted inode had an owner.
    public private(set) var stoppedEarly = false

    /// Scans `/proc` (or only `pids`, when given) and builds the index.
    ///
    /// - Parameters:
    ///   - wanted: when given, the scan stops once every wanted inode (0 is ignored) has an owner. Processes
    ///     after that point are not read, so a socket shared with a later process lists only the holders
    ///     found so far (usually the parent: pids are read in ascending order).
    ///   - workers: threads reading /proc; reading links is kernel work that scales over cores.
    public init(procRoot: String = "/proc", pids: [Int32]? = nil, until wanted: Set<UInt64>? = nil, workers: Int = 1) {
        self.init(procRoot: procRoot, pids: pids, wanted: wanted, workers: workers, alongside: {})
    }

    /// Builds the index on `workers` threads while `work` (the netlink dump, say) runs on the calling thread,
    /// which joins the scan when `work` returns.
    public static func build(
        procRoot: String = "/proc", pids: [Int32]? = nil, until wanted: Set<UInt64>? = nil, workers: Int,
        alongside work: () throws -> Void
    ) rethrows -> ProcessIndex {
        try ProcessIndex(procRoot: procRoot, pids: pids, wanted: wanted, workers: workers, alongside: work)
    }

    private init(
        procRoot: String, pids: [Int32]?, wanted: Set<UInt64>?, workers: Int, alongside work: () throws -> Void
    ) rethrows {
        let (scan, unlisted) = Self.plan(procRoot: procRoot, pids: pids, wanted: wanted, workers: workers)
        let partials = try scan.run(workers: max(1, workers), alongside: work)
        self.init(merging: partials, of: scan, procUnlisted: unlisted)
    }

    /// The scan of `pids` (every process of `procRoot` when nil), and whether /proc could not be listed.
    private static func plan(
        procRoot: String, pids: [Int32]?, wanted: Set<UInt64>?, workers: Int
    ) -> (ParallelScan, procUnlisted: Bool) {
        let list: [Int32]
        var unlisted = false
        if let pids {
            list = Array(Set(pids)).sorted()
        } else if let all = Scanner.numericEntries(of: procRoot) {
            list = all
        } else {
            unlisted = errno == EMFILE || errno == ENFILE
            list = []
        }
        // A large table (a server's workers) is cut into ranges that the threads share.
        return (ParallelScan(root: procRoot, pids: list, wanted: wanted?.subtracting([0]), split: workers > 1), unlisted)
    }

    /// A scan of every process running on worker threads while the caller does something else, until the
    /// caller needs the index (`finish`).
    public final class Pending {
        private let scan: ParallelScan
        private let unlisted: Bool
        private var done = false

        /// Starts reading `procRoot` on `workers - 1` threads (the caller's share waits for `finish`).
        public init(procRoot: String = "/proc", workers: Int) {
            (scan, unlisted) = ProcessIndex.plan(procRoot: procRoot, pids: nil, wanted: nil, workers: workers)
            scan.start(workers: workers)
        }

        /// Reads on this thread too until every process is read, and returns the index.
        public func finish() -> ProcessIndex {
            precondition(!done, "ProcessIndex.Pending finished twice")
            done = true
            return ProcessIndex(merging: scan.finish(), of: scan, procUnlisted: unlisted)
        }

        deinit {
            if !done { scan.cancel() }
        }
    }

    /// The index of the partials a scan's threads found.
    private init(merging partials: [ParallelScan.Partial], of scan: ParallelScan, procUnlisted: Bool) {
        self.procUnlisted = procUnlisted
        stoppedEarly = scan.stoppedEarly
        // Merge: process numbers of each partial move past the ones before it.
        for partial in partials {
            let base = Int32(commands.count)
            commands += partial.commands
            if entries.isEmpty {
                swap(&entries, &partial.entries)  // the first partial's array becomes the index, uncopied
            } else {
                entries.reserveCapacity(entries.count + partial.entries.count)
                for e in partial.entries { entries.append(Entry(inode: e.inode, pid: e.pid, fd: e.fd, process: e.process + base)) }
                partial.entries = []
            }
            skippedProcesses += partial.skipped
            deniedProcesses += partial.denied
            exhaustedProcesses += partial.exhausted
            scannedProcesses += partial.scanned
        }
        entries.sort { ($0.inode, $0.pid, $0.fd) < ($1.inode, $1.pid, $1.fd) }
        buildSlots()
    }

    /// Fills `slots` from the sorted entries: one slot per distinct inode.
    private mutating func buildSlots() {
        guard !entries.isEmpty, entries.count < Int(Int32.max) else { return }
        var bits: UInt64 = 4
        while (1 << bits) < entries.count * 2 { bits += 1 }
        shift = 64 - bits
        slots = Array(repeating: 0, count: 1 << bits)
        let mask = slots.count - 1
        var previous: UInt32? = nil
        for (i, e) in entries.enumerated() where e.inode != previous {
            previous = e.inode
            var s = slot(e.inode)
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(i + 1)
        }
    }

    @inline(__always)
    private func slot(_ inode: UInt32) -> Int { Int(truncatingIfNeeded: (UInt64(inode) &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The first entry of `inode`, or nil when no process holds it.
    @inline(__always)
    private func first(_ inode: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var s = slot(inode)
        while true {
            let found = Int(slots[s])
            if found == 0 { return nil }
            if entries[found - 1].inode == inode { return found - 1 }
            s = (s + 1) & mask
        }
    }

    /// Socket descriptors indexed.
    public var count: Int { entries.count }

    /// Loads the table slot and first entry of each of `inodes`, so that the lookups that follow find them in
    /// the cache: these loads are independent and overlap, where lookups one after another wait for each miss.
    /// Returns a value made from them, for the caller to keep (loads whose result is unused are removed).
    public func warm(_ inodes: UnsafeBufferPointer<UInt32>) -> Int32 {
        guard !slots.isEmpty else { return 0 }
        var kept: Int32 = 0
        slots.withUnsafeBufferPointer { table in
            for inode in inodes { kept &+= table[slot(inode)] }
            entries.withUnsafeBufferPointer { list in
                for inode in inodes {
                    let found = Int(table[slot(inode)])
                    if found > 0 { kept &+= list[found - 1].pid }
                }
            }
        }
        return kept
    }

    /// Calls `body` for every holder of the socket with `inode`, ordered by pid then fd.
    @inline(__always)
    public func forEachHolder(of inode: UInt64, _ body: (SocketHolder) throws -> Void) rethrows {
        guard inode != 0, let inode = UInt32(exactly: inode), var i = first(inode) else { return }
        while i < entries.count, entries[i].inode == inode {
            let e = entries[i]
            try body(SocketHolder(pid: e.pid, fd: e.fd, command: commands[Int(e.process)]))
            i += 1
        }
    }

    /// Every holder of the socket with `inode`, ordered by pid then fd.
    public func holders(of inode: UInt64) -> [SocketHolder] {
        var out: [SocketHolder] = []
        forEachHolder(of: inode) { out.append($0) }
        return out
    }

    /// Every indexed inode once, ascending, with its first holder (lowest pid, then fd).
    public func forEachInode(_ body: (UInt64, SocketHolder) throws -> Void) rethrows {
        var i = 0
        while i < entries.count {
            let e = entries[i]
            try body(UInt64(e.inode), SocketHolder(pid: e.pid, fd: e.fd, command: commands[Int(e.process)]))
            while i < entries.count, entries[i].inode == e.inode { i += 1 }
        }
    }

    /// Whether any process holds `inode`.
    public func contains(_ inode: UInt64) -> Bool {
        guard let inode = UInt32(exactly: inode) else { return false }
        return first(inode) != nil
    }
}
