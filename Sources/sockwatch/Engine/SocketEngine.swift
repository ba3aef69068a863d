import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockRender
import SystemPackage

/// Runs a `SocketQuery`: ask the kernel for the sockets, join them with their owners, hand them to a renderer.
///
/// Three paths, cheapest first:
/// - no owners wanted: stream each socket from the receive buffer to the output buffer;
/// - `--pid`/`--command`/`--user`: read only those processes' fds, then look their sockets up one by one
///   (or, for many, stream the dump and keep the sockets they hold);
/// - owners wanted: capture the dump, scan /proc (for a narrowed listing, only until every captured inode
///   has an owner), then render the capture.
struct SocketEngine {
    /// Runs `query` into `renderer`; returns how many sockets were rendered.
    @discardableResult
    func run(_ query: SocketQuery, into renderer: any SocketRenderer) throws -> Int {
        let targets = try Self.targets(for: query)
        let requests = query.requests
        let accept = query.accept
        var rendered = 0
        var deniedNote = 0
        func emit(_ record: borrowing SocketRecord, _ owners: ProcessIndex?) throws {
            if let accept, !accept(record, owners) { return }
            try renderer.render(record, owners: owners)
            rendered += 1
        }
        /// Every request in every namespace, with its Swift-side check.
        func forEachDump(_ body: (DiagClient, DiagRequest, (borrowing SocketRecord) -> Bool) throws -> Void) throws {
            for client in targets {
                try forEachRequest(requests, client, explicit: query.explicitNetids) { request in
                    try body(client, request, query.check(for: request))
                }
            }
        }

        if !query.selection.isEmpty {
            let (pids, missing) = query.selection.resolve()
            for pid in missing { _ = Sockwatch.fail("no process with pid \(pid)", status: 1) }
            if pids.isEmpty && !missing.isEmpty { throw ExitCode(1) }
            let owners = ProcessIndex(pids: pids, workers: Self.workers)
            if let table = query.socketOptions {
                var inodes: [UInt32] = []
                owners.forEachInode { inode, _ in inodes.append(UInt32(truncatingIfNeeded: inode)) }
                Self.readOptions(of: inodes, owners: owners, into: table)
            }
            // Lookups answer for sockwatch's own namespace only, and for INET sockets only.
            let misses =
                query.namespaces == nil && owners.count <= Self.lookupLimit(dumpSize: SocketCensus.dumpSize())
                ? try lookUpEach(owners, targets[0], query) { try emit($0, owners) } : nil
            try forEachDump { client, request, check in
                // Looked-up sockets are INET transports; raw sockets have no addresses to look up by.
                if let misses, request.netid.isInet && request.netid != .raw {
                    try Self.dump(misses, request, client, check) { try emit($0, owners) }
                    return
                }
                try client.dump(request) { record in
                    guard owners.contains(UInt64(record.inode)), check(record) else { return }
                    try emit(record, owners)
                }
            }
            deniedNote = owners.deniedProcesses
        } else if query.owners {
            var capture = SocketCapture(keeping: query.extensions)
            func dumpAll() throws {
                try forEachDump { client, request, check in
                    try client.capture(request, into: &capture) { check($0) }
                }
            }
            let owners: ProcessIndex
            // A UNIX socket shows its peer's owners too, which the early exit would not look for.
            if query.isNarrowed, !query.allOwners, !query.netids.contains(.unix) {
                // A narrowed listing: dump first, then read /proc only until every socket has an owner.
                try dumpAll()
                owners = ProcessIndex(until: Set(capture.inodes.lazy.map(UInt64.init)), workers: Self.workers)
            } else {
                // A full listing reads every process anyway (so shared sockets list all holders, as in ss):
                // read /proc on the other cores while this thread dumps.
                owners = try ProcessIndex.build(workers: Self.workers, alongside: dumpAll)
            }
            if let table = query.socketOptions { Self.readOptions(of: capture.inodes, owners: owners, into: table) }
            renderer.willRender(from: capture)
            try capture.forEachWithPosition { position, record in
                if let accept, !accept(record, owners) { return }
                try renderer.render(record, owners: owners, captured: position)
                rendered += 1
            }
            deniedNote = owners.deniedProcesses
        } else {
            try forEachDump { client, request, check in
                try client.dump(request) { record in
                    guard check(record) else { return }
                    try emit(record, nil)
                }
            }
        }
        try renderer.finish()
        for client in targets {
            for warning in client.warnings { _ = Sockwatch.fail(warning, status: 0) }
        }
        if deniedNote > 0 {
            _ = Sockwatch.fail(
                "note: \(deniedNote) processes could not be read (not permitted); their sockets show no owner "
                    + "(run as root to see them)", status: 0)
        }
        return rendered
    }

    /// One client per namespace to list: sockwatch's own, or each of `query.namespaces` (tagged with its inode).
    /// With several namespaces, one that cannot be entered gets a note and is skipped; a single one named by
    /// `--netns` that cannot be entered is an error.
    static func targets(for query: SocketQuery) throws -> [DiagClient] {
        guard let namespaces = query.namespaces else { return [try DiagClient()] }
        // sockwatch's own namespace needs no setns (and so no CAP_SYS_ADMIN).
        let own = try? NetworkNamespace.current().inode
        var clients: [DiagClient] = []
        for namespace in namespaces {
            do {
                let client: DiagClient
                if namespace.inode == own {
                    client = try DiagClient()
                } else {
                    let fd = try namespace.open()
                    defer { try? fd.close() }
                    client = try DiagClient(netns: fd)
                }
                client.netnsTag = namespace.inode
                clients.append(client)
            } catch {
                let errno = (error as? DiagError)?.errno ?? (error as? Errno)
                let reason = errno.map { errnoName($0) } ?? "\(error)"
                let message = "cannot enter network namespace \(namespace.label): \(reason)"
                if namespaces.count == 1 { throw NamespaceError(message) }
                _ = Sockwatch.fail("note: \(message); skipped", status: 0)
            }
        }
        return clients
    }

    /// Reads each socket's options through a duplicate of its first holder's descriptor (`--sockopts`).
    static func readOptions(of inodes: [UInt32], owners: ProcessIndex, into table: SocketOptionsTable) {
        let probe = SocketProbe()
        for inode in inodes where inode != 0 && table.byInode[inode] == nil {
            var holder: SocketHolder?
            owners.forEachHolder(of: UInt64(inode)) { if holder == nil { holder = $0 } }
            guard let holder else { continue }
            do {
                table.byInode[inode] = try probe.report(pid: holder.pid, fd: holder.fd).options
            } catch {
                table.unavailable[inode] = errnoName(error)
            }
        }
    }

    /// Up to this many selected sockets, each is looked up by its addresses instead of dumping the table.
    ///
    /// Measured with `-tanp --pid` on 200k TCP sockets, 2 cores, wall time: lookups cost 4.2 µs per selected
    /// socket (fd index, pidfd_getfd and addresses, batched lookups, output; two threads), 8 ms to start; a
    /// dump costs 170 ms for the table (0.85 µs per socket in it) plus 2.1 µs per selected socket (the same
    /// index and output). So a lookup costs what dumping 2.5 sockets of the table does: 31k selected sockets
    /// took 135 ms looked up and 214 ms dumped, 62k took 268 and 256. The limit, a quarter of the table, keeps
    /// a margin; and a few hundred sockets are always looked up.
    static func lookupLimit(dumpSize: Int?) -> Int {
        max(256, (dumpSize ?? 0) / 4)
    }

    /// Looks up each selected socket on its own, so the cost follows the selection, not the host: the
    /// addresses come from a duplicate of the owner's descriptor (`pidfd_getfd`), then the kernel is asked for
    /// those sockets, many per send, on `workers` threads (`LookupRun`). Returns the sockets the lookups did
    /// not find, or nil, having emitted nothing, when descriptors cannot be duplicated (no ptrace rights), so
    /// the caller dumps instead. The kernel runs no bytecode on a lookup: states and the filter are checked here.
    private func lookUpEach(
        _ owners: ProcessIndex, _ client: DiagClient, _ query: SocketQuery,
        _ emit: (borrowing SocketRecord) throws -> Void
    ) throws -> [LookupRun.Miss]? {
        var sockets: [LookupRun.Socket] = []
        sockets.reserveCapacity(owners.count)
        owners.forEachInode { inode, holder in
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

    /// Threads for the /proc scan: the online cores, at most 4 (more only contend in the kernel).
    static let workers = max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))

    /// Runs `body` for each request; a family or protocol the kernel lacks is skipped, with a note when it was
    /// asked for by name.
    private func forEachRequest(
        _ requests: [DiagRequest], _ client: DiagClient, explicit: Set<NetID>, _ body: (DiagRequest) throws -> Void
    ) throws {
        try DiagRequest.forEach(requests, body) { netid, errno in
            guard explicit.contains(netid) else { return }
            _ = Sockwatch.fail(
                "note: no \(netid.rawValue) sockets listed: this kernel cannot report them "
                    + "(\(errnoName(errno)); is the \(netid.rawValue)_diag module available?)",
                status: 0)
        }
    }
}
