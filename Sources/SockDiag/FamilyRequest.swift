import CSockDiag
import Glibc

/// One dump of a non-INET family: UNIX, netlink, packet or vsock sockets in some states.
///
/// The kernel structs are `unix_diag_req`, `netlink_diag_req`, `packet_diag_req` and `vsock_diag_req`; each asks
/// for every attribute sockwatch decodes. Netlink and packet sockets have no states to filter by in the kernel:
/// they are all `close`, and a dump is skipped when `states` leaves that out.
public struct FamilyRequest: Sendable, Hashable {
    public var netid: NetID
    public var states: StateSet
    /// False asks a UNIX dump for no attributes (`udiag_show` 0): the header's state and inode only, for
    /// counting; the names, peers, queues and the pending connections of listeners are not built.
    public var attributes = true

    public init(netid: NetID, states: StateSet) {
        precondition(!netid.isInet, "INET kinds are asked with InetRequest")
        self.netid = netid
        self.states = states
    }

    /// A short name for messages: "unix dump".
    public var label: String { "\(netid.rawValue) dump" }

    /// False when the kernel would answer nothing this request wants (netlink and packet outside `close`).
    public var isNeeded: Bool {
        switch netid {
        case .netlink, .packet: states.contains(.close)
        default: !states.isEmpty
        }
    }

    /// The request struct as the kernel wants it.
    func header() -> [UInt8] {
        switch netid {
        case .unix:
            var r = unix_diag_req()
            r.sdiag_family = UInt8(AF_UNIX)
            r.udiag_states = states.rawValue
            r.udiag_show =
                attributes
                ? UInt32(
                    UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN
                        | UDIAG_SHOW_MEMINFO | UDIAG_SHOW_UID) : 0
            return withUnsafeBytes(of: r) { Array($0) }
        case .netlink:
            var r = netlink_diag_req()
            r.sdiag_family = UInt8(AF_NETLINK)
            r.sdiag_protocol = 0xFF  // NDIAG_PROTO_ALL
            r.ndiag_show = UInt32(NDIAG_SHOW_GROUPS | NDIAG_SHOW_MEMINFO)
            return withUnsafeBytes(of: r) { Array($0) }
        case .packet:
            var r = packet_diag_req()
            r.sdiag_family = UInt8(AF_PACKET)
            r.pdiag_show = UInt32(PACKET_SHOW_INFO | PACKET_SHOW_MEMINFO)
            return withUnsafeBytes(of: r) { Array($0) }
        default:
            var r = vsock_diag_req()
            r.sdiag_family = UInt8(AF_VSOCK)
            r.vdiag_states = states.rawValue
            return withUnsafeBytes(of: r) { Array($0) }
        }
    }

    /// Decodes one answer of this request's family.
    static func decode(_ payload: UnsafeRawBufferPointer, netid: NetID) throws -> SocketRecord? {
        switch netid {
        case .unix: try UnixDiagDecoder.decode(payload)
        case .netlink: try NetlinkDiagDecoder.decode(payload)
        case .packet: try PacketDiagDecoder.decode(payload)
        case .vsock: try VsockDiagDecoder.decode(payload)
        default: try InetDiagDecoder.decode(payload, netid: netid)
        }
    }

    /// Decodes one answer and lends the record, tagged with `netns`, to `body` (INET records without a copy).
    @inline(__always)
    static func decode(
        _ payload: UnsafeRawBufferPointer, netid: NetID, netns: UInt64,
        _ body: (borrowing SocketRecord) throws -> Void
    ) throws {
        switch netid {
        case .unix, .netlink, .packet, .vsock:
            guard var record = try decode(payload, netid: netid) else { return }
            record.netns = netns
            try body(record)
        default:
            try InetDiagDecoder.decode(payload, netid: netid, netns: netns, body)
        }
    }

    /// The size of the fixed message before the attributes, for `netid`'s family.
    static func messageSize(of netid: NetID) -> Int {
        switch netid {
        case .unix: UnixDiagDecoder.messageSize
        case .netlink: NetlinkDiagDecoder.messageSize
        case .packet: PacketDiagDecoder.messageSize
        case .vsock: VsockDiagDecoder.messageSize
        default: InetDiagDecoder.messageSize
        }
    }
}
