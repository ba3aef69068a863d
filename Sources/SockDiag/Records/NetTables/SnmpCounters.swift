/// The protocol counters of `/proc/net/snmp`, `/proc/net/netstat` or `/proc/net/snmp6`, in the kernel's order.
///
/// `/proc/net/snmp` and `/proc/net/netstat` print each group as two lines, `Tcp: ActiveOpens …` then
/// `Tcp: 12 …`; `/proc/net/snmp6` one `Ip6InReceives 12` per line, with no group (netstat takes it from the
/// name, up to its `6`).
public struct SnmpCounters: Sendable, Equatable {
    /// One group: `Ip`, `Icmp`, `IcmpMsg`, `Tcp`, `Udp`, `UdpLite`, `TcpExt`, `IpExt`, `MPTcpExt`…
    public struct Group: Sendable, Equatable {
        public var name: String
        /// Each counter's name and value; a negative value (`MaxConn -1`) wraps, as `strtoull` reads it.
        public var counters: [(name: String, value: UInt64)]

        public init(name: String, counters: [(name: String, value: UInt64)]) {
            self.name = name
            self.counters = counters
        }

        public static func == (a: Group, b: Group) -> Bool {
            a.name == b.name && a.counters.elementsEqual(b.counters) { $0.name == $1.name && $0.value == $1.value }
        }
    }

    public var groups: [Group]

    public init(groups: [Group]) {
        self.groups = groups
    }
}
