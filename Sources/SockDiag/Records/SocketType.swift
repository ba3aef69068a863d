/// A socket's type, as `socket(2)` takes it.
///
/// The kernel's values are `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW` and `SOCK_SEQPACKET`.
public enum SocketType: UInt8, Sendable, CaseIterable {
    case stream = 1
    case dgram = 2
    case raw = 3
    case seqpacket = 5

    /// The lower-case name JSON prints.
    public var name: String {
        switch self {
        case .stream: "stream"
        case .dgram: "dgram"
        case .raw: "raw"
        case .seqpacket: "seqpacket"
        }
    }

    /// The three-letter suffix of `ss`'s Netid column: `u_str`, `u_dgr`, `u_seq`, `p_raw`.
    public var shortName: String {
        switch self {
        case .stream: "str"
        case .dgram: "dgr"
        case .raw: "raw"
        case .seqpacket: "seq"
        }
    }

    /// The type an INET transport's sockets have.
    public init(inet netid: NetID) {
        switch netid {
        case .udp, .udplite: self = .dgram
        case .raw: self = .raw
        case .sctp: self = .seqpacket
        default: self = .stream
        }
    }
}
