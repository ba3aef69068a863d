import ProcIndex
import SockDiag

/// The same query run every interval (watch, events, the exporter), with what can be kept between runs: the
/// netlink client, the kinds this kernel cannot report, and the owners of the sockets already seen.
public final class RepeatedPipeline {
    public let query: SocketQuery
    private let client: DiagClient
    private let requests: [DiagRequest]
    private let report: (PipelineNote) -> Void
    private var skipped: Set<NetID> = []
    private var warningsShown = 0
    private let cache: OwnerCache
    /// Cgroup paths and workload names, kept between runs (a new id walks the tree again).
    public let cgroups: CgroupAttribution

    /// - Parameters:
    ///   - client: the netlink client to dump through (one opened inside another namespace); a new one in
    ///     sockwatch's own namespace by default.
    ///   - rescanOwners: read every owner from /proc on each run instead of keeping them (to measure the cache).
    ///   - ownersFullScan: seconds between full reads of every process's descriptors (`OwnerCache`).
    ///   - identify: what a cgroup path names (`ContainerNaming.identifier`).
    public init(
        _ query: SocketQuery, client: DiagClient? = nil, rescanOwners: Bool = false, ownersFullScan: Double = 300,
        identify: @escaping ContainerIdentifier = CgroupPath.identity(of:), report: @escaping (PipelineNote) -> Void
    ) throws {
        cgroups = CgroupAttribution(identify: identify)
        let query = try query.resolvingCgroups(cgroups)
        if query.joinsCgroups && cgroups.tree.mount == nil { report(.noCgroupMount) }
        self.query = query
        let client = try client ?? DiagClient()
        // Runs all day: the least CPU per run, on one thread (the second thread's hand-offs cost more CPU than
        // the dump's own receive; docs/BENCHMARKS.md, "Monitoring cadence").
        client.pipelined = false
        self.client = client
        requests = query.requests
        self.report = report
        cache = OwnerCache(workers: SocketPipeline.workers, fullScanInterval: ownersFullScan)
        cache.rescanEveryTime = rescanOwners
    }

    /// `/proc` scans run so far for owners.
    public var ownerScans: Int { cache.scans }

    /// One run: every socket the filter keeps, straight from the receive buffer, without owners.
    public func run(_ body: (borrowing SocketRecord) throws -> Void) throws {
        try forEachRequest { request in
            let check = query.check(for: request)
            try client.dump(request) { record in
                guard check(record) else { return }
                try body(record)
            }
        }
    }

    /// One run whose sockets wait for their owners as the kernel's messages, compactly: those `keep` accepts
    /// (it sees every socket the filter keeps).
    public func runCaptured(where keep: (borrowing SocketRecord) -> Bool) throws -> SocketCapture {
        var capture = SocketCapture(keeping: query.extensions, cgroupIDs: query.joinsCgroups)
        try forEachRequest { request in
            let check = query.check(for: request)
            try client.capture(request, into: &capture) { check($0) && keep($0) }
        }
        return capture
    }

    /// The holders of `inodes` (this run's sockets) from the owners kept between runs: /proc is read again
    /// only where something changed (see `OwnerCache` for what that can miss until its next full read). The
    /// table is valid until the next call.
    public func cachedOwners(of inodes: [UInt32]) -> OwnerTable {
        cache.refresh(inodes)
        if cache.deniedProcesses > 0 { noteDenied(cache.deniedProcesses) }
        if cache.exhaustedProcesses != 0 && !exhaustedNoted {
            exhaustedNoted = true
            report(.outOfDescriptors(processes: max(0, cache.exhaustedProcesses), procUnlisted: cache.exhaustedProcesses < 0))
        }
        return OwnerTable(cache)
    }

    /// Each socket of `capture` (from `runCaptured`), decoded again and joined with its holders, read from
    /// /proc now and only until each of them has one.
    public func forEachJoined(
        _ capture: SocketCapture, _ body: (borrowing SocketRecord, [SocketHolder]) throws -> Void
    ) throws {
        guard capture.count > 0 else { return }
        let owners = ProcessIndex(until: Set(capture.inodes.lazy.map(UInt64.init)), workers: SocketPipeline.workers)
        try capture.forEach { record in try body(record, owners.holders(of: UInt64(record.inode))) }
    }

    /// The holders of the selected processes' sockets (`--pid`, `--command`, `--user`), read again each run.
    public func selectedOwners() -> OwnerTable {
        OwnerTable(ProcessIndex(pids: query.selection.resolve().pids))
    }

    private var deniedNoted = false
    private var exhaustedNoted = false

    private func noteDenied(_ count: Int) {
        guard !deniedNoted else { return }
        deniedNoted = true
        report(.unreadableProcesses(count))
    }

    /// Runs `body` for each request the kernel can answer; a kind it cannot report is noted once and skipped
    /// from then on. New warnings of the client (an interrupted dump) are reported after the run.
    private func forEachRequest(_ body: (DiagRequest) throws -> Void) throws {
        if query.joinsCgroups { cgroups.refresh() }
        skipped = try DiagRequest.forEach(requests, skipping: skipped, body) { netid, errno in
            report(.unsupported(netid, errno))
        }
        if client.warnings.count > warningsShown {
            for warning in client.warnings[warningsShown...] { report(PipelineNote(.warning, warning)) }
            warningsShown = client.warnings.count
        }
    }
}
