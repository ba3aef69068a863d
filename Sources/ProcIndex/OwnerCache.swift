import Glibc
import Synchronization

/// Keeps every process's descriptors between the runs of a repeated pipeline (watch, events, the exporter) and
/// reads `/proc` again only where something changed.
///
/// The first refresh, and every one `fullScanInterval` seconds after the last full one, reads every process's
/// `/proc/PID/fd` whole. In between, a refresh
/// - lists `/proc` (new processes are read whole, exited ones dropped);
/// - counts each known process's descriptors by `stat("/proc/PID/fd").st_size` (Linux 6.2+), which costs
///   about a microsecond and no link read;
/// - reads again the descriptor numbers whose socket was in the last dump and is not in this one (a process
///   numbers new descriptors lowest-free first, so that is where its new sockets land);
/// - lists the table of a process whose count still differs from what is kept, and reads only the numbers
///   not seen before;
/// - for dumped sockets still without a holder, reads whole tables, lowest pid first, and stops once each
///   has one; the ones no process holds (other users' processes without privilege, another pid namespace)
///   are not searched for again while they stay in the dump.
///
/// What this can miss until the next full read (docs/monitoring.md, "Owners between runs"): a descriptor
/// that now names another socket already held elsewhere while the process's count came out the same (a
/// close and a dup2 or a receive in one interval), a pid reused by a process with as many descriptors, and a
/// command renamed by exec. The full read bounds how long such an owner can stay wrong.
///
/// Storage is flat: one array of descriptors per process (sorted by number), and for the dumped sockets an
/// open-addressing table from inode to a chain of holders, rebuilt in place on each refresh.
public final class OwnerCache {
    /// One descriptor: a socket's inode, or 0 for any other file.
    struct Descriptor {
        var fd: Int32
        var inode: UInt32
        /// The refresh that last found this socket in the dump.
        var dumped: UInt32
    }

    enum ProcessState: Equatable {
        case read
        /// Its table refused access (EACCES, EPERM): tried again at the next full read.
        case denied
        /// Not read for want of descriptors (EMFILE): read whole at the next refresh.
        case unread
    }

    struct Process {
        var pid: Int32
        var command: String
        var state: ProcessState
        var descriptors: [Descriptor]
    }

    /// One holder in an inode's chain.
    struct Link {
        var process: Int32
        var fd: Int32
        var next: Int32
    }

    /// What the last refresh did, for tests and diagnostics.
    public struct Work: Sendable, Equatable {
        /// Every process's table was read whole.
        public var full = false
        /// Known processes whose descriptors were counted (a stat each).
        public var counted = 0
        /// Descriptor links read one by one (numbers whose socket left the dump, new numbers of a listed table).
        public var probed = 0
        /// Tables listed because their count changed.
        public var listed = 0
        /// Tables read whole (new processes, and the search for sockets without a holder).
        public var readWhole = 0
        /// Of those, read to find a holder for new sockets.
        public var searched = 0
    }

    private let scanner: Scanner
    private let workers: Int
    /// Seconds between full reads; 0 reads everything on every refresh.
    public var fullScanInterval: Double
    /// Read everything on every refresh (to measure what the cache saves).
    public var rescanEveryTime = false

    private var processes: [Process] = []
    private var generation: UInt32 = 0
    private var lastFull: Double = -Double.infinity

    // The dumped sockets: inode -> chain of holders. keys[i] == 0 is an empty slot.
    private var keys: [UInt32] = Array(repeating: 0, count: 64)
    private var heads: [Int32] = Array(repeating: -1, count: 64)
    private var tails: [Int32] = Array(repeating: -1, count: 64)
    /// Per slot: 0 no holder known yet, 1 held, 2 known to have no readable holder.
    private var found: [UInt8] = Array(repeating: 0, count: 64)
    private var shift: UInt32 = 64 - 6
    private var links: [Link] = []
    /// Dumped sockets no process was found to hold, kept while they stay in the dump.
    private var ownerless: [UInt32] = []
    /// Per process while counting: its count and the inode it last counted.
    private var counts: [Int32] = []

    /// `/proc` reads run so far (refreshes that read any table).
    public private(set) var scans = 0
    /// Full reads so far.
    public private(set) var fullScans = 0
    /// What the last refresh did.
    public private(set) var lastWork = Work()
    /// Processes whose descriptors could not be read for lack of permission.
    public private(set) var deniedProcesses = 0
    /// Processes the last refresh could not read for want of descriptors (EMFILE), or -1 when /proc itself
    /// could not be listed.
    public private(set) var exhaustedProcesses = 0

    /// - Parameter fullScanInterval: seconds between full reads of every table (5 minutes by default).
    public init(procRoot: String = "/proc", workers: Int, fullScanInterval: Double = 300) {
        scanner = Scanner(root: procRoot)
        self.workers = max(1, workers)
        self.fullScanInterval = fullScanInterval
    }

    // MARK: - Refresh

    /// Brings the holders of `inodes` (one dump's sockets; 0 ignored) up to date.
    public func refresh(_ inodes: [UInt32]) {
        generation &+= 1
        buildTable(inodes)
        let now = Self.monotonicSeconds()
        var work = Work()
        exhaustedProcesses = 0
        if rescanEveryTime || processes.isEmpty && lastFull == -Double.infinity || now - lastFull >= fullScanInterval {
            readEverything(&work)
            lastFull = now
            fullScans += 1
        } else {
            readChanges(&work)
        }
        if work.full || work.readWhole > 0 || work.listed > 0 || work.probed > 0 { scans += 1 }
        link()
        deniedProcesses = processes.reduce(0) { $0 + ($1.state == .denied ? 1 : 0) }
        lastWork = work
    }

    /// Reads every process's table whole, on `workers` threads.
    private func readEverything(_ work: inout Work) {
        work.full = true
        guard let pids = Scanner.numericEntries(of: scanner.root) else {
            if errno == EMFILE || errno == ENFILE { exhaustedProcesses = -1 }
            return
        }
        processes = readWhole(pids.sorted()).filter { $0.pid >= 0 }  // -1: gone meanwhile
        exhaustedProcesses = processes.reduce(0) { $0 + ($1.state == .unread ? 1 : 0) }
        work.readWhole = processes.count
        ownerless = []
        for i in keys.indices where keys[i] != 0 { found[i] = 0 }
        markFound()
        for i in keys.indices where keys[i] != 0 && found[i] == 0 {
            found[i] = 2
            ownerless.append(keys[i])
        }
    }

    /// Reads what can have changed since the last refresh (see the type's description).
    private func readChanges(_ work: inout Work) {
        guard let listed = Scanner.numericEntries(of: scanner.root) else {
            if errno == EMFILE || errno == ENFILE { exhaustedProcesses = -1 }
            return
        }
        let pids = listed.sorted()
        // Sockets already known to have no readable holder stay so while they are dumped.
        ownerless.removeAll { inode in
            guard let slot = slot(of: inode) else { return true }
            found[slot] = 2
            return false
        }

        // Merge the listing with the kept processes: drop the exited, read the new ones whole.
        var merged: [Process] = []
        merged.reserveCapacity(pids.count)
        var newPids: [Int32] = []
        var k = 0
        for pid in pids {
            while k < processes.count && processes[k].pid < pid { k += 1 }
            if k < processes.count && processes[k].pid == pid {
                merged.append(processes[k])
                processes[k].descriptors = []
                k += 1
            } else {
                newPids.append(pid)
                merged.append(Process(pid: pid, command: "", state: .unread, descriptors: []))
            }
        }
        processes = merged

        // Known processes: count, then match their sockets with the dump; departed sockets' numbers are probed.
        var changed: [(Int, Int)] = []
        var fresh: [Int] = []
        for i in processes.indices {
            switch processes[i].state {
            case .denied: continue
            case .unread:
                fresh.append(i)
                continue
            case .read: break
            }
            work.counted += 1
            guard let count = scanner.descriptorCount(pid: processes[i].pid) else {
                processes[i].state = .unread  // gone since the listing: dropped below
                processes[i].pid = -1
                continue
            }
            let previous = generation &- 1
            var departed: [Int] = []
            let shift = self.shift
            keys.withUnsafeBufferPointer { keys in
                found.withUnsafeMutableBufferPointer { found in
                    processes[i].descriptors.withUnsafeBufferPointer { descriptors in
                        let mask = keys.count - 1
                        for j in descriptors.indices {
                            let inode = descriptors[j].inode
                            guard inode != 0 else { continue }
                            var slot = Self.hash(inode, shift)
                            while keys[slot] != inode && keys[slot] != 0 { slot = (slot + 1) & mask }
                            if keys[slot] == inode {
                                if found[slot] == 0 { found[slot] = 1 }
                            } else if descriptors[j].dumped == previous {
                                departed.append(j)
                            }
                        }
                    }
                }
            }
            if !departed.isEmpty { probe(i, departed, &work) }
            if count != processes[i].descriptors.count { changed.append((i, count)) }
        }
        for (i, count) in changed where !reconcile(i, count: count, &work) { listAndRead(i, &work) }
        if !fresh.isEmpty {
            let read = readWhole(fresh.map { processes[$0].pid })
            for (n, i) in fresh.enumerated() {
                processes[i] = read[n]
                if read[n].state == .unread { exhaustedProcesses += 1 }
                if read[n].pid >= 0 { work.readWhole += 1 }
                markFound(in: i)
            }
        }

        // Dumped sockets nobody is known to hold: read whole tables, lowest pid first, until each is found.
        var missing = 0
        for i in keys.indices where keys[i] != 0 && found[i] == 0 { missing += 1 }
        if missing > 0 {
            let readNow = Set(fresh)
            var complete = true
            for i in processes.indices where missing > 0 {
                guard processes[i].state == .read, !readNow.contains(i), processes[i].pid >= 0 else { continue }
                let before = processes[i]
                let read = readWhole([before.pid])[0]
                work.readWhole += 1
                work.searched += 1
                if read.state == .unread {
                    if read.pid >= 0 { complete = false; exhaustedProcesses += 1 }
                    processes[i] = read
                    continue
                }
                processes[i] = read
                missing -= markFound(in: i)
            }
            if missing > 0 && complete {
                for i in keys.indices where keys[i] != 0 && found[i] == 0 {
                    found[i] = 2
                    ownerless.append(keys[i])
                }
            }
        }
        processes.removeAll { $0.pid < 0 }
    }

    /// Reads again the descriptor numbers `indices` of process `i` (their sockets left the dump).
    private func probe(_ i: Int, _ indices: [Int], _ work: inout Work) {
        let dirfd = open("\(scanner.root)/\(processes[i].pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else {
            if errno == EMFILE || errno == ENFILE { exhaustedProcesses += 1 }
            processes[i].state = .unread
            return
        }
        defer { close(dirfd) }
        var closed = false
        for j in indices {
            work.probed += 1
            let fd = processes[i].descriptors[j].fd
            if let value = Scanner.descriptor(fd, in: dirfd) {
                let inode = UInt32(truncatingIfNeeded: value) == value ? UInt32(value) : 0
                processes[i].descriptors[j].inode = inode
                if inode != 0, let slot = slot(of: inode), found[slot] == 0 { found[slot] = 1 }
            } else {
                processes[i].descriptors[j].fd = -1
                closed = true
            }
        }
        if closed { processes[i].descriptors.removeAll { $0.fd < 0 } }
    }

    /// Brings process `i`'s kept descriptors to `count` by reading single numbers: when it has fewer open, the
    /// kept numbers not in this dump (where a close can be, since a dumped socket's number was just
    /// confirmed or probed); when it has more, the free numbers from the lowest up, then above the highest (the
    /// kernel gives the lowest free number). False when the count does not add up within a few misses: the
    /// table is then listed.
    private func reconcile(_ i: Int, count: Int, _ work: inout Work) -> Bool {
        let budget = 64
        let dirfd = open("\(scanner.root)/\(processes[i].pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { return false }
        defer { close(dirfd) }
        var descriptors = processes[i].descriptors
        processes[i].descriptors = []
        defer { processes[i].descriptors = descriptors }
        var misses = 0
        if descriptors.count > count {
            var closed = false
            var open = descriptors.count
            for j in descriptors.indices where open > count && misses < budget {
                let inode = descriptors[j].inode
                guard inode == 0 || slot(of: inode) == nil else { continue }
                work.probed += 1
                if let value = Scanner.descriptor(descriptors[j].fd, in: dirfd) {
                    descriptors[j].inode = UInt32(exactly: value) ?? 0
                    misses += 1
                } else {
                    descriptors[j].fd = -1
                    closed = true
                    open -= 1
                }
            }
            if closed { descriptors.removeAll { $0.fd < 0 } }
            return descriptors.count == count
        }
        // More open than kept: the free numbers in ascending order.
        var added: [Descriptor] = []
        var fd: Int32 = 0
        var j = 0
        while descriptors.count + added.count < count && misses < budget {
            if j < descriptors.count && descriptors[j].fd == fd {
                j += 1
                fd += 1
                continue
            }
            work.probed += 1
            if let value = Scanner.descriptor(fd, in: dirfd) {
                let inode = UInt32(exactly: value) ?? 0
                added.append(Descriptor(fd: fd, inode: inode, dumped: 0))
                if inode != 0, let slot = slot(of: inode), found[slot] == 0 { found[slot] = 1 }
                misses = 0
            } else {
                misses += 1
            }
            fd += 1
        }
        if !added.isEmpty {
            descriptors += added
            descriptors.sort { $0.fd < $1.fd }
        }
        return descriptors.count == count
    }

    /// Lists process `i`'s table; numbers not kept are read, numbers gone are dropped.
    private func listAndRead(_ i: Int, _ work: inout Work) {
        let pid = processes[i].pid
        let dirfd = open("\(scanner.root)/\(pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else {
            if errno == EMFILE || errno == ENFILE { exhaustedProcesses += 1 }
            processes[i].state = errno == EACCES || errno == EPERM ? .denied : .unread
            if errno == ENOENT || errno == ESRCH { processes[i].pid = -1 }
            return
        }
        defer { close(dirfd) }
        guard let numbers = Scanner.numericEntries(of: "\(scanner.root)/\(pid)/fd") else {
            processes[i].state = .unread
            return
        }
        work.listed += 1
        let old = processes[i].descriptors
        var now: [Descriptor] = []
        now.reserveCapacity(numbers.count)
        var k = 0
        for fd in numbers.sorted() {
            while k < old.count && old[k].fd < fd { k += 1 }
            if k < old.count && old[k].fd == fd {
                now.append(old[k])
                continue
            }
            work.probed += 1
            guard let value = Scanner.descriptor(fd, in: dirfd) else { continue }
            let inode = UInt32(truncatingIfNeeded: value) == value ? UInt32(value) : 0
            now.append(Descriptor(fd: fd, inode: inode, dumped: 0))
            if inode != 0, let slot = slot(of: inode), found[slot] == 0 { found[slot] = 1 }
        }
        processes[i].descriptors = now
    }

    /// Reads the tables of `pids` whole, on up to `workers` threads; a process gone meanwhile comes back with
    /// pid -1.
    private func readWhole(_ pids: [Int32]) -> [Process] {
        let reads = WholeReads(scanner: scanner, pids: pids)
        var threads: [WorkerThread] = []
        for _ in 1..<max(1, min(workers, pids.count)) {
            if let thread = WorkerThread.start({ [reads] in reads.run() }) { threads.append(thread) }
        }
        reads.run()
        for thread in threads { thread.join() }
        return reads.results()
    }

    // MARK: - The dumped sockets' table

    /// Empties the table and puts `inodes` in it, with no holder yet.
    private func buildTable(_ inodes: [UInt32]) {
        var size = 64
        while size < inodes.count * 2 { size *= 2 }
        if size != keys.count {
            keys = Array(repeating: 0, count: size)
            heads = Array(repeating: -1, count: size)
            tails = Array(repeating: -1, count: size)
            found = Array(repeating: 0, count: size)
            shift = UInt32(64 - size.trailingZeroBitCount)
        } else {
            keys.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            heads.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
            tails.withUnsafeMutableBufferPointer { $0.update(repeating: -1) }
            found.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        let mask = size - 1
        keys.withUnsafeMutableBufferPointer { keys in
            for inode in inodes where inode != 0 {
                var i = Self.hash(inode, shift)
                while keys[i] != 0 && keys[i] != inode { i = (i + 1) & mask }
                keys[i] = inode
            }
        }
    }

    @inline(__always)
    private static func hash(_ inode: UInt32, _ shift: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(inode) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// The slot of a dumped socket; nil when `inode` is not in this dump.
    @inline(__always)
    private func slot(of inode: UInt32) -> Int? {
        guard inode != 0 else { return nil }
        return keys.withUnsafeBufferPointer { keys in
            let mask = keys.count - 1
            var i = Self.hash(inode, shift)
            while true {
                let key = keys[i]
                if key == inode { return i }
                if key == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Marks the dumped sockets every kept process holds as found.
    private func markFound() {
        for i in processes.indices { _ = markFound(in: i) }
    }

    /// Marks the dumped sockets process `i` holds as found; returns how many were not before.
    @discardableResult
    private func markFound(in i: Int) -> Int {
        var newly = 0
        for descriptor in processes[i].descriptors where descriptor.inode != 0 {
            if let slot = slot(of: descriptor.inode), found[slot] != 1 {
                if found[slot] == 0 { newly += 1 }
                found[slot] = 1
            }
        }
        return newly
    }

    /// Chains every dumped socket's holders, by pid then descriptor, and stamps the dumped descriptors.
    private func link() {
        var links = self.links
        self.links = []
        links.removeAll(keepingCapacity: true)
        let generation = self.generation
        let shift = self.shift
        keys.withUnsafeBufferPointer { keys in
            heads.withUnsafeMutableBufferPointer { heads in
                tails.withUnsafeMutableBufferPointer { tails in
                    let mask = keys.count - 1
                    for p in processes.indices {
                        processes[p].descriptors.withUnsafeMutableBufferPointer { descriptors in
                            for j in descriptors.indices {
                                let inode = descriptors[j].inode
                                guard inode != 0 else { continue }
                                var slot = Self.hash(inode, shift)
                                while keys[slot] != inode && keys[slot] != 0 { slot = (slot + 1) & mask }
                                guard keys[slot] == inode else { continue }
                                descriptors[j].dumped = generation
                                let n = Int32(links.count)
                                links.append(Link(process: Int32(p), fd: descriptors[j].fd, next: -1))
                                if tails[slot] < 0 { heads[slot] = n } else { links[Int(tails[slot])].next = n }
                                tails[slot] = n
                            }
                        }
                    }
                }
            }
        }
        self.links = links
    }

    // MARK: - Answers

    /// Calls `body` for every holder of the socket with `inode` (one of the last refresh's), by pid then fd.
    @inline(__always)
    public func forEachHolder(of inode: UInt32, _ body: (SocketHolder) throws -> Void) rethrows {
        guard let slot = slot(of: inode) else { return }
        var l = heads[slot]
        while l >= 0 {
            let link = links[Int(l)]
            let p = Int(link.process)
            // The two fields only: a copy of the whole `Process` would retain its descriptor array too.
            try body(SocketHolder(pid: processes[p].pid, fd: link.fd, command: processes[p].command))
            l = link.next
        }
    }

    /// The processes holding `inode`, lowest pid first; empty when unknown.
    public func holders(of inode: UInt32) -> [SocketHolder] {
        var out: [SocketHolder] = []
        forEachHolder(of: inode) { out.append($0) }
        return out
    }

    /// Whether any process holds `inode`.
    public func contains(_ inode: UInt32) -> Bool {
        guard let slot = slot(of: inode) else { return false }
        return heads[slot] >= 0
    }

    /// Calls `body(pid, command, sockets)` for each process holding any of `inodes` (sockets of the last
    /// refresh), counting a socket once per process however many descriptors name it.
    public func forEachProcessCount(of inodes: [UInt32], _ body: (Int32, String, Int) -> Void) {
        if counts.count < processes.count { counts = Array(repeating: 0, count: processes.count) }
        counts.withUnsafeMutableBufferPointer { counts in
            for i in counts.indices { counts[i] = 0 }
            links.withUnsafeBufferPointer { links in
                for inode in inodes {
                    guard let slot = slot(of: inode) else { continue }
                    var l = heads[slot]
                    var last: Int32 = -1
                    while l >= 0 {
                        let link = links[Int(l)]
                        if link.process != last { counts[Int(link.process)] += 1 }
                        last = link.process
                        l = link.next
                    }
                }
            }
        }
        for (i, process) in processes.enumerated() where counts[i] > 0 {
            body(process.pid, process.command, Int(counts[i]))
        }
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Whole-table reads shared by threads: pids handed out from a cursor, each result written by one thread.
private final class WholeReads: @unchecked Sendable {
    let scanner: Scanner
    let pids: [Int32]
    private let cursor = Atomic<Int>(0)
    private let buffer: UnsafeMutableBufferPointer<OwnerCache.Process>

    init(scanner: Scanner, pids: [Int32]) {
        self.scanner = scanner
        self.pids = pids
        buffer = .allocate(capacity: pids.count)
        buffer.initialize(repeating: OwnerCache.Process(pid: -1, command: "", state: .unread, descriptors: []))
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    /// Reads tables until the cursor runs out.
    func run() {
        while true {
            let n = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
            guard n < pids.count else { return }
            let pid = pids[n]
            var descriptors: [OwnerCache.Descriptor] = []
            let access = scanner.forEachSocket(pid: pid, others: true) { fd, inode in
                descriptors.append(OwnerCache.Descriptor(fd: fd, inode: UInt32(exactly: inode) ?? 0, dumped: 0))
            }
            var process = OwnerCache.Process(pid: pid, command: "", state: .read, descriptors: [])
            switch access {
            case .read, .large:
                descriptors.sort { $0.fd < $1.fd }
                if descriptors.contains(where: { $0.inode != 0 }) { process.command = scanner.command(pid: pid) ?? "" }
                process.descriptors = descriptors
            case .denied: process.state = .denied
            case .exhausted: process.state = .unread
            case .gone: process.pid = -1
            }
            buffer[n] = process
        }
    }

    /// Every result, once every thread has finished.
    func results() -> [OwnerCache.Process] { Array(buffer) }
}
