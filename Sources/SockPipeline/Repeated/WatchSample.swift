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
    /// The first process holding the socket (lowest pid, then fd); nil when unknown.
    public private(set) var owner: SocketHolder?
    /// Distinct processes beyond `owner` holding the socket (the table's `+N`).
    public private(set) var otherProcesses: Int = 0
    /// Every holder when there are several; empty otherwise (one holder is only `owner`: no array per socket).
    private var shared: [SocketHolder] = []

    /// The processes holding the socket, lowest pid first; empty when unknown.
    public var holders: [SocketHolder] {
        get { shared.isEmpty ? (owner.map { [$0] } ?? []) : shared }
        set {
            owner = newValue.first
            shared = newValue.count > 1 ? newValue : []
            otherProcesses = 0
            guard newValue.count > 1 else { return }
            var pids = Set<Int32>()
            for holder in newValue { pids.insert(holder.pid) }
            otherProcesses = pids.count - 1
        }
    }

    /// Calls `body` with each holder, lowest pid first, without making an array.
    @inline(__always)
    public func forEachHolder(_ body: (SocketHolder) throws -> Void) rethrows {
        if shared.isEmpty {
            if let owner { try body(owner) }
        } else {
            for holder in shared { try body(holder) }
        }
    }

    /// Takes the holders of the socket from `owners` (this run's table): only a socket held by several
    /// processes or descriptors gets an array.
    public mutating func takeHolders(from owners: OwnerTable) {
        var first: SocketHolder?
        var all: [SocketHolder] = []
        owners.forEachHolder(of: inode) { holder in
            if first == nil {
                first = holder
            } else {
                if all.isEmpty { all.append(first!) }
                all.append(holder)
            }
        }
        if all.isEmpty {
            owner = first
            shared = []
            otherProcesses = 0
        } else {
            holders = all
        }
    }
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
