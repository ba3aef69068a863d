import ProcIndex
import SockDiag

/// One socket as one dump saw it: identity, state, owners and the `tcp_info` counters `watch` turns into rates.
///
/// The counters are the kernel's `tcpi_bytes_acked`, `tcpi_bytes_received` and `tcpi_total_retrans`; they are
/// nil for UDP and wherever the kernel sent no `INET_DIAG_INFO`.
public struct WatchSample: Sendable {
    public var netid: NetID
    public var family: IPAddress.Family
    public var state: SocketState
    public var local: InetEndpoint
    public var peer: InetEndpoint
    /// The kernel's unique socket id (`idiag_cookie`): the key that ties one dump's socket to the next's.
    public var cookie: UInt64
    public var inode: UInt32
    public var bytesAcked: UInt64?
    public var bytesReceived: UInt64?
    public var totalRetransmits: UInt64?
    /// Smoothed round-trip time in microseconds (`tcpi_rtt`).
    public var rtt: UInt64?
    /// Congestion window in segments (`tcpi_snd_cwnd`).
    public var congestionWindow: UInt64?
    /// The processes holding the socket, lowest pid first; empty when unknown.
    public var holders: [SocketHolder]
    /// The cgroup the kernel gave the socket (its creator's), when known.
    public var cgroup: CgroupInfo?

    /// Copies what `watch` needs out of a decoded record.
    public init(_ record: borrowing SocketRecord, holders: [SocketHolder] = []) {
        netid = record.netid
        family = record.family
        state = record.state
        local = record.local
        peer = record.peer
        cookie = record.cookie
        inode = record.inode
        if let info = record.tcpInfo {
            bytesAcked = info.bytesAcked
            bytesReceived = info.bytesReceived
            totalRetransmits = info.totalRetransmits
            rtt = info.rtt
            congestionWindow = info.sendCongestionWindow
        }
        self.holders = holders
    }

    /// A sample built field by field (for tests and replays).
    public init(
        netid: NetID, family: IPAddress.Family = .inet, state: SocketState, local: InetEndpoint, peer: InetEndpoint,
        cookie: UInt64, inode: UInt32 = 0, bytesAcked: UInt64? = nil, bytesReceived: UInt64? = nil,
        totalRetransmits: UInt64? = nil, rtt: UInt64? = nil, congestionWindow: UInt64? = nil,
        holders: [SocketHolder] = []
    ) {
        self.netid = netid
        self.family = family
        self.state = state
        self.local = local
        self.peer = peer
        self.cookie = cookie
        self.inode = inode
        self.bytesAcked = bytesAcked
        self.bytesReceived = bytesReceived
        self.totalRetransmits = totalRetransmits
        self.rtt = rtt
        self.congestionWindow = congestionWindow
        self.holders = holders
    }
}
