import SockDiag
import SockPipeline

/// `--by-container`: one namespace's sockets, listeners and retransmits counted per workload.
///
/// During the dump each INET socket counts under its kernel cgroup id (`INET_DIAG_CGROUP_ID`) and the others
/// under id 0 (the kernel gives them none); after it, ids become labels (container, pod, namespace, unit),
/// identical label sets merge, and past `limit` workloads the smallest fold into one `other` workload.
public final class WorkloadTally {
    /// The label set of one workload's series; all empty for the root cgroup and for sockets without an id.
    public struct Labels: Sendable, Hashable {
        public var container = ""
        public var pod = ""
        public var namespace = ""
        public var unit = ""

        /// Where the workloads past the limit are counted.
        public static let other = Labels(container: "other")

        init(container: String = "", pod: String = "", namespace: String = "", unit: String = "") {
            self.container = container
            self.pod = pod
            self.namespace = namespace
            self.unit = unit
        }

        init(_ info: CgroupInfo?) {
            guard let identity = info?.identity else { return }
            container = identity.containerName ?? ""
            pod = identity.pod ?? identity.podUID ?? ""
            namespace = identity.namespace ?? ""
            unit = identity.unit ?? ""
        }

        var pairs: [(String, String)] {
            [("container", container), ("pod", pod), ("namespace", namespace), ("unit", unit)]
        }
    }

    /// One workload's share of the namespace's sockets.
    public struct Counts: Sendable {
        public var sockets: [SocketSnapshot.Kind: Int] = [:]
        public var listeners: [UInt16: SocketSnapshot.ListenQueue] = [:]
        public var retransmits: UInt64 = 0
        var total = 0

        mutating func merge(_ other: Counts) {
            sockets.merge(other.sockets, uniquingKeysWith: +)
            listeners.merge(other.listeners) { a, b in
                SocketSnapshot.ListenQueue(
                    depth: a.depth + b.depth, backlog: a.backlog + b.backlog, listeners: a.listeners + b.listeners)
            }
            retransmits += other.retransmits
            total += other.total
        }
    }

    let cgroups: CgroupAttribution
    /// The most workloads exported per namespace, `other` included.
    public let limit: Int
    private var byID: [UInt64: Counts] = [:]

    public init(cgroups: CgroupAttribution, limit: Int) {
        self.cgroups = cgroups
        self.limit = max(1, limit)
    }

    /// Starts a scrape: counts cleared, cgroups created since the last one can be found.
    func reset() {
        byID.removeAll(keepingCapacity: true)
        cgroups.refresh()
    }

    /// Counts one socket under its cgroup.
    @inline(__always)
    func count(_ record: borrowing SocketRecord, retransmits: UInt64) {
        let id = record.cgroupID ?? 0
        let kind = SocketSnapshot.Kind(netid: record.netid, state: record.state)
        let port = record.local.port
        let listener = record.netid == .tcp && record.state == .listen
        let recvQ = UInt64(record.recvQ)
        let sendQ = UInt64(record.sendQ)
        modify(id) { counts in
            counts.total += 1
            counts.sockets[kind, default: 0] += 1
            counts.retransmits += retransmits
            if listener {
                counts.listeners[port, default: SocketSnapshot.ListenQueue()].depth += recvQ
                counts.listeners[port, default: SocketSnapshot.ListenQueue()].backlog += sendQ
                counts.listeners[port, default: SocketSnapshot.ListenQueue()].listeners += 1
            }
        }
    }

    @inline(__always)
    private func modify(_ id: UInt64, _ body: (inout Counts) -> Void) {
        body(&byID[id, default: Counts()])
    }

    /// The counts by label set, the largest `limit - 1` workloads kept and the rest in `other`.
    func labelled() -> [Labels: Counts] {
        var merged: [Labels: Counts] = [:]
        for (id, counts) in byID {
            let labels = id == 0 ? Labels() : Labels(cgroups.info(id: id))
            merged[labels, default: Counts()].merge(counts)
        }
        guard merged.count > limit else { return merged }
        let ranked = merged.sorted { ($0.value.total, $1.key.container) > ($1.value.total, $0.key.container) }
        var kept: [Labels: Counts] = [:]
        for (labels, counts) in ranked.prefix(limit - 1) { kept[labels] = counts }
        for (_, counts) in ranked.dropFirst(limit - 1) { kept[.other, default: Counts()].merge(counts) }
        return kept
    }
}
