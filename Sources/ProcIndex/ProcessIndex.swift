import Glibc

/// Maps socket inodes to the processes and descriptors holding them, read from `/proc/PID/fd`.
///
/// Each `/proc/PID/fd/N` of a socket is a link to `socket:[INODE]`. The index reads every link once, keeps the
/// socket ones in one flat array sorted by inode, and answers lookups by binary search. A process that exits
/// mid-scan (ENOENT, ESRCH) or refuses access (EACCES, EPERM) is skipped: its sockets simply have no known owner.
public struct ProcessIndex: Sendable {
    struct Entry: Sendable {
        var inode: UInt64
        var pid: Int32
        var fd: Int32
        var process: Int32  // index into `commands`
    }

    private var entries: [Entry] = []
    private var commands: [String] = []
    /// Processes whose fd table could not be read (permission, or gone mid-scan).
    public private(set) var skippedProcesses = 0
    /// Processes whose fd table was read.
    public private(set) var scannedProcesses = 0

    /// True when the scan stopped before the end of /proc because every wanted inode had an owner.
    public private(set) var stoppedEarly = false

    /// Scans `/proc` (or only `pids`, when given) and builds the index.
    ///
    /// - Parameter wanted: when given, the scan stops after the first process that completes the set of
    ///   wanted inodes (0 is ignored). Processes after that point are not read, so a socket shared with a
    ///   later process lists only the holders found so far (usually the parent: /proc lists pids in order).
    public init(procRoot: String = "/proc", pids: [Int32]? = nil, until wanted: Set<UInt64>? = nil) {
        let scanner = Scanner(root: procRoot)
        var missing = wanted?.subtracting([0])
        if let pids {
            for pid in Set(pids).sorted() { scan(pid: pid, with: scanner, missing: &missing) }
        } else if let dir = opendir(procRoot) {
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let pid = withUnsafePointer(to: &entry.pointee.d_name) {
                    $0.withMemoryRebound(to: UInt8.self, capacity: 256) { Scanner.parsePID($0) }
                }
                guard let pid else { continue }
                scan(pid: pid, with: scanner, missing: &missing)
                if let missing, missing.isEmpty {
                    stoppedEarly = true
                    break
                }
            }
        }
        entries.sort { ($0.inode, $0.pid, $0.fd) < ($1.inode, $1.pid, $1.fd) }
    }

    /// Socket descriptors indexed.
    public var count: Int { entries.count }

    private mutating func scan(pid: Int32, with scanner: Scanner, missing: inout Set<UInt64>?) {
        let before = entries.count
        let processIndex = Int32(commands.count)
        let readable = scanner.forEachSocket(pid: pid) { fd, inode in
            entries.append(Entry(inode: inode, pid: pid, fd: fd, process: processIndex))
            if missing != nil { missing!.remove(inode) }
        }
        guard readable else {
            skippedProcesses += 1
            return
        }
        scannedProcesses += 1
        if entries.count > before { commands.append(scanner.command(pid: pid) ?? "") }
    }

    /// Calls `body` for every holder of the socket with `inode`, ordered by pid then fd.
    @inline(__always)
    public func forEachHolder(of inode: UInt64, _ body: (SocketHolder) throws -> Void) rethrows {
        guard inode != 0 else { return }
        var i = lowerBound(inode)
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

    /// Whether any process holds `inode`.
    public func contains(_ inode: UInt64) -> Bool {
        let i = lowerBound(inode)
        return i < entries.count && entries[i].inode == inode
    }

    private func lowerBound(_ inode: UInt64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].inode < inode { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
