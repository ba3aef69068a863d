import SockDiag
import SockPipeline

/// Host and service names for lsof's NAME column and the listing's `-r`, looked up before rendering.
///
/// lsof asks the resolver (`gethostbyaddr`, `getservbyport`) one address at a time; sockwatch's pipeline looks
/// the listed addresses up through the same resolver many at a time, within deadlines (`resolved`), and
/// service names come from `/etc/services` (the CLI loads it).
public struct LsofNames: @unchecked Sendable {
    /// Address to name, fixed before the run (tests); nil prints numbers unless `resolved` has a name.
    public var hosts: [IPAddress: String]?
    /// The names the run looked up (`SocketQuery.hostNames`); nil with `-n`.
    public var resolved: HostNames?
    /// Port to service name, by protocol; nil prints numbers (`-P`).
    public var tcpServices: [UInt16: String]?
    public var udpServices: [UInt16: String]?

    public init(
        hosts: [IPAddress: String]? = nil, tcpServices: [UInt16: String]? = nil, udpServices: [UInt16: String]? = nil
    ) {
        self.hosts = hosts
        self.tcpServices = tcpServices
        self.udpServices = udpServices
    }

    /// Numbers only (`-nP`).
    public static let numeric = LsofNames()

    /// The host name of `address`; nil prints it as a number.
    public func host(_ address: IPAddress) -> String? {
        hosts?[address] ?? resolved?[address]
    }

    /// The service name of `port` for `netid` (lsof looks up TCP and UDP only).
    public func service(_ port: UInt16, _ netid: NetID) -> String? {
        switch netid {
        case .tcp: tcpServices?[port]
        case .udp: udpServices?[port]
        default: nil
        }
    }
}
