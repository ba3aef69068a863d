import Prometheus
import SockDiag

/// The exporter's Prometheus metrics: publishes each `SocketSnapshot` into a swift-prometheus registry.
///
/// Series whose subject went away (a port no longer listened on, a process out of the top N) are
/// unregistered, so label cardinality follows the host's present state. Socket counts by state stay, at 0.
public final class ExporterMetrics {
    public let registry = PrometheusCollectorRegistry()

    private var sockets: [Labels: Gauge] = [:]
    private var queueDepth: [Labels: Gauge] = [:]
    private var queueBacklog: [Labels: Gauge] = [:]
    private var processSockets: [Labels: Gauge] = [:]
    private var processCount: [Labels: Gauge] = [:]
    private var retransmits: [Labels: Counter] = [:]
    private var tracked: [Labels: Gauge] = [:]
    private var rtt: [Labels: ValueHistogram] = [:]
    private let scrapeDuration: Gauge
    private let unreadable: Gauge

    /// Bucket bounds of the rtt histogram, in seconds: 50 µs (loopback) to 2.5 s.
    public static let rttBuckets: [Double] = [
        0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
    ]

    /// An ordered label set, usable as a dictionary key.
    struct Labels: Hashable {
        var pairs: [String]
        init(_ pairs: [(String, String)]) { self.pairs = pairs.flatMap { [$0.0, $0.1] } }
        /// The value of label `name`.
        func value(_ name: String) -> String? {
            Swift.stride(from: 0, to: pairs.count, by: 2).first { pairs[$0] == name }.map { pairs[$0 + 1] }
        }
    }

    public init() {
        scrapeDuration = registry.makeGauge(descriptor: Self.scrapeDurationName)
        unreadable = registry.makeGauge(descriptor: Self.unreadableName)
    }

    // MARK: - Names

    static func name(_ metric: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sockwatch", metricName: metric, unitName: unit, helpText: help)
    }
    static var socketsName: MetricNameDescriptor {
        name("sockets", "Sockets by transport and state (ss's lower-case state names).")
    }
    static var queueDepthName: MetricNameDescriptor {
        name("listen_queue", unit: "depth", "Connections waiting for accept() on a listening TCP port.")
    }
    static var queueBacklogName: MetricNameDescriptor {
        name("listen_queue", unit: "backlog", "The accept queue's limit on a listening TCP port (listen() backlog).")
    }
    static var processSocketsName: MetricNameDescriptor {
        name("process_sockets", "TCP and UDP sockets held by a process; only the processes holding the most.")
    }
    static var processCountName: MetricNameDescriptor {
        name("socket_processes", "Processes holding at least one TCP or UDP socket.")
    }
    static var retransmitsName: MetricNameDescriptor {
        name("tcp_retransmits", unit: "total", "TCP segments retransmitted (tcpi_total_retrans growth between scrapes).")
    }
    static var trackedName: MetricNameDescriptor {
        name("tcp_retransmit_tracked", unit: "sockets", "TCP sockets whose retransmit total the exporter remembers.")
    }
    static var rttName: MetricNameDescriptor {
        name("tcp_rtt", unit: "seconds", "Smoothed rtt of established TCP sockets, each observed once per scrape.")
    }
    static var scrapeDurationName: MetricNameDescriptor {
        name("scrape_duration", unit: "seconds", "Time the last scrape took to read and aggregate the sockets.")
    }

    static var unreadableName: MetricNameDescriptor {
        name("unreadable_processes", "Processes whose descriptors could not be read (not permitted): their sockets have no owner.")
    }

    // MARK: - Publishing

    /// Sets every metric from `snapshot`; `trackedSockets` is the retransmit tracker's size.
    public func publish(_ snapshot: borrowing SocketSnapshot, trackedSockets: Int) {
        let ns = ("netns", snapshot.namespace.label)
        if let workloads = snapshot.workloads {
            publishWorkloads(workloads, ns: ns)
        } else {
            for (labels, gauge) in sockets where labels.value("netns") == ns.1 { gauge.set(to: 0) }
            for (kind, count) in snapshot.sockets {
                gauge(&sockets, Self.socketsName, [("netid", kind.netid.rawValue), ("state", kind.state.name), ns])
                    .set(to: Double(count))
            }
            var live: Set<Labels> = []
            for (port, queue) in snapshot.listeners {
                let labels = [ns, ("port", String(port))]
                gauge(&queueDepth, Self.queueDepthName, labels).set(to: Double(queue.depth))
                gauge(&queueBacklog, Self.queueBacklogName, labels).set(to: Double(queue.backlog))
                live.insert(Labels(labels))
            }
            drop(&queueDepth, keeping: live, in: ns.1)
            drop(&queueBacklog, keeping: live, in: ns.1)
            let counter = lookup(&retransmits, Labels([ns])) {
                registry.makeCounter(descriptor: Self.retransmitsName, labels: [ns])
            }
            if snapshot.newRetransmits > 0 { counter.increment(by: Int64(clamping: snapshot.newRetransmits)) }
        }

        var live: Set<Labels> = []
        for process in snapshot.processes {
            // The comm goes in raw: swift-prometheus escapes backslash first, then newline and double quote, as
            // the exposition format says, so Prometheus stores the name exactly (a literal `\n` stays distinct
            // from a newline).
            let labels = [ns, ("pid", String(process.pid)), ("command", process.command)]
            gauge(&processSockets, Self.processSocketsName, labels).set(to: Double(process.sockets))
            live.insert(Labels(labels))
        }
        drop(&processSockets, keeping: live, in: ns.1)
        gauge(&processCount, Self.processCountName, [ns]).set(to: Double(snapshot.processCount))
        unreadable.set(to: Double(snapshot.unreadableProcesses))

        gauge(&tracked, Self.trackedName, [ns]).set(to: Double(trackedSockets))
        let histogram = lookup(&rtt, Labels([ns])) {
            registry.makeValueHistogram(descriptor: Self.rttName, labels: [ns], buckets: Self.rttBuckets)
        }
        for seconds in snapshot.rttSeconds { histogram.record(seconds) }
    }

    /// `--by-container`: the socket counts, listen queues and retransmits of each workload, labelled with its
    /// container, pod, namespace and unit. A workload gone since the last scrape has its series removed.
    private func publishWorkloads(_ workloads: [WorkloadTally.Labels: WorkloadTally.Counts], ns: (String, String)) {
        var liveSockets: Set<Labels> = []
        var liveQueues: Set<Labels> = []
        var liveCounters: Set<Labels> = []
        for (workload, counts) in workloads {
            let base = [ns] + workload.pairs
            for (kind, count) in counts.sockets {
                let labels = [("netid", kind.netid.rawValue), ("state", kind.state.name)] + base
                gauge(&sockets, Self.socketsName, labels).set(to: Double(count))
                liveSockets.insert(Labels(labels))
            }
            for (port, queue) in counts.listeners {
                let labels = base + [("port", String(port))]
                gauge(&queueDepth, Self.queueDepthName, labels).set(to: Double(queue.depth))
                gauge(&queueBacklog, Self.queueBacklogName, labels).set(to: Double(queue.backlog))
                liveQueues.insert(Labels(labels))
            }
            let key = Labels(base)
            let counter = lookup(&retransmits, key) { registry.makeCounter(descriptor: Self.retransmitsName, labels: base) }
            if counts.retransmits > 0 { counter.increment(by: Int64(clamping: counts.retransmits)) }
            liveCounters.insert(key)
        }
        drop(&sockets, keeping: liveSockets, in: ns.1)
        drop(&queueDepth, keeping: liveQueues, in: ns.1)
        drop(&queueBacklog, keeping: liveQueues, in: ns.1)
        for (labels, counter) in retransmits where labels.value("netns") == ns.1 && !liveCounters.contains(labels) {
            registry.unregisterCounter(counter)
            retransmits[labels] = nil
        }
    }

    /// Removes every series of the namespace labelled `netns` (it is gone).
    public func forget(netns: String) {
        func gone<M>(_ table: inout [Labels: M], _ unregister: (M) -> Void) {
            for (labels, metric) in table where labels.value("netns") == netns {
                unregister(metric)
                table[labels] = nil
            }
        }
        for table in [\ExporterMetrics.sockets, \.queueDepth, \.queueBacklog, \.processSockets, \.processCount, \.tracked] {
            gone(&self[keyPath: table]) { registry.unregisterGauge($0) }
        }
        gone(&retransmits) { registry.unregisterCounter($0) }
        gone(&rtt) { registry.unregisterValueHistogram($0) }
    }

    /// Records how long the scrape took.
    public func recordScrape(seconds: Double) {
        scrapeDuration.set(to: seconds)
    }

    /// The exposition text of every metric.
    public func emit(into buffer: inout [UInt8]) {
        registry.emit(into: &buffer)
    }

    // MARK: - Series bookkeeping

    private func gauge(_ table: inout [Labels: Gauge], _ name: MetricNameDescriptor, _ labels: [(String, String)]) -> Gauge {
        lookup(&table, Labels(labels)) { registry.makeGauge(descriptor: name, labels: labels) }
    }

    private func lookup<M>(_ table: inout [Labels: M], _ key: Labels, _ make: () -> M) -> M {
        if let found = table[key] { return found }
        let made = make()
        table[key] = made
        return made
    }

    /// Unregisters the gauges of namespace `ns` whose labels are not in `live`.
    private func drop(_ table: inout [Labels: Gauge], keeping live: Set<Labels>, in ns: String) {
        for (labels, gauge) in table where labels.value("netns") == ns && !live.contains(labels) {
            registry.unregisterGauge(gauge)
            table[labels] = nil
        }
    }
}
