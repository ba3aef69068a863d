import CSockDiag

/// Decodes one packet diag message into a `SocketRecord` with `PacketDetails`.
///
/// The kernel struct is `packet_diag_msg`, followed by `PACKET_DIAG_*` attributes. Packet sockets are reported
/// `close` (ss's UNCONN), as ss does.
public enum PacketDiagDecoder {
    static let messageSize = MemoryLayout<packet_diag_msg>.size

    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        let msg = try DiagMessage.header(payload, as: packet_diag_msg.self, name: "packet_diag_msg")
        var record = SocketRecord(
            netid: .packet, family: .inet, state: .close, local: .unspecified, peer: .unspecified,
            cookie: DiagMessage.cookie(msg.pdiag_cookie), inode: msg.pdiag_ino)
        record.type = SocketType(rawValue: msg.pdiag_type) ?? .raw
        // pdiag_num is the protocol as bound, already in host order (the kernel sends ntohs(po->num)).
        var details = PacketDetails(etherType: msg.pdiag_num, interface: 0)
        try NetlinkAttributes.forEach(in: DiagMessage.attributes(payload, after: messageSize)) { kind, value in
            switch Int(kind) {
            case PACKET_DIAG_INFO:
                if value.count >= 4 { details.interface = value.loadUnaligned(as: UInt32.self) }
            case PACKET_DIAG_UID:
                if value.count >= 4 { record.uid = value.loadUnaligned(as: UInt32.self) }
            case PACKET_DIAG_MEMINFO:
                DiagMessage.memoryAsQueues(value, into: &record)
            default:
                break
            }
        }
        record.packet = details
        return record
    }
}
