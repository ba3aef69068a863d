/// The `RTF_*` flags of a route as `/proc/net/route` and `/proc/net/ipv6_route` print them.
public struct RouteFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The kernel's flag is `RTF_UP`.
    public static let up = RouteFlags(rawValue: 0x0001)
    /// `RTF_GATEWAY`.
    public static let gateway = RouteFlags(rawValue: 0x0002)
    /// `RTF_HOST`: the destination is one host (a /32 or /128).
    public static let host = RouteFlags(rawValue: 0x0004)
    /// `RTF_REINSTATE`.
    public static let reinstate = RouteFlags(rawValue: 0x0008)
    /// `RTF_DYNAMIC`.
    public static let dynamic = RouteFlags(rawValue: 0x0010)
    /// `RTF_MODIFIED`.
    public static let modified = RouteFlags(rawValue: 0x0020)
    /// `RTF_MTU` (`RTF_MSS`).
    public static let mtu = RouteFlags(rawValue: 0x0040)
    /// `RTF_WINDOW`.
    public static let window = RouteFlags(rawValue: 0x0080)
    /// `RTF_IRTT`.
    public static let irtt = RouteFlags(rawValue: 0x0100)
    /// `RTF_REJECT`: an unreachable or prohibit route.
    public static let reject = RouteFlags(rawValue: 0x0200)
    /// `RTF_NOTCACHED`.
    public static let notCached = RouteFlags(rawValue: 0x0400)
    /// `RTF_DEFAULT`.
    public static let `default` = RouteFlags(rawValue: 0x0001_0000)
    /// `RTF_ALLONLINK`.
    public static let allOnLink = RouteFlags(rawValue: 0x0002_0000)
    /// `RTF_ADDRCONF`.
    public static let addrConf = RouteFlags(rawValue: 0x0004_0000)
    /// `RTF_NONEXTHOP`.
    public static let noNextHop = RouteFlags(rawValue: 0x0020_0000)
    /// `RTF_EXPIRES`.
    public static let expires = RouteFlags(rawValue: 0x0040_0000)
    /// `RTF_CACHE`.
    public static let cache = RouteFlags(rawValue: 0x0100_0000)
    /// `RTF_FLOW`.
    public static let flow = RouteFlags(rawValue: 0x0200_0000)
    /// `RTF_POLICY`.
    public static let policy = RouteFlags(rawValue: 0x0400_0000)
    /// `RTF_LOCAL`.
    public static let local = RouteFlags(rawValue: 0x8000_0000)
}
