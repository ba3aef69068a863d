import CSockDiag

/// Decodes one vsock diag message into a `SocketRecord` with `VsockDetails`.
///
/// The kernel struct is `vsock_diag_msg` (no attributes). vsock states reuse the TCP numbering.
public enum VsockDiagDecoder {
    static let messageSize = MemoryLayout<vsock_diag_msg>.size

    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        let msg = try DiagMessage.header(payload, as: vsock_diag_msg.self, name: "vsock_diag_msg")
        guard let state = SocketState(rawValue: msg.vdiag_state) else { return nil }
        var record = SocketRecord(
            netid: .vsock, family: .inet, state: state, local: .unspecified, peer: .unspecified,
            cookie: DiagMessage.cookie(msg.vdiag_cookie), inode: msg.vdiag_ino)
        record.type = SocketType(rawValue: msg.vdiag_type) ?? .stream
        record.shutdown = msg.vdiag_shutdown
        record.vsock = VsockDetails(
            localCID: msg.vdiag_src_cid, localPort: msg.vdiag_src_port,
            peerCID: msg.vdiag_dst_cid, peerPort: msg.vdiag_dst_port)
        return record
    }
}
