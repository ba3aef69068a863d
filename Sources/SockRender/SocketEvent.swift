import SockPipeline
import SockDiag

/// One change in the socket table: a socket appeared, changed state, or was destroyed.
public struct SocketEvent: Sendable {
    /// What happened.
    public enum Kind: String, Sendable {
        /// First seen in a dump.
        case new
        /// Seen in another state than in the dump before.
        case state
        /// Freed by the kernel (a sock_diag destroy notice).
        case destroy
    }

    public var kind: Kind
    /// When sockwatch saw it: nanoseconds since the epoch (`CLOCK_REALTIME`).
    public var time: UInt64
    /// The socket as the dump or the destroy notice reported it.
    public var record: SocketRecord
    /// For `.state`: the state in the dump before.
    public var previousState: SocketState?
    /// The holders joined from /proc when the socket was first seen; nil when sockwatch never saw its owner
    /// (a destroy of a socket it had not seen in a dump).
    public var holders: [SocketHolder]?
    /// For `.destroy`: nanoseconds since the dump that first saw the socket; nil when it was already open when
    /// sockwatch started, or never seen.
    public var duration: UInt64?
    /// With `--cgroup`/`--containers`: the socket's cgroup (the kernel's id for it); nil when not asked or unknown.
    public var cgroup: CgroupInfo?

    public init(
        kind: Kind, time: UInt64, record: SocketRecord, previousState: SocketState? = nil,
        holders: [SocketHolder]? = nil, duration: UInt64? = nil
    ) {
        self.kind = kind
        self.time = time
        self.record = record
        self.previousState = previousState
        self.holders = holders
        self.duration = duration
    }
}
