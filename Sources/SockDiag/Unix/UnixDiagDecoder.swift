import CSockDiag

/// Decodes one UNIX diag message into a `SocketRecord` with `UnixDetails`.
///
/// The kernel struct is `unix_diag_msg`, followed by `UNIX_DIAG_*` attributes. Unknown attributes are skipped;
/// one too short for its struct is ignored.
public enum UnixDiagDecoder {
    static let messageSize = MemoryLayout<unix_diag_msg>.size

    /// Decodes `payload` (the bytes after the `nlmsghdr`); nil for a type or state sockwatch does not know.
    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        guard payload.count >= messageSize else {
            throw DiagError.malformed("unix_diag_msg of \(payload.count) bytes, expected \(messageSize)")
        }
        let msg = payload.loadUnaligned(as: unix_diag_msg.self)
        guard let type = SocketType(rawValue: msg.udiag_type), let state = SocketState(rawValue: msg.udiag_state)
        else { return nil }
        var record = SocketRecord(
            netid: .unix, family: .inet, state: state, local: .unspecified, peer: .unspecified,
            cookie: UInt64(msg.udiag_cookie.0) | UInt64(msg.udiag_cookie.1) << 32, inode: msg.udiag_ino)
        record.type = type
        var details = UnixDetails()
        let attributes = UnsafeRawBufferPointer(
            rebasing: payload[min(payload.count, Int(CSockDiag_NLMSG_ALIGN(UInt32(messageSize))))...])
        try NetlinkAttributes.forEach(in: attributes) { kind, value in
            switch Int(kind) {
            case UNIX_DIAG_NAME:
                details.path = name(value)
            case UNIX_DIAG_VFS:
                if value.count >= 8 {
                    details.vfsInode = value.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
                    details.vfsDevice = value.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                }
            case UNIX_DIAG_PEER:
                if value.count >= 4 { details.peerInode = value.loadUnaligned(as: UInt32.self) }
            case UNIX_DIAG_ICONS:
                details.pending = (0..<(value.count / 4)).map {
                    value.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)
                }
            case UNIX_DIAG_RQLEN:
                // Listeners: connections waiting and the backlog; others: bytes queued each way.
                if value.count >= 8 {
                    record.recvQ = value.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
                    record.sendQ = value.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                }
            case UNIX_DIAG_MEMINFO:
                record.skMemInfo = SkMemInfo(bytes: value)
            case UNIX_DIAG_SHUTDOWN:
                if value.count >= 1 { record.shutdown = value[0] }
            case UNIX_DIAG_UID:
                if value.count >= 4 { record.uid = value.loadUnaligned(as: UInt32.self) }
            default:
                break
            }
        }
        record.unix = details
        return record
    }

    /// The name as ss prints it: abstract names (leading NUL) as `@name`, inner NULs as `@`.
    static func name(_ value: UnsafeRawBufferPointer) -> String? {
        guard !value.isEmpty else { return nil }
        if value[0] == 0 {
            return "@" + String(decoding: value.dropFirst().map { $0 == 0 ? 0x40 : $0 }, as: UTF8.self)
        }
        return String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
    }
}
