import Glibc
import ProcIndex
import SockDiag
import SystemPackage

/// Runs a `SocketQuery`: asks the kernel for the sockets, joins them with their owners, filters them and
/// hands each joined socket to a sink.
///
/// Four paths, cheapest first:
/// - no owners wanted: stream each socket from the receive buffer to the sink;
/// - `--pid`/`--command`/`--user`: read only those processes' fds, then look their sockets up one by one
///   (or, for many, stream the dump and keep the sockets they hold);
/// - owners, rows in kernel order: hold the dump's first sockets (a bounded capture) while /proc is read,
///   join them, then stream the rest of the dump through the join (a narrowed listing whose dump fits in the
///   hold reads /proc only until every held inode has an owner);
/// - other owner joins (rows by holder, `--sockopts`): capture the dump, scan /proc (for a narrowed listing,
///   only until every captured inode has an owner), then hand over the capture.
public final class SocketPipeline {
    private let report: (PipelineNote) -> Void
    private let procRoot: String
    private let clients: [DiagClient]?
    /// Cgroup paths and workload names, found once and kept across runs.
    public private(set) lazy var cgroups = CgroupAttribution(tree: CgroupTree(procRoot: procRoot), identify: identify)
    private let identify: ContainerIdentifier

    /// - Parameters:
    ///   - procRoot: where processes are read (a directory laid out as /proc, for tests).
    ///   - clients: the netlink clients to dump through instead of opening one per namespace of the query
    ///     (clients that replay batches, for tests).
    ///   - report: receives each note as it comes up; the pipeline itself never prints.
    ///   - identify: what a cgroup path names (`ContainerNaming.identifier`).
    ///   - heldBytes: how much of the dump a full `-p` listing holds while /proc is read; the rest streams.
    public init(
        procRoot: String = "/proc", clients: [DiagClient]? = nil,
        identify: @escaping ContainerIdentifier = CgroupPath.identity(of:), heldBytes: Int = defaultHeldBytes,
        report: @escaping (PipelineNote) -> Void
    ) {
        self.heldBytes = heldBytes
        self.procRoot = procRoot
        self.clients = clients
        self.report = report
        self.identify = identify
    }

    /// The dump a full `-p` listing holds while /proc is read: ~100k TCP sockets (docs/BENCHMARKS.md, "A
    /// million sockets").
    public static let defaultHeldBytes = 8 << 20
    private let heldBytes: Int

    /// Threads for the /proc scan: the online cores, at most 4 (more only contend in the kernel).
    public static let workers = max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    /// Runs `query` into `sink`; returns how many rows the sink was given.
    @discardableResult
    public func run(_ query: SocketQuery, into sink: any SocketSink) throws -> Int {
        let query = try query.resolvingCgroups(cgroups)
        let targets = try clients ?? NamespaceClients.clients(for: query.namespaces, report: report)
        var run = PipelineRun(query: query, sink: sink, cgroups: query.joinsCgroups ? cgroups : nil)
        /// Every request in every namespace, with its Swift-side check.
        func forEachDump(_ body: (DiagClient, DiagRequest, (borrowing SocketRecord) -> Bool) throws -> Void) throws {
            for client in targets {
                try forEachRequest(query.requests, explicit: query.explicitNetids) { request in
                    try body(client, request, query.check(for: request))
                }
            }
        }

        var denied = 0
        var shortage: (processes: Int, procUnlisted: Bool) = (0, false)
        if !query.selection.isEmpty {
            let (pids, missing) = query.selection.resolve(procRoot: procRoot)
            if pids.isEmpty && !missing.isEmpty { throw PipelineError.noSuchProcess(missing) }
            for pid in missing { report(PipelineNote(.error, "no process with pid \(pid)")) }
            let index = ProcessIndex(procRoot: procRoot, pids: pids, workers: Self.workers)
            let owners = OwnerTable(index)
            if query.socketOptions {
                var inodes: [UInt32] = []
                index.forEachInode { inode, _ in inodes.append(UInt32(truncatingIfNeeded: inode)) }
                run.options = Self.readOptions(of: inodes, owners: owners)
            }
            // Lookups answer for sockwatch's own namespace only, and for INET sockets only.
            let misses =
                query.namespaces == nil && clients == nil && index.count <= Self.lookupLimit(dumpSize: SocketCensus.dumpSize())
                ? try lookUpEach(index, targets[0], query) { try run.emit($0, owners: owners) } : nil
            try forEachDump { client, request, check in
                // Looked-up sockets are INET transports; raw sockets have no addresses to look up by.
                if let misses, request.netid.isInet && request.netid != .raw {
                    try Self.dump(misses, request, client, check) { try run.emit($0, owners: owners) }
                    return
                }
                try client.dump(request) { record in
                    guard index.contains(UInt64(record.inode)), check(record) else { return }
                    try run.emit(record, owners: owners)
                }
            }
            denied = index.deniedProcesses
            shortage = (index.exhaustedProcesses, index.procUnlisted)
        } else if query.streamsThroughJoin {
            // Rows go out in kernel order, so the dump is never kept whole: this thread holds its first sockets
            // (at most `heldBytes`), then joins them and streams the rest of the dump through the join.
            // - A full listing reads every process anyway: /proc is read on the other cores during the hold,
            //   and on this thread too once the hold ends.
            // - A narrowed listing whose dump fits in the hold reads /proc only until each held socket has an
            //   owner; one that outgrows the hold reads every process, as a full listing does.
            let pending = query.readsEveryProcess ? ProcessIndex.Pending(procRoot: procRoot, workers: Self.workers) : nil
            var capture = SocketCapture(keeping: query.extensions, cgroupIDs: query.joinsCgroups)
            var scanned: ProcessIndex?
            var owners: OwnerTable?
            defer { for client in targets { client.lookahead = nil } }
            func join(_ held: inout SocketCapture, until wanted: Set<UInt64>? = nil) throws -> ProcessIndex {
                let index = pending?.finish() ?? ProcessIndex(procRoot: procRoot, until: wanted, workers: Self.workers)
                let table = OwnerTable(index)
                scanned = index
                owners = table
                for client in targets { client.lookahead = { table.warm($0) } }
                try held.forEach { record in try run.emit(record, owners: table) }
                held.removeAll()
                return index
            }
            try forEachDump { client, request, check in
                if let owners {
                    try client.dump(request) { record in
                        guard check(record) else { return }
                        try run.emit(record, owners: owners)
                    }
                    return
                }
                try client.dump(request, holdingIn: &capture, while: { held in
                    guard held.byteCount >= heldBytes else { return true }
                    _ = try join(&held)
                    return false
                }, where: check) { record in try run.emit(record, owners: owners) }
            }
            let wanted = pending == nil ? Set(capture.inodes.lazy.map(UInt64.init)) : nil
            let index = try scanned ?? join(&capture, until: wanted)
            denied = index.deniedProcesses
            shortage = (index.exhaustedProcesses, index.procUnlisted)
        } else if query.joinsOwners {
            var capture = SocketCapture(keeping: query.extensions, cgroupIDs: query.joinsCgroups)
            func dumpAll() throws {
                try forEachDump { client, request, check in
                    try client.capture(request, into: &capture) { check($0) }
                }
            }
            let index: ProcessIndex
            // A UNIX socket shows its peer's owners too, which the early exit would not look for.
            if !query.readsEveryProcess {
                // A narrowed, sorted listing: dump first, then read /proc only until every socket has an owner.
                try dumpAll()
                index = ProcessIndex(
                    procRoot: procRoot, until: Set(capture.inodes.lazy.map(UInt64.init)), workers: Self.workers)
            } else {
                // A full listing reads every process anyway (so shared sockets list all holders, as in ss):
                // read /proc on the other cores while this thread dumps.
                index = try ProcessIndex.build(procRoot: procRoot, workers: Self.workers, alongside: dumpAll)
            }
            let owners = OwnerTable(index)
            if query.socketOptions { run.options = Self.readOptions(of: capture.inodes, owners: owners) }
            run.capture = capture
            try capture.forEachWithPosition { position, record in
                try run.emit(record, owners: owners, position: position)
            }
            denied = index.deniedProcesses
            shortage = (index.exhaustedProcesses, index.procUnlisted)
        } else {
            try forEachDump { client, request, check in
                try client.dump(request) { record in
                    guard check(record) else { return }
                    try run.emit(record, owners: nil)
                }
            }
        }
        try run.finish()
        if run.lateNames > 0, let hostNames = query.hostNames { report(.lateNames(run.lateNames, hostNames)) }
        for client in targets {
            for warning in client.warnings { report(PipelineNote(.warning, warning)) }
        }
        if denied > 0 {
            report(.unreadableProcesses(denied))
        }
        if query.joinsCgroups {
            if cgroups.tree.mount == nil { report(.noCgroupMount) }
            if run.missingKernelCgroupIDs { report(.noKernelCgroupIDs) }
        }
        if shortage.processes > 0 || shortage.procUnlisted {
            report(.outOfDescriptors(processes: shortage.processes, procUnlisted: shortage.procUnlisted))
        }
        if query.joinsOwners && ProcMount.hidesOtherUsers(procRoot: procRoot) {
            report(.hiddenProcesses)
        }
        if let unix = run.unixTable, !unix.readable {
            report(PipelineNote(
                .note, "/proc/net/unix could not be read: UNIX sockets are not listed (their RefCnt, Flags and "
                    + "State come from it)"))
        }
        return run.rendered
    }

    /// Reads each socket's options through a duplicate of its first holder's descriptor (`--sockopts`).
    static func readOptions(of inodes: [UInt32], owners: OwnerTable) -> [UInt32: SocketOptionsEntry] {
        let probe = SocketProbe()
        var table: [UInt32: SocketOptionsEntry] = [:]
        for inode in inodes where inode != 0 && table[inode] == nil {
            var holder: SocketHolder?
            owners.forEachHolder(of: inode) { if holder == nil { holder = $0 } }
            guard let holder else { continue }
            do {
                table[inode] = .options(try probe.report(pid: holder.pid, fd: holder.fd).options)
            } catch {
                table[inode] = .unavailable(errnoName(error))
            }
        }
        return table
    }

    /// Up to this many selected sockets, each is looked up by its addresses instead of dumping the table.
    ///
    /// A lookup costs what dumping about 2.5 sockets of the table does (docs/BENCHMARKS.md): a quarter of the
    /// table keeps a margin, and a few hundred sockets are always looked up.
    static func lookupLimit(dumpSize: Int?) -> Int {
        max(256, (dumpSize ?? 0) / 4)
    }

    /// Looks up each selected socket on its own, so the cost follows the selection, not the host: the
    /// addresses come from a duplicate of the owner's descriptor (`pidfd_getfd`), then the kernel is asked for
    /// those sockets, many per send, on `workers` threads (`LookupRun`). Returns the sockets the lookups did
    /// not find, or nil, having emitted nothing, when descriptors cannot be duplicated (no ptrace rights), so
    /// the caller dumps instead. The kernel runs no bytecode on a lookup: states and the filter are checked here.
    private func lookUpEach(
        _ index: ProcessIndex, _ client: DiagClient, _ query: SocketQuery,
        _ emit: (borrowing SocketRecord) throws -> Void
    ) throws -> [LookupRun.Miss]? {
        var sockets: [LookupRun.Socket] = []
        sockets.reserveCapacity(index.count)
        index.forEachInode { inode, holder in
            sockets.append(LookupRun.Socket(inode: UInt32(truncatingIfNeeded: inode), pid: holder.pid, fd: holder.fd))
        }
        // One duplicate per process first: without ptrace rights (or pidfd_getfd), dump instead. Any other
        // error means the process or descriptor went away.
        let probe = SocketProbe()
        var checked: Set<Int32> = []
        for socket in sockets where checked.insert(socket.pid).inserted {
            do {
                _ = try probe.inet(pid: socket.pid, fd: socket.fd)
            } catch {
                if [EPERM, EACCES, ENOSYS].contains(error.rawValue) { return nil }
            }
        }
        let run = LookupRun(sockets, query: query)
        try run.run(threads: Self.workers, client: client, emit: emit)
        return run.misses
    }

    /// Finds the sockets of `request`'s transport that lookups missed in a dump of it, pinned to their local
    /// port when they share one (a `SO_REUSEPORT` group): no dump at all when lookups found every socket.
    private static func dump(
        _ misses: [LookupRun.Miss], _ request: DiagRequest, _ client: DiagClient,
        _ check: (borrowing SocketRecord) -> Bool, _ emit: (borrowing SocketRecord) throws -> Void
    ) throws {
        let missed = misses.filter { $0.netid == request.netid }
        guard !missed.isEmpty, case .inet(var inet) = request else { return }
        let ports = Set(missed.map(\.localPort))
        if inet.localPort == 0, ports.count == 1, let port = ports.first { inet.localPort = port }
        let inodes = Set(missed.map(\.inode))
        try client.dump(.inet(inet)) { record in
            guard inodes.contains(record.inode), check(record) else { return }
            try emit(record)
        }
    }

    /// Runs `body` for each request; a family or protocol the kernel lacks is skipped, with a note when it was
    /// asked for by name.
    private func forEachRequest(
        _ requests: [DiagRequest], explicit: Set<NetID>, _ body: (DiagRequest) throws -> Void
    ) throws {
        try DiagRequest.forEach(requests, body) { netid, errno in
            guard explicit.contains(netid) else { return }
            report(.unsupported(netid, errno))
        }
    }
}

extension SocketPipeline {
    /// Hands `records` to `sink` as a run of `query` would (its order, holder selection and joins), with
    /// `owners` as the holders: for sockets that come from elsewhere than the kernel (tests, a saved table).
    public static func replay(
        _ records: [SocketRecord], query: SocketQuery, owners: OwnerTable?, into sink: any SocketSink
    ) throws {
        var run = PipelineRun(query: query, sink: sink)
        for record in records { try run.emit(record, owners: owners) }
        try run.finish()
    }
}
