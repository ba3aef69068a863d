/// Inet socket flags the kernel reports with every socket.
///
/// The kernel struct is `inet_diag_sockopt` (attribute `INET_DIAG_SOCKOPT`): two bytes of bitfields.
public struct SocketOptions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let recverr = SocketOptions(rawValue: 1 << 0)
    public static let isICSK = SocketOptions(rawValue: 1 << 1)
    public static let freebind = SocketOptions(rawValue: 1 << 2)
    public static let hdrincl = SocketOptions(rawValue: 1 << 3)
    public static let multicastLoop = SocketOptions(rawValue: 1 << 4)
    public static let transparent = SocketOptions(rawValue: 1 << 5)
    public static let multicastAll = SocketOptions(rawValue: 1 << 6)
    public static let nodefrag = SocketOptions(rawValue: 1 << 7)
    public static let bindAddressNoPort = SocketOptions(rawValue: 1 << 8)
    public static let recverrRFC4884 = SocketOptions(rawValue: 1 << 9)
    public static let deferConnect = SocketOptions(rawValue: 1 << 10)

    /// The kernel's field names, bit by bit, for JSON.
    public static let names: [(SocketOptions, String)] = [
        (.recverr, "recverr"), (.isICSK, "is_icsk"), (.freebind, "freebind"), (.hdrincl, "hdrincl"),
        (.multicastLoop, "mc_loop"), (.transparent, "transparent"), (.multicastAll, "mc_all"),
        (.nodefrag, "nodefrag"), (.bindAddressNoPort, "bind_address_no_port"),
        (.recverrRFC4884, "recverr_rfc4884"), (.deferConnect, "defer_connect"),
    ]
}
