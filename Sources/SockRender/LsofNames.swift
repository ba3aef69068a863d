import SockDiag

/// Host and service names for lsof's NAME column, looked up before rendering.
///
/// lsof asks the resolver (`gethostbyaddr`, `getservbyport`); sockwatch only ever reads `/etc/hosts` and
/// `/etc/services` (the CLI loads them), so a listing never waits on DNS.
public struct LsofNames: Sendable {
    /// Address to name, the first name of the first line that has the address; nil prints numbers (`-n`).
    public var hosts: [IPAddress: String]?
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

    /// The service name of `port` for `netid` (lsof looks up TCP and UDP only).
    func service(_ port: UInt16, _ netid: NetID) -> String? {
        switch netid {
        case .tcp: tcpServices?[port]
        case .udp: udpServices?[port]
        default: nil
        }
    }
}
