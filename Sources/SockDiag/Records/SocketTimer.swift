/// The timer running on a socket, as `inet_diag_msg` reports it.
///
/// The kernel fields are `idiag_timer`, `idiag_expires` (milliseconds) and `idiag_retrans`.
public struct SocketTimer: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case off = 0
        case on = 1          // retransmit timer
        case keepalive = 2
        case timeWait = 3
        case probe = 4       // zero window probe
        case unknown = 255

        /// The name `ss -o` and netstat print.
        public var name: String {
            switch self {
            case .off: "off"
            case .on: "on"
            case .keepalive: "keepalive"
            case .timeWait: "timewait"
            case .probe: "probe"
            case .unknown: "unknown"
            }
        }
    }

    public var kind: Kind
    /// Milliseconds until it fires.
    public var expiresMilliseconds: UInt32
    /// Retransmits (or probes) so far.
    public var retransmits: UInt8

    public init(kind: Kind, expiresMilliseconds: UInt32, retransmits: UInt8) {
        self.kind = kind
        self.expiresMilliseconds = expiresMilliseconds
        self.retransmits = retransmits
    }
}
