/// One line of `/proc/net/route`: a route of the main IPv4 table, as the kernel's `fib_route_seq_show` prints it.
public struct IPv4Route: Sendable, Equatable {
    /// `Iface`: the device, `*` for a route without one (blackhole, unreachable).
    public var interface: String
    public var destination: IPAddress
    public var gateway: IPAddress
    public var mask: IPAddress
    public var flags: RouteFlags
    /// `RefCnt`, `Use` and `Metric` as the kernel prints them (`%d`).
    public var refCount: Int32
    public var use: Int32
    public var metric: Int32
    /// `MTU` (the route's advertised MSS), `Window` and `IRTT`.
    public var mss: Int32
    public var window: Int32
    public var irtt: Int32

    public init(
        interface: String, destination: IPAddress, gateway: IPAddress, mask: IPAddress, flags: RouteFlags,
        refCount: Int32, use: Int32, metric: Int32, mss: Int32, window: Int32, irtt: Int32
    ) {
        self.interface = interface
        self.destination = destination
        self.gateway = gateway
        self.mask = mask
        self.flags = flags
        self.refCount = refCount
        self.use = use
        self.metric = metric
        self.mss = mss
        self.window = window
        self.irtt = irtt
    }
}
