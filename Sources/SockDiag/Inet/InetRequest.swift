import CSockDiag

/// Which attributes to ask the kernel for, as the request's `idiag_ext` bits.
public struct DiagExtensions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `INET_DIAG_MEMINFO`.
    public static let memInfo = DiagExtensions(rawValue: CSockDiag_ext_bit(UInt16(INET_DIAG_MEMINFO)))
    /// `INET_DIAG_INFO`: `tcp_info`.
    public static let info = DiagExtensions(rawValue: CSockDiag_ext_bit(UInt16(INET_DIAG_INFO)))
    /// `INET_DIAG_CONG`: the congestion control name.
    public static let congestion = DiagExtensions(rawValue: CSockDiag_ext_bit(UInt16(INET_DIAG_CONG)))
    /// `INET_DIAG_TOS`.
    public static let tos = DiagExtensions(rawValue: CSockDiag_ext_bit(UInt16(INET_DIAG_TOS)))
    /// `INET_DIAG_TCLASS` (also brings `INET_DIAG_CLASS_ID`).
    public static let trafficClass = DiagExtensions(rawValue: CSockDiag_ext_bit(UInt16(INET_DIAG_TCLASS)))
    /// `INET_DIAG_SKMEMINFO`.
    public static let skMemInfo = DiagExtensions(rawValue: CSockDiag_ext_bit(UInt16(INET_DIAG_SKMEMINFO)))
}

/// One INET diag dump: a transport, an address family, the states wanted and the attributes wanted.
///
/// The kernel struct is `inet_diag_req_v2`.
public struct InetRequest: Sendable, Hashable {
    public var netid: NetID
    public var family: IPAddress.Family
    public var states: StateSet
    public var extensions: DiagExtensions
    /// `INET_DIAG_REQ_BYTECODE`: a filter the kernel runs on each socket; empty for none.
    public var bytecode: [UInt8]
    /// The socket a lookup names (`DiagClient.lookup`); nil for a dump.
    public var id: SocketID?
    /// TCP over both families in one walk of the kernel's tables (`family` is then ignored): sent as the
    /// kernel's compatibility request `TCPDIAG_GETSOCK`, which it dumps with an unspecified family. Two
    /// `SOCK_DIAG_BY_FAMILY` dumps (IPv4, then IPv6) walk every table twice; this walks it once. The sockets
    /// arrive in the kernel's hash order, IPv4 and IPv6 mixed.
    public var bothFamilies = false
    /// A local port every wanted socket has, 0 for any: the kernel compares it (`id.idiag_sport` of a dump)
    /// before it runs the bytecode or builds a message. Sent for TCP, UDP and UDP-Lite only (`kernelPorts`).
    public var localPort: UInt16 = 0
    /// The same for the remote port (`id.idiag_dport`).
    public var remotePort: UInt16 = 0

    /// `localPort` and `remotePort` as the kernel gets them: only TCP, UDP and UDP-Lite dumps compare the
    /// request id's ports (other transports' dumps do not), so the others are sent none.
    public var kernelPorts: (local: UInt16, remote: UInt16) {
        switch netid {
        case .tcp, .udp, .udplite: (localPort, remotePort)
        default: (0, 0)
        }
    }

    public init(
        netid: NetID, family: IPAddress.Family, states: StateSet,
        extensions: DiagExtensions = [], bytecode: [UInt8] = [], id: SocketID? = nil
    ) {
        self.netid = netid
        self.family = family
        self.states = states
        self.extensions = extensions
        self.bytecode = bytecode
        self.id = id
    }

    /// A short name for messages: "tcp/inet6 dump".
    public var label: String {
        let families = bothFamilies ? "inet+inet6" : family == .inet ? "inet" : "inet6"
        return "\(netid.rawValue)/\(families) \(id == nil ? "dump" : "lookup")"
    }

    /// The same request split into one per family (what a kernel without the compatibility request needs).
    public var perFamily: [InetRequest] {
        guard bothFamilies else { return [self] }
        return [IPAddress.Family.inet, .inet6].map {
            var request = self
            request.bothFamilies = false
            request.family = $0
            return request
        }
    }
}
