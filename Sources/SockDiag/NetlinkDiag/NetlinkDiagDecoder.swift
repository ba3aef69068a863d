import CSockDiag

/// Decodes one netlink diag message into a `SocketRecord` with `NetlinkDetails`.
///
/// The kernel struct is `netlink_diag_msg`, followed by `NETLINK_DIAG_*` attributes. Netlink sockets have no
/// connection state worth a name: every one is reported `close` (ss's UNCONN), as ss does.
public enum NetlinkDiagDecoder {
    static let messageSize = MemoryLayout<netlink_diag_msg>.size

    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        let msg = try DiagMessage.header(payload, as: netlink_diag_msg.self, name: "netlink_diag_msg")
        var record = SocketRecord(
            netid: .netlink, family: .inet, state: .close, local: .unspecified, peer: .unspecified,
            cookie: DiagMessage.cookie(msg.ndiag_cookie), inode: msg.ndiag_ino)
        record.type = SocketType(rawValue: msg.ndiag_type) ?? .raw
        var details = NetlinkDetails(
            netlinkProtocol: msg.ndiag_protocol, portID: msg.ndiag_portid, peerPortID: msg.ndiag_dst_portid,
            peerGroup: msg.ndiag_dst_group)
        try NetlinkAttributes.forEach(in: DiagMessage.attributes(payload, after: messageSize)) { kind, value in
            switch Int(kind) {
            case NETLINK_DIAG_GROUPS:
                // A bitmap of u32 words: bit n of word w is group w * 32 + n + 1.
                for word in 0..<(value.count / 4) {
                    let bits = value.loadUnaligned(fromByteOffset: word * 4, as: UInt32.self)
                    for bit in 0..<32 where bits & (1 << UInt32(bit)) != 0 {
                        details.groups.append(UInt32(word * 32 + bit + 1))
                    }
                }
            case NETLINK_DIAG_MEMINFO:
                DiagMessage.memoryAsQueues(value, into: &record)
            default:
                break
            }
        }
        record.netlink = details
        return record
    }
}
