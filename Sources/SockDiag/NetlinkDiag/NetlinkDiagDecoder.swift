import CSockDiag

/// Decodes one netlink diag message into a `SocketRecord` with `NetlinkDetails`.
///
/// The kernel struct is `netlink_diag_msg`, followed by `NETLINK_DIAG_*` attributes. Netlink sockets have no
/// connection state worth a name: every one is reported `close` (ss's UNCONN), as ss does.
public enum NetlinkDiagDecoder {
    static let messageSize = MemoryLayout<netlink_diag_msg>.size

    public static func decode(_ payload: UnsafeRawBufferPointer) throws -> SocketRecord? {
        guard payload.count >= messageSize else {
            throw DiagError.malformed("netlink_diag_msg of \(payload.count) bytes, expected \(messageSize)")
        }
        let msg = payload.loadUnaligned(as: netlink_diag_msg.self)
        var record = SocketRecord(
            netid: .netlink, family: .inet, state: .close, local: .unspecified, peer: .unspecified,
            cookie: UInt64(msg.ndiag_cookie.0) | UInt64(msg.ndiag_cookie.1) << 32, inode: msg.ndiag_ino)
        record.type = SocketType(rawValue: msg.ndiag_type) ?? .raw
        var details = NetlinkDetails(
            netlinkProtocol: msg.ndiag_protocol, portID: msg.ndiag_portid, peerPortID: msg.ndiag_dst_portid,
            peerGroup: msg.ndiag_dst_group)
        let attributes = UnsafeRawBufferPointer(
            rebasing: payload[min(payload.count, Int(CSockDiag_NLMSG_ALIGN(UInt32(messageSize))))...])
        try NetlinkAttributes.forEach(in: attributes) { kind, value in
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
                record.skMemInfo = SkMemInfo(bytes: value)
                if let rmem = record.skMemInfo?[0] { record.recvQ = rmem }
                if let wmem = record.skMemInfo?[2] { record.sendQ = wmem }
            default:
                break
            }
        }
        record.netlink = details
        return record
    }
}
