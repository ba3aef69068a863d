import CommandSupport
import SockDiag
import SockPipeline

/// Reads one network namespace's TCP, UDP and UNIX sockets and aggregates them into a `SocketSnapshot`.
///
/// Each scrape runs the repeated pipeline (every state, `tcp_info` for TCP), streaming each socket straight
/// from the receive buffer into the snapshot's counters; with `top` > 0 the TCP and UDP inodes are kept, in
/// one reused array, and joined with their owners through an `OwnerCache` (only what changed in /proc is
/// read between its full reads).
public final class SocketCollector {
    /// The namespace this collector reports; its sockets are the ones the collector's netlink socket sees.
    public let namespace: NetworkNamespace
    /// How many processes `SocketSnapshot.processes` keeps; 0 skips the /proc scan.
    public var top: Int
    /// Threads reading /proc.
    public var workers: Int
    private let pipeline: RepeatedPipeline
    private var retransmits: RetransmitTracker
    private var inodes: [UInt32] = []
    private var ranked: [SocketSnapshot.ProcessSockets] = []
    /// This scrape's counts by transport and state: a few entries, searched from the last one hit (a dump
    /// comes mostly in one state), so no socket is hashed.
    private var kinds: [(kind: SocketSnapshot.Kind, count: Int)] = []
    /// The owners of this collector's sockets when it scrapes alone (`collect(into:)`).
    private lazy var ownOwners = OwnerCache(workers: workers)
    /// `--by-container`: counts per workload as well.
    public var workloads: WorkloadTally?

    static let transports: [NetID] = [.tcp, .udp]
    static let totalRetrans = TCPInfo.fields.first { $0.name == "total_retrans" }!
    static let rtt = TCPInfo.fields.first { $0.name == "rtt" }!

    /// Opens a netlink socket in the calling thread's network namespace, which must be `namespace`.
    public convenience init(namespace: NetworkNamespace, top: Int = 20, workers: Int = 2, trackedSockets: Int = 1 << 18)
        throws
    {
        try self.init(namespace: namespace, client: DiagClient(), top: top, workers: workers, trackedSockets: trackedSockets)
    }

    /// Reads `namespace` through `client`, a client opened in it (`DiagClient(netns:)` for another namespace).
    public init(
        namespace: NetworkNamespace, client: DiagClient, top: Int = 20, workers: Int = 2, trackedSockets: Int = 1 << 18
    ) throws {
        self.namespace = namespace
        self.top = top
        self.workers = workers
        var query = SocketQuery(netids: [.unix] + Self.transports, families: [.inet, .inet6], states: .all)
        // Only what the metrics use: tcp_info (retransmits, rtt; the kernel adds none for UDP), no UNIX
        // attributes (UNIX sockets are only counted by state), owners only with `top` > 0.
        query.extensions = .info
        query.unixAttributes = false
        // The collector's notes (a kind this kernel cannot report) go to stderr, as the server logs.
        pipeline = try RepeatedPipeline(query, client: client) { Stderr.line($0.description) }
        retransmits = RetransmitTracker(capacity: trackedSockets)
    }

    /// Sockets remembered for the retransmit counter (see `RetransmitTracker`).
    public var trackedSockets: Int { retransmits.tracked }

    /// Refills `snapshot` from the kernel.
    public func collect(into snapshot: inout SocketSnapshot) throws {
        var snapshots = [snapshot]
        try Self.collect([self], into: &snapshots, top: top, owners: ownOwners)
        snapshot = snapshots[0]
    }

    /// Refills `snapshots[i]` from `collectors[i]` (one per namespace), with one owner refresh for all of
    /// them: socket inodes are unique across namespaces, so one cache names every owner.
    public static func collect(
        _ collectors: [SocketCollector], into snapshots: inout [SocketSnapshot], top: Int, owners: OwnerCache
    ) throws {
        precondition(collectors.count == snapshots.count)
        for (i, collector) in collectors.enumerated() {
            snapshots[i].reset()
            snapshots[i].namespace = collector.namespace
            collector.inodes.removeAll(keepingCapacity: true)
        }
        func dumpAll() throws {
            for (i, collector) in collectors.enumerated() { try collector.dumpAll(into: &snapshots[i]) }
        }
        do {
            try dumpAll()
            if top > 0 {
                owners.refresh(collectors.count == 1 ? collectors[0].inodes : collectors.flatMap(\.inodes))
                for (i, collector) in collectors.enumerated() {
                    collector.rankOwners(owners, into: &snapshots[i])
                    snapshots[i].unreadableProcesses = owners.deniedProcesses
                }
            }
        } catch {
            for collector in collectors { collector.retransmits.abandonScrape() }
            throw error
        }
        for collector in collectors { collector.retransmits.finishScrape() }
    }

    /// Runs the dumps (UNIX, then TCP and UDP over IPv4 and IPv6) into the counters.
    private func dumpAll(into snapshot: inout SocketSnapshot) throws {
        let keepInodes = top > 0
        workloads?.reset()
        kinds.removeAll(keepingCapacity: true)
        var last = 0
        defer {
            snapshot.workloads = workloads?.labelled()
            for (kind, count) in kinds { snapshot.sockets[kind, default: 0] += count }
        }
        try pipeline.run { record in
            var retransmitted: UInt64 = 0
            defer { workloads?.count(record, retransmits: retransmitted) }
            snapshot.total += 1
            let kind = SocketSnapshot.Kind(netid: record.netid, state: record.state)
            if last < kinds.count && kinds[last].kind == kind {
                kinds[last].count += 1
            } else if let i = kinds.firstIndex(where: { $0.kind == kind }) {
                kinds[i].count += 1
                last = i
            } else {
                last = kinds.count
                kinds.append((kind, 1))
            }
            // Owners are counted for TCP and UDP only, as the metrics' help says (UNIX sockets are counted above).
            guard record.netid == .tcp || record.netid == .udp else { return }
            if keepInodes, record.inode != 0 { inodes.append(record.inode) }
            guard record.netid == .tcp else { return }
            if record.state == .listen {
                snapshot.listeners[record.local.port, default: SocketSnapshot.ListenQueue()].add(record)
            }
            guard let info = record.tcpInfo else { return }
            if let total = info[Self.totalRetrans] {
                retransmitted = retransmits.observe(
                    cookie: record.cookie, totalRetransmits: UInt32(truncatingIfNeeded: total))
                snapshot.newRetransmits += retransmitted
            }
            if record.state == .established, let rtt = info[Self.rtt], rtt > 0 {
                snapshot.rttSeconds.append(Double(rtt) / 1_000_000)
            }
        }
    }

    /// Counts the dumped sockets per holding process and keeps the `top` largest.
    private func rankOwners(_ owners: OwnerCache, into snapshot: inout SocketSnapshot) {
        ranked.removeAll(keepingCapacity: true)
        owners.forEachProcessCount(of: inodes) { pid, command, count in
            ranked.append(.init(pid: pid, command: command, sockets: count))
        }
        snapshot.processCount = ranked.count
        ranked.sort { ($0.sockets, $1.pid) > ($1.sockets, $0.pid) }
        snapshot.processes.append(contentsOf: ranked.prefix(top))
    }
}

extension SocketSnapshot.ListenQueue {
    mutating func add(_ record: borrowing SocketRecord) {
        depth += UInt64(record.recvQ)
        backlog += UInt64(record.sendQ)
        listeners += 1
    }
}
