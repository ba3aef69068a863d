import CSockDiag

/// Decodes one vsock diag message into a `SocketRecord` with `VsockDetails`.
///
/// The kernel struct is `vsock_diag_msg` (no attributes). vsock states reuse the TCP numbering.
public enum VsockDiagDecoder {
    static let messageSize = MemoryLayout<vsock_diag_msg>.size

    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        guard payload.count >= messageSize else {
            throw DiagError.malformed("vsock_diag_msg of \(payload.count) bytes, expected \(messageSize)")
        }
        let msg = payload.loadUnaligned(as: vsock_diag_msg.self)
        guard let state = SocketState(rawValue: msg.vdiag_state) else { return nil }
        var record = SocketRecord(
            netid: .vsock, family: .inet, state: state, local: .unspecified, peer: .unspecified,
            cookie: UInt64(msg.vdiag_cookie.0) | UInt64(msg.vdiag_cookie.1) << 32, inode: msg.vdiag_ino)
        record.type = SocketType(rawValue: msg.vdiag_type) ?? .stream
        record.shutdown = msg.vdiag_shutdown
        record.vsock = VsockDetails(
            localCID: msg.vdiag_src_cid, localPort: msg.vdiag_src_port,
            peerCID: msg.vdiag_dst_cid, peerPort: msg.vdiag_dst_port)
        return record
    }
}
