/// One line of `/proc/net/ipv6_route`: an IPv6 route, as the kernel's `ipv6_route_native_seq_show` prints it.
public struct IPv6Route: Sendable, Equatable {
    public var destination: IPAddress
    public var prefixLength: UInt8
    public var source: IPAddress
    public var sourcePrefixLength: UInt8
    public var nextHop: IPAddress
    /// `rt6i_metric`, `refcnt`, `use`, as unsigned hex; netstat prints them as signed.
    public var metric: UInt32
    public var refCount: UInt32
    public var use: UInt32
    public var flags: RouteFlags
    public var interface: String

    public init(
        destination: IPAddress, prefixLength: UInt8, source: IPAddress, sourcePrefixLength: UInt8,
        nextHop: IPAddress, metric: UInt32, refCount: UInt32, use: UInt32, flags: RouteFlags, interface: String
    ) {
        self.destination = destination
        self.prefixLength = prefixLength
        self.source = source
        self.sourcePrefixLength = sourcePrefixLength
        self.nextHop = nextHop
        self.metric = metric
        self.refCount = refCount
        self.use = use
        self.flags = flags
        self.interface = interface
    }
}
