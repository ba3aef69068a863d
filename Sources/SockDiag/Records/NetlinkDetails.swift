/// What only a netlink socket has: its protocol, port id and multicast groups.
///
/// The kernel struct is `netlink_diag_msg`; groups come as `NETLINK_DIAG_GROUPS`.
public struct NetlinkDetails: Sendable, Equatable {
    /// `NETLINK_ROUTE` (0), `NETLINK_SOCK_DIAG` (4), `NETLINK_GENERIC` (16)…
    public var netlinkProtocol: UInt8
    /// The socket's port id: 0 for the kernel's own sockets, often the owner's pid for others.
    public var portID: UInt32
    /// The connected peer's port id and group, 0 when not connected.
    public var peerPortID: UInt32
    public var peerGroup: UInt32
    /// The multicast groups the socket joined (group numbers, from the kernel's bitmap).
    public var groups: [UInt32]

    public init(netlinkProtocol: UInt8, portID: UInt32, peerPortID: UInt32, peerGroup: UInt32, groups: [UInt32] = []) {
        self.netlinkProtocol = netlinkProtocol
        self.portID = portID
        self.peerPortID = peerPortID
        self.peerGroup = peerGroup
        self.groups = groups
    }

    /// ss's short name for the protocol (`rtnl`, `sock_diag`, `genl`…), or the number.
    public var protocolName: String {
        switch netlinkProtocol {
        case 0: "rtnl"
        case 1: "unused"
        case 2: "usersock"
        case 3: "fw"
        case 4: "sock_diag"
        case 5: "nflog"
        case 6: "xfrm"
        case 7: "selinux"
        case 8: "iscsi"
        case 9: "audit"
        case 10: "fib_lookup"
        case 11: "connector"
        case 12: "nft"
        case 13: "ip6fw"
        case 14: "dec-rt"
        case 15: "uevent"
        case 16: "genl"
        case 18: "scsi-trans"
        case 19: "ecryptfs"
        case 20: "rdma"
        case 21: "crypto"
        case 22: "smc"
        default: String(netlinkProtocol)
        }
    }
}
