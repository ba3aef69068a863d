import CommandSupport
import NIOConcurrencyHelpers
import SockDiag
import SockPipeline

/// One scrape at a time: collect the sockets of each namespace, publish them as metrics, render the text.
///
/// Scrapes are serialized by a lock; concurrent requests wait for each other rather than dumping the socket
/// table twice at once. With a `refresh`, the set of namespaces is looked at again before every scrape
/// (containers come and go): a namespace that went away has its series removed.
public final class Exporter: @unchecked Sendable {
    /// Given the collectors of the last scrape, the collectors for this one: the same objects for namespaces
    /// still there (their retransmit trackers carry over), new ones for new namespaces.
    public typealias Refresh = (_ current: [SocketCollector]) -> [SocketCollector]

    private let lock = NIOLock()
    private var collectors: [SocketCollector]
    private let refresh: Refresh?
    private let top: Int
    private let workers: Int
    /// The owners of every namespace's sockets, kept between scrapes.
    private let owners: OwnerCache
    private let metrics: ExporterMetrics
    private var snapshots: [SocketSnapshot]
    private var buffer: [UInt8] = []
    private var unreadableNoted = false

    /// An exporter of one namespace.
    public convenience init(collector: SocketCollector, metrics: ExporterMetrics = ExporterMetrics()) {
        self.init(collectors: [collector], top: collector.top, workers: collector.workers, metrics: metrics)
    }

    /// An exporter of one namespace whose owners are read whole every `ownersFullScan` seconds.
    public convenience init(collector: SocketCollector, ownersFullScan: Double) {
        self.init(
            collectors: [collector], top: collector.top, workers: collector.workers, ownersFullScan: ownersFullScan)
    }

    /// An exporter of several namespaces, their owners kept in one cache (read whole every `ownersFullScan`
    /// seconds, only what changed in between).
    public init(
        collectors: [SocketCollector], top: Int, workers: Int, metrics: ExporterMetrics = ExporterMetrics(),
        ownersFullScan: Double = 300, refresh: Refresh? = nil
    ) {
        owners = OwnerCache(workers: workers, fullScanInterval: ownersFullScan)
        self.collectors = collectors
        self.top = top
        self.workers = workers
        self.metrics = metrics
        self.refresh = refresh
        snapshots = collectors.map { SocketSnapshot(namespace: $0.namespace) }
    }

    /// Reads the sockets and returns the metrics in the Prometheus text format (version 0.0.4).
    public func scrape() throws -> [UInt8] {
        try lock.withLock {
            let clock = ContinuousClock()
            let start = clock.now
            if let refresh { renew(refresh(collectors)) }
            try SocketCollector.collect(collectors, into: &snapshots, top: top, owners: owners)
            for (collector, snapshot) in zip(collectors, snapshots) {
                metrics.publish(snapshot, trackedSockets: collector.trackedSockets)
            }
            noteUnreadable(snapshots.first?.unreadableProcesses ?? 0)
            let elapsed = (clock.now - start).components
            metrics.recordScrape(seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            buffer.removeAll(keepingCapacity: true)
            metrics.emit(into: &buffer)
            return buffer
        }
    }

    /// Says once on stderr that some processes could not be read (the gauge tells how many at each scrape).
    private func noteUnreadable(_ count: Int) {
        guard count > 0, !unreadableNoted else { return }
        unreadableNoted = true
        Stderr.note(.unreadableProcesses(
            count, consequence: "their sockets count for no process (sockwatch_unreadable_processes)"))
    }

    /// Switches to `next`, dropping the series of namespaces no longer there.
    private func renew(_ next: [SocketCollector]) {
        let kept = Set(next.map { ObjectIdentifier($0) })
        for collector in collectors where !kept.contains(ObjectIdentifier(collector)) {
            metrics.forget(netns: collector.namespace.label)
        }
        collectors = next
        snapshots = next.map { SocketSnapshot(namespace: $0.namespace) }
    }

    /// The last scrape's aggregates of the first namespace (for tests and diagnostics).
    public var lastSnapshot: SocketSnapshot { lock.withLock { snapshots[0] } }

    /// The last scrape's aggregates of every namespace.
    public var lastSnapshots: [SocketSnapshot] { lock.withLock { snapshots } }
}
