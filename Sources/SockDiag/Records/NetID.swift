/// The kind of socket a record describes, named as JSON's `netid` names it.
///
/// INET sockets (TCP, UDP, UDP-Lite, SCTP, MPTCP, raw IP) are one kind among several: UNIX, netlink, packet and
/// vsock sockets come from their own sock_diag handlers (`unix_diag`, `netlink_diag`, `packet_diag`,
/// `vsock_diag`) and carry their addresses in `SocketRecord`'s per-kind details.
public enum NetID: String, Sendable, CaseIterable {
    case tcp
    case udp
    case udplite
    /// Dumped only where the kernel has `sctp_diag`; elsewhere the request is refused and skipped.
    case sctp
    /// Multipath TCP connections (`mptcp_diag`); their subflows are listed as TCP.
    case mptcp
    /// Raw IP sockets: `raw_diag` where the kernel has it, else `/proc/net/raw` and `raw6`.
    case raw
    case unix
    case netlink
    case packet
    /// Virtual machine sockets, where the kernel has `vsock_diag`.
    case vsock

    /// The families a record can come from, by sock_diag handler.
    public enum Kind: Sendable {
        case inet, unix, netlink, packet, vsock
    }

    public var kind: Kind {
        switch self {
        case .tcp, .udp, .udplite, .sctp, .mptcp, .raw: .inet
        case .unix: .unix
        case .netlink: .netlink
        case .packet: .packet
        case .vsock: .vsock
        }
    }

    /// True for the INET kinds, whose records carry addresses and ports in `local` and `peer`.
    public var isInet: Bool { kind == .inet }

    /// The `IPPROTO_*` number inet_diag is asked with; 0 for the other kinds.
    public var ipProtocol: UInt32 {
        switch self {
        case .tcp: 6
        case .udp: 17
        case .udplite: 136
        case .sctp: 132
        case .mptcp: 262
        case .raw: 255
        case .unix, .netlink, .packet, .vsock: 0
        }
    }

    /// `ipProtocol` as an inet_diag request carries it: `sdiag_protocol` holds a byte, so a number that does not
    /// fit (MPTCP's 262) goes in the attribute `INET_DIAG_REQ_PROTOCOL` instead (`attribute` 0: none sent).
    var requestProtocol: (byte: UInt8, attribute: UInt32) {
        (UInt8(truncatingIfNeeded: ipProtocol), ipProtocol > 255 ? ipProtocol : 0)
    }

    /// Datagram transports report an unconnected socket as `close`.
    public var isDatagram: Bool { self == .udp || self == .udplite }

    /// True where the kernel's `close` state means "unconnected", which `ss` prints as UNCONN.
    public var closeIsUnconnected: Bool {
        switch self {
        case .tcp, .sctp, .mptcp: false
        default: true
        }
    }

    /// The INET kind for an `IPPROTO_*` number, as `SO_PROTOCOL` reports it.
    public static func inet(protocol number: Int32) -> NetID? {
        allCases.first { $0.isInet && Int32($0.ipProtocol) == number && $0 != .raw }
    }
}
