/// One socket as sock_diag reports it: identity, state, queues, owner and the attributes asked for.
///
/// The kernel structs are `inet_diag_msg` (INET kinds), `unix_diag_msg`, `netlink_diag_msg`, `packet_diag_msg`
/// and `vsock_diag_msg`, each followed by its attributes. Every kind fills the common part (state, queues,
/// inode, cookie); INET kinds fill `family`, `local` and `peer`, the others their own details (`unix`,
/// `netlink`, `packet`, `vsock`) and leave `local`/`peer` as zero IPv4 endpoints. Optional fields are nil when
/// the kernel did not send the attribute (it was not asked for, or this kernel does not have it).
public struct SocketRecord: Sendable {
    public var netid: NetID
    /// `SOCK_STREAM`, `SOCK_DGRAM`…: what tells `u_str` from `u_dgr`.
    public var type: SocketType
    /// The IP family of `local` and `peer`; meaningful for INET kinds only.
    public var family: IPAddress.Family
    public var state: SocketState
    public var local: InetEndpoint
    public var peer: InetEndpoint
    /// The network namespace the socket lives in (its `/proc/PID/ns/net` inode), 0 when not tagged.
    public var netns: UInt64 = 0
    public var unix: UnixDetails?
    public var netlink: NetlinkDetails?
    public var packet: PacketDetails?
    public var vsock: VsockDetails?
    /// The bound interface index, 0 when none (`idiag_if`).
    public var interface: UInt32
    /// The kernel's unique id for this socket (`idiag_cookie`).
    public var cookie: UInt64
    public var timer: SocketTimer
    /// Bytes queued for the application (listeners: pending connections) (`idiag_rqueue`).
    public var recvQ: UInt32
    /// Bytes not yet acknowledged (listeners: the backlog) (`idiag_wqueue`).
    public var sendQ: UInt32
    public var uid: UInt32
    /// The socket's inode, the key to its owners in /proc (0 for time-wait and request sockets).
    public var inode: UInt32

    public var tcpInfo: TCPInfo?
    public var memInfo: MemInfo?
    public var skMemInfo: SkMemInfo?
    /// The congestion control algorithm (`INET_DIAG_CONG`).
    public var congestion: String?
    /// `SHUT_*` bits: 1 = no more receives, 2 = no more sends (`INET_DIAG_SHUTDOWN`).
    public var shutdown: UInt8?
    /// MPTCP connection-level counters (`INET_DIAG_INFO` of an MPTCP socket).
    public var mptcpInfo: MPTCPInfo?
    /// IPv4 TOS (`INET_DIAG_TOS`).
    public var tos: UInt8?
    /// IPv6 traffic class (`INET_DIAG_TCLASS`).
    public var trafficClass: UInt8?
    /// `SO_MARK` (`INET_DIAG_MARK`, sent only to CAP_NET_ADMIN).
    public var mark: UInt32?
    /// The cgroup v2 id (`INET_DIAG_CGROUP_ID`).
    public var cgroupID: UInt64?
    public var options: SocketOptions?
    /// `IPV6_V6ONLY` (`INET_DIAG_SKV6ONLY`).
    public var v6only: Bool?

    public init(
        netid: NetID, family: IPAddress.Family, state: SocketState, local: InetEndpoint, peer: InetEndpoint,
        interface: UInt32 = 0, cookie: UInt64 = 0,
        timer: SocketTimer = SocketTimer(kind: .off, expiresMilliseconds: 0, retransmits: 0),
        recvQ: UInt32 = 0, sendQ: UInt32 = 0, uid: UInt32 = 0, inode: UInt32 = 0
    ) {
        self.netid = netid
        self.type = SocketType(inet: netid)
        self.family = family
        self.state = state
        self.local = local
        self.peer = peer
        self.interface = interface
        self.cookie = cookie
        self.timer = timer
        self.recvQ = recvQ
        self.sendQ = sendQ
        self.uid = uid
        self.inode = inode
    }
}
