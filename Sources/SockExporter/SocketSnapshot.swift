import SockPipeline
import SockDiag

/// What one scrape found in one network namespace, aggregated: small tables, never one entry per socket.
///
/// A collector fills the same snapshot on every scrape; `reset()` keeps the storage, so a scrape allocates
/// nothing per socket.
public struct SocketSnapshot: Sendable {
    /// A transport and a state: the key of the socket counts.
    public struct Kind: Sendable, Hashable {
        public var netid: NetID
        public var state: SocketState

        public init(netid: NetID, state: SocketState) {
            self.netid = netid
            self.state = state
        }
    }

    /// The accept queue of the TCP listeners on one port, summed over them (IPv4 and IPv6, SO_REUSEPORT).
    public struct ListenQueue: Sendable, Hashable {
        /// Connections waiting for `accept()` (a listener's `idiag_rqueue`).
        public var depth: UInt64 = 0
        /// The most that may wait: the `listen()` backlog, capped by `net.core.somaxconn` (`idiag_wqueue`).
        public var backlog: UInt64 = 0
        /// Listening sockets on the port.
        public var listeners: Int = 0
    }

    /// A process and how many of the namespace's sockets it holds.
    public struct ProcessSockets: Sendable, Hashable {
        public var pid: Int32
        /// `/proc/PID/comm`, raw.
        public var command: String
        /// Distinct sockets (a socket held through two descriptors counts once).
        public var sockets: Int
    }

    public var namespace: NetworkNamespace
    /// Sockets by transport and state.
    public var sockets: [Kind: Int] = [:]
    /// TCP listeners by local port.
    public var listeners: [UInt16: ListenQueue] = [:]
    /// The processes holding the most sockets, most first (ties by pid), at most the collector's `top`.
    public var processes: [ProcessSockets] = []
    /// Processes holding at least one of the namespace's sockets (all of them, not only the top).
    public var processCount = 0
    /// Processes whose descriptors could not be read (EACCES, EPERM: other users' processes, without
    /// privilege): their sockets count for no process. The same for every namespace of one scrape.
    public var unreadableProcesses = 0
    /// Retransmits since the previous scrape, over TCP sockets alive in both (see `RetransmitTracker`).
    public var newRetransmits: UInt64 = 0
    /// The smoothed rtt of each established TCP socket, in seconds (`tcpi_rtt`).
    public var rttSeconds: [Double] = []
    /// Sockets seen.
    public var total = 0
    /// With `--by-container`: the sockets, listeners and retransmits per workload (nil without it).
    public var workloads: [WorkloadTally.Labels: WorkloadTally.Counts]?

    public init(namespace: NetworkNamespace) {
        self.namespace = namespace
    }

    /// Empties the tables, keeping their storage.
    public mutating func reset() {
        sockets.removeAll(keepingCapacity: true)
        listeners.removeAll(keepingCapacity: true)
        processes.removeAll(keepingCapacity: true)
        processCount = 0
        unreadableProcesses = 0
        newRetransmits = 0
        rttSeconds.removeAll(keepingCapacity: true)
        total = 0
        workloads = nil
    }

    /// The count for one transport and state (0 when none).
    public func count(_ netid: NetID, _ state: SocketState) -> Int {
        sockets[Kind(netid: netid, state: state)] ?? 0
    }
}
