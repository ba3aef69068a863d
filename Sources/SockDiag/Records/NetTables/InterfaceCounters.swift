/// One network interface as netstat -i shows it: its `/proc/net/dev` counters, flags and MTU.
public struct InterfaceCounters: Sendable, Equatable {
    /// The counters of one interface (`struct rtnl_link_stats64` as `dev_seq_printf_stats` prints it).
    public struct Counters: Sendable, Equatable {
        public var rxBytes: UInt64 = 0, rxPackets: UInt64 = 0, rxErrors: UInt64 = 0, rxDropped: UInt64 = 0
        public var rxFifo: UInt64 = 0, rxFrame: UInt64 = 0, rxCompressed: UInt64 = 0, rxMulticast: UInt64 = 0
        public var txBytes: UInt64 = 0, txPackets: UInt64 = 0, txErrors: UInt64 = 0, txDropped: UInt64 = 0
        public var txFifo: UInt64 = 0, collisions: UInt64 = 0, txCarrier: UInt64 = 0, txCompressed: UInt64 = 0
        public init() {}
    }

    /// The name; an IPv4 address label (`eth0:1`) for an alias known from `SIOCGIFCONF` only.
    public var name: String
    /// nil for an alias, which has no line in `/proc/net/dev`.
    public var counters: Counters?
    /// `IFF_*` (`SIOCGIFFLAGS`, 16 bits as netstat reads them).
    public var flags: UInt16
    /// `SIOCGIFMTU`; 0 when it failed.
    public var mtu: Int32
    /// What -ie adds; read only for it.
    public var details: InterfaceDetails?

    public init(name: String, counters: Counters?, flags: UInt16, mtu: Int32, details: InterfaceDetails? = nil) {
        self.name = name
        self.counters = counters
        self.flags = flags
        self.mtu = mtu
        self.details = details
    }
}
