import CommandSupport
import SockDiag
import SockPipeline

/// Reads one network namespace's TCP, UDP and UNIX sockets and aggregates them into a `SocketSnapshot`.
///
/// Each scrape runs the repeated pipeline (every state, `tcp_info` for TCP), streaming each socket straight
/// from the receive buffer into the snapshot's counters; only socket inodes are kept, in one reused array,
/// to join them with their owners from `/proc/*/fd` (read on other cores while the dump runs).
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
    private var perProcess: [Int32: Int] = [:]
    private var commands: [Int32: String] = [:]
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
        try Self.collect([self], into: &snapshots, top: top, workers: workers)
        snapshot = snapshots[0]
    }

    /// Refills `snapshots[i]` from `collectors[i]` (one per namespace), with one /proc scan for all of them:
    /// socket inodes are unique across namespaces, so one index names every owner.
    public static func collect(
        _ collectors: [SocketCollector], into snapshots: inout [SocketSnapshot], top: Int, workers: Int
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
            if top > 0 {
                let owners = try RepeatedPipeline.owners(workers: workers, alongside: dumpAll)
                for (i, collector) in collectors.enumerated() {
                    collector.rankOwners(owners, into: &snapshots[i])
                    snapshots[i].unreadableProcesses = owners.deniedProcesses
                }
            } else {
                try dumpAll()
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
        defer { snapshot.workloads = workloads?.labelled() }
        try pipeline.run { record in
            var retransmitted: UInt64 = 0
            defer { workloads?.count(record, retransmits: retransmitted) }
            snapshot.total += 1
            snapshot.sockets[SocketSnapshot.Kind(netid: record.netid, state: record.state), default: 0] += 1
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
    private func rankOwners(_ owners: OwnerTable, into snapshot: inout SocketSnapshot) {
        perProcess.removeAll(keepingCapacity: true)
        commands.removeAll(keepingCapacity: true)
        for inode in inodes {
            var last: Int32 = -1
            owners.forEachHolder(of: inode) { holder in
                guard holder.pid != last else { return }  // holders come by pid: one count per process
                last = holder.pid
                perProcess[holder.pid, default: 0] += 1
                if commands[holder.pid] == nil { commands[holder.pid] = holder.command }
            }
        }
        snapshot.processCount = perProcess.count
        let ranked = perProcess.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(top)
        for (pid, count) in ranked {
            snapshot.processes.append(.init(pid: pid, command: commands[pid] ?? "", sockets: count))
        }
    }
}

extension SocketSnapshot.ListenQueue {
    mutating func add(_ record: borrowing SocketRecord) {
        depth += UInt64(record.recvQ)
        backlog += UInt64(record.sendQ)
        listeners += 1
    }
}
