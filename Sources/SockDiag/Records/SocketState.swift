/// A socket's state, numbered as the kernel numbers TCP states.
///
/// The kernel's states are `TCP_ESTABLISHED` … `TCP_NEW_SYN_RECV` in `include/net/tcp_states.h`. UDP reuses them:
/// a connected UDP socket is `established`, an unconnected one `close`.
public enum SocketState: UInt8, Sendable, CaseIterable {
    case established = 1
    case synSent = 2
    case synRecv = 3
    case finWait1 = 4
    case finWait2 = 5
    case timeWait = 6
    case close = 7
    case closeWait = 8
    case lastAck = 9
    case listen = 10
    case closing = 11
    case newSynRecv = 12

    /// The lower-case name `--state` takes and JSON prints (`ss`'s spelling).
    public var name: String {
        switch self {
        case .established: "established"
        case .synSent: "syn-sent"
        case .synRecv: "syn-recv"
        case .finWait1: "fin-wait-1"
        case .finWait2: "fin-wait-2"
        case .timeWait: "time-wait"
        case .close: "close"
        case .closeWait: "close-wait"
        case .lastAck: "last-ack"
        case .listen: "listen"
        case .closing: "closing"
        case .newSynRecv: "new-syn-recv"
        }
    }

    /// The upper-case name netstat prints.
    public var netstatName: String {
        switch self {
        case .established: "ESTABLISHED"
        case .synSent: "SYN_SENT"
        case .synRecv: "SYN_RECV"
        case .finWait1: "FIN_WAIT1"
        case .finWait2: "FIN_WAIT2"
        case .timeWait: "TIME_WAIT"
        case .close: "CLOSE"
        case .closeWait: "CLOSE_WAIT"
        case .lastAck: "LAST_ACK"
        case .listen: "LISTEN"
        case .closing: "CLOSING"
        case .newSynRecv: "NEW_SYN_RECV"
        }
    }

    /// This state's bit in the request's `idiag_states` mask.
    public var bit: UInt32 { 1 << UInt32(rawValue) }
}
