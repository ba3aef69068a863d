/// What only a packet socket has: the link-layer protocol it receives and the interface it is bound to.
///
/// The kernel struct is `packet_diag_msg`, with `PACKET_DIAG_INFO` (`packet_diag_info`).
public struct PacketDetails: Sendable, Equatable {
    /// The EtherType, host order (`ETH_P_ALL` is 3, `ETH_P_IP` 0x0800).
    public var etherType: UInt16
    /// The bound interface index, 0 for every interface.
    public var interface: UInt32

    public init(etherType: UInt16, interface: UInt32) {
        self.etherType = etherType
        self.interface = interface
    }

    /// A short name for the EtherType as ss prints it (`ALL`, `ip`, `ipv6`, `arp`), else hex.
    public var etherTypeName: String {
        switch etherType {
        case 0x0003: "ALL"
        case 0x0800: "ip"
        case 0x0806: "arp"
        case 0x86DD: "ipv6"
        case 0x88CC: "lldp"
        case 0x8035: "rarp"
        case 0x8100: "802.1Q"
        case 0: "0"
        default: "0x" + String(etherType, radix: 16, uppercase: false)
        }
    }
}
