import CSockDiag

/// Decodes one UNIX diag message into a `SocketRecord` with `UnixDetails`.
///
/// The kernel struct is `unix_diag_msg`, followed by `UNIX_DIAG_*` attributes. Unknown attributes are skipped;
/// one too short for its struct is ignored.
public enum UnixDiagDecoder {
    static let messageSize = MemoryLayout<unix_diag_msg>.size

    /// Decodes `payload` (the bytes after the `nlmsghdr`); nil for a type or state sockwatch does not know.
    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        let msg = try DiagMessage.header(payload, as: unix_diag_msg.self, name: "unix_diag_msg")
        guard let type = SocketType(rawValue: msg.udiag_type), let state = SocketState(rawValue: msg.udiag_state)
        else { return nil }
        var record = SocketRecord(
            netid: .unix, family: .inet, state: state, local: .unspecified, peer: .unspecified,
            cookie: DiagMessage.cookie(msg.udiag_cookie), inode: msg.udiag_ino)
        record.type = type
        var details = UnixDetails()
        try NetlinkAttributes.forEach(in: DiagMessage.attributes(payload, after: messageSize)) { kind, value in
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
            return "@" + String(rawBytes: value.dropFirst().map { $0 == 0 ? 0x40 : $0 })
        }
        return String(rawBytes: value.prefix { $0 != 0 })
    }
}
