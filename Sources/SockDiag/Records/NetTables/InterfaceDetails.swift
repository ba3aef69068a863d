/// What netstat -ie (ifconfig's format) shows of an interface beyond its counters: the hardware address and
/// type, the queue length, the IPv4 address, its IPv6 addresses and the device map.
public struct InterfaceDetails: Sendable, Equatable {
    /// One line of `/proc/net/if_inet6`.
    public struct IPv6Address: Sendable, Equatable {
        public var address: IPAddress
        public var prefixLength: UInt8
        /// `IPV6_ADDR_*` scope bits as the kernel prints them (`0x20` link, `0x10` host, 0 global).
        public var scope: UInt32
        public var interface: String

        public init(address: IPAddress, prefixLength: UInt8, scope: UInt32, interface: String) {
            self.address = address
            self.prefixLength = prefixLength
            self.scope = scope
            self.interface = interface
        }
    }

    /// The IPv4 address of an interface or label (`SIOCGIFADDR`, `SIOCGIFNETMASK`, `SIOCGIFBRDADDR`,
    /// `SIOCGIFDSTADDR`); a failed query reads as 0.0.0.0, as netstat zeroes it.
    public struct IPv4: Sendable, Equatable {
        public var address: IPAddress
        public var netmask: IPAddress
        public var broadcast: IPAddress
        public var destination: IPAddress

        public init(address: IPAddress, netmask: IPAddress, broadcast: IPAddress, destination: IPAddress) {
            self.address = address
            self.netmask = netmask
            self.broadcast = broadcast
            self.destination = destination
        }
    }

    /// `ARPHRD_*` (`SIOCGIFHWADDR`'s `sa_family`).
    public var hardwareType: UInt16
    /// The first 8 bytes of `sa_data`, as netstat keeps them.
    public var hardwareAddress: [UInt8]
    /// `SIOCGIFTXQLEN`; nil when it failed.
    public var txQueueLength: Int32?
    public var ipv4: IPv4?
    /// `SIOCGIFMAP`: `irq`, `base_addr`, `mem_start`, `mem_end`, `dma` (zero for virtual devices).
    public var irq: UInt8 = 0, baseAddress: UInt16 = 0, memoryStart: UInt = 0, memoryEnd: UInt = 0, dma: UInt8 = 0

    public init(hardwareType: UInt16, hardwareAddress: [UInt8], txQueueLength: Int32?, ipv4: IPv4?) {
        self.hardwareType = hardwareType
        self.hardwareAddress = hardwareAddress
        self.txQueueLength = txQueueLength
        self.ipv4 = ipv4
    }
}
