import NIOConcurrencyHelpers

/// One scrape at a time: collect the sockets, publish them as metrics, render the exposition text.
///
/// Scrapes are serialized by a lock; concurrent requests wait for each other rather than dumping the socket
/// table twice at once.
public final class Exporter: @unchecked Sendable {
    private let lock = NIOLock()
    private let collector: SocketCollector
    private let metrics: ExporterMetrics
    private var snapshot: SocketSnapshot
    private var buffer: [UInt8] = []

    public init(collector: SocketCollector, metrics: ExporterMetrics = ExporterMetrics()) {
        self.collector = collector
        self.metrics = metrics
        snapshot = SocketSnapshot(namespace: collector.namespace)
    }

    /// Reads the sockets and returns the metrics in the Prometheus text format (version 0.0.4).
    public func scrape() throws -> [UInt8] {
        try lock.withLock {
            let clock = ContinuousClock()
            let start = clock.now
            try collector.collect(into: &snapshot)
            metrics.publish(snapshot, trackedSockets: collector.trackedSockets)
            let elapsed = (clock.now - start).components
            metrics.recordScrape(seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            buffer.removeAll(keepingCapacity: true)
            metrics.emit(into: &buffer)
            return buffer
        }
    }

    /// The last scrape's aggregates (for tests and diagnostics).
    public var lastSnapshot: SocketSnapshot { lock.withLock { snapshot } }
}
