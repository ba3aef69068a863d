import CSockDiag

/// Decodes one INET diag message into a `SocketRecord`.
///
/// The kernel struct is `inet_diag_msg`, followed by `INET_DIAG_*` attributes. Unknown attributes are skipped;
/// an attribute too short for its struct is ignored rather than read past its end.
public enum InetDiagDecoder {
    static let messageSize = MemoryLayout<inet_diag_msg>.size
    static let inodeOffset = MemoryLayout<inet_diag_msg>.offset(of: \inet_diag_msg.idiag_inode)!

    /// The socket's inode (`idiag_inode`), read without decoding the rest; nil when `payload` is too short.
    @inline(__always)
    static func inode(of payload: UnsafeRawBufferPointer) -> UInt32? {
        guard payload.count >= messageSize else { return nil }
        return payload.loadUnaligned(fromByteOffset: inodeOffset, as: UInt32.self)
    }

    /// Decodes `payload` (the bytes after the `nlmsghdr`). Returns nil for a socket in a state sockwatch does not
    /// know (a newer kernel's); throws when the bytes are malformed.
    public static func decode(_ payload: UnsafeRawBufferPointer, netid: NetID) throws -> SocketRecord? {
        var decoded: SocketRecord?
        try decode(payload, netid: netid) { decoded = copy $0 }
        return decoded
    }

    /// Decodes `payload` and lends the record to `body`, tagged with `netns`, without copying it out: a record
    /// is several hundred bytes, and a listing decodes one per socket. `body` is not called for a socket in a
    /// state sockwatch does not know.
    @inline(__always)
    static func decode(
        _ payload: UnsafeRawBufferPointer, netid: NetID, netns: UInt64 = 0,
        _ body: (borrowing SocketRecord) throws -> Void
    ) throws {
        let msg = try DiagMessage.header(payload, as: inet_diag_msg.self, name: "inet_diag_msg")
        guard let family = IPAddress.Family(rawValue: msg.idiag_family) else {
            throw DiagError.malformed("inet_diag_msg with address family \(msg.idiag_family)")
        }
        guard let state = SocketState(rawValue: msg.idiag_state) else { return }

        let srcOffset = MemoryLayout<inet_diag_msg>.offset(of: \inet_diag_msg.id.idiag_src)!
        let dstOffset = MemoryLayout<inet_diag_msg>.offset(of: \inet_diag_msg.id.idiag_dst)!
        /// The 16 address bytes at `offset` (an IPv4 address in the first 4) and a port in network order.
        func endpoint(at offset: Int, port: UInt16) -> InetEndpoint {
            InetEndpoint(
                address: IPAddress(
                    family: family,
                    high: payload.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                    low: payload.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
                port: UInt16(bigEndian: port))
        }
        let local = endpoint(at: srcOffset, port: msg.id.idiag_sport)
        let peer = endpoint(at: dstOffset, port: msg.id.idiag_dport)

        var record = SocketRecord(
            netid: netid, family: family, state: state, local: local, peer: peer,
            interface: msg.id.idiag_if,
            cookie: DiagMessage.cookie(msg.id.idiag_cookie),
            timer: SocketTimer(
                kind: SocketTimer.Kind(rawValue: msg.idiag_timer) ?? .unknown,
                expiresMilliseconds: msg.idiag_expires, retransmits: msg.idiag_retrans),
            recvQ: msg.idiag_rqueue, sendQ: msg.idiag_wqueue, uid: msg.idiag_uid, inode: msg.idiag_inode)
        record.netns = netns

        try NetlinkAttributes.forEach(in: DiagMessage.attributes(payload, after: messageSize)) { type, value in
            decodeAttribute(type: type, value, into: &record)
        }
        try body(record)
    }

    @inline(__always)
    static func decodeAttribute(type: UInt16, _ value: UnsafeRawBufferPointer, into record: inout SocketRecord) {
        switch Int(type) {
        case INET_DIAG_INFO:
            // A UDP socket answers with an empty or foreign struct; only TCP carries tcp_info.
            if record.netid == .tcp, value.count > 0 {
                record.tcpInfo = TCPInfo(bytes: value)
            } else if record.netid == .mptcp {
                record.mptcpInfo = MPTCPInfo(bytes: value)
            }
        case INET_DIAG_MEMINFO:
            if value.count >= 16 {
                record.memInfo = MemInfo(
                    rmem: value.loadUnaligned(fromByteOffset: 0, as: UInt32.self),
                    wmem: value.loadUnaligned(fromByteOffset: 4, as: UInt32.self),
                    fmem: value.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                    tmem: value.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
            }
        case INET_DIAG_SKMEMINFO:
            record.skMemInfo = SkMemInfo(bytes: value)
        case INET_DIAG_CONG:
            let bytes = value.prefix { $0 != 0 }
            if !bytes.isEmpty { record.congestion = String(decoding: bytes, as: UTF8.self) }
        case INET_DIAG_SHUTDOWN:
            if value.count >= 1 { record.shutdown = value[0] }
        case INET_DIAG_TOS:
            if value.count >= 1 { record.tos = value[0] }
        case INET_DIAG_TCLASS:
            if value.count >= 1 { record.trafficClass = value[0] }
        case INET_DIAG_SKV6ONLY:
            if value.count >= 1 { record.v6only = value[0] != 0 }
        case INET_DIAG_MARK:
            if value.count >= 4 { record.mark = value.loadUnaligned(as: UInt32.self) }
        case INET_DIAG_CGROUP_ID:
            if value.count >= 8 { record.cgroupID = value.loadUnaligned(as: UInt64.self) }
        case INET_DIAG_SOCKOPT:
            if value.count >= 2 { record.options = SocketOptions(rawValue: value.loadUnaligned(as: UInt16.self)) }
        default:
            break  // unknown or not decoded: skipped
        }
    }
}
