/// One line of `/proc/net/unix`: what net-tools netstat and lsof show of a UNIX socket that sock_diag does not
/// report.
///
/// The kernel writes it in `unix_seq_show`: `Num: RefCount Protocol Flags Type St Inode Path`. `Num` is the
/// socket's kernel address as `%pK` prints it (hashed, or zeros under `kptr_restrict`), `RefCount` the socket's
/// reference count (`sk_refcnt`), `Flags` `__SO_ACCEPTCON` for a listener, `St` the `SS_*` state of the socket
/// (`SS_CONNECTING`/`SS_DISCONNECTING` for a socket with no file yet: one accepted by the kernel, not by the
/// server). None of these are in `unix_diag_msg` or its attributes.
public struct ProcNetUnixLine: Sendable, Equatable {
    /// `Num` as printed, without the colon: 16 hex digits on a 64-bit kernel.
    public var address: String
    public var refCount: UInt32
    public var flags: UInt32
    /// `SOCK_STREAM`…, as a number (`Type`).
    public var type: UInt16
    /// `SS_UNCONNECTED` (1), `SS_CONNECTING` (2), `SS_CONNECTED` (3), `SS_DISCONNECTING` (4) (`St`).
    public var socketState: UInt8
    /// 0 for a socket the server has not accepted yet.
    public var inode: UInt32
    /// The name as the kernel prints it (`@` for the abstract namespace's NUL bytes), up to the end of the line;
    /// nil when unbound.
    public var path: [UInt8]?

    public init(
        address: String, refCount: UInt32, flags: UInt32, type: UInt16, socketState: UInt8, inode: UInt32,
        path: [UInt8]?
    ) {
        self.address = address
        self.refCount = refCount
        self.flags = flags
        self.type = type
        self.socketState = socketState
        self.inode = inode
        self.path = path
    }

    /// `__SO_ACCEPTCON`: the socket listens.
    public static let acceptConnections: UInt32 = 1 << 16
    /// `SO_WAITDATA` and `SO_NOSPACE`, which netstat still knows (no current kernel sets them).
    public static let waitData: UInt32 = 1 << 17
    public static let noSpace: UInt32 = 1 << 18

    public var isListening: Bool { flags & Self.acceptConnections != 0 }

    /// The type's name as netstat and lsof print it: `STREAM`, `DGRAM`, `SEQPACKET`…
    public var typeName: String? { Self.name(ofType: type) }

    /// `STREAM` for `SOCK_STREAM`…; nil for a number with no name.
    public static func name(ofType type: UInt16) -> String? {
        switch type {
        case 1: "STREAM"
        case 2: "DGRAM"
        case 3: "RAW"
        case 4: "RDM"
        case 5: "SEQPACKET"
        case 6: "DCCP"
        case 10: "PACKET"
        default: nil
        }
    }
}
