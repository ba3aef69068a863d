import SockFuzz
import Testing

@testable import SockDiag

/// The UNIX, netlink, packet and vsock decoders and the /proc/net/raw parser on synthetic bytes: truncated,
/// oversized and unknown input. Layouts written from <linux/unix_diag.h>, <linux/netlink_diag.h>,
/// <linux/packet_diag.h>, <linux/vm_sockets_diag.h> offsets, not from the structs the decoders import.
@Suite struct FamilyDecoderTests {
    /// `unix_diag_msg` (16 bytes) and attributes.
    static func unixMessage(type: UInt8 = 1, state: UInt8 = 10, inode: UInt32 = 77, attributes: [(UInt16, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [1, type, state, 0]  // AF_UNIX
        out.append(native: inode)
        out.append(native: UInt32(5))  // cookie low
        out.append(native: UInt32(1))  // cookie high
        for (kind, payload) in attributes { out.append(attribute: kind, payload: payload) }
        return out
    }

    @Test func unixMessageWithEveryAttributeDecodes() throws {
        let bytes = Self.unixMessage(attributes: [
            (0, Array("/run/x.sock".utf8) + [0]),  // UNIX_DIAG_NAME
            (1, [UInt8](words: [1234, 8])),  // VFS: inode, device
            (2, [UInt8](words: [99])),  // PEER
            (3, [UInt8](words: [501, 502])),  // ICONS
            (4, [UInt8](words: [2, 128])),  // RQLEN
            (7, [UInt8](words: [1000])),  // UID
            (200, [1, 2, 3]),  // unknown: skipped
        ])
        let record = try #require(try bytes.withUnsafeBytes { try UnixDiagDecoder.decode($0) })
        #expect(record.netid == .unix && record.type == .stream && record.state == .listen)
        #expect(record.inode == 77 && record.cookie == 1 << 32 | 5)
        #expect(record.unix == {
            var d = UnixDetails(path: "/run/x.sock", peerInode: 99, pending: [501, 502])
            d.vfsInode = 1234
            d.vfsDevice = 8
            return d
        }())
        #expect(record.recvQ == 2 && record.sendQ == 128 && record.uid == 1000)
    }

    @Test func abstractNamesShowAsAtWithInnerNULsAsAt() throws {
        let bytes = Self.unixMessage(attributes: [(0, [0] + Array("a".utf8) + [0] + Array("b".utf8))])
        let record = try #require(try bytes.withUnsafeBytes { try UnixDiagDecoder.decode($0) })
        #expect(record.unix?.path == "@a@b")
    }

    @Test func shortAttributesAreIgnoredAndTruncatedMessagesThrow() throws {
        let bytes = Self.unixMessage(attributes: [(2, [1, 2]), (4, [1, 2, 3, 4])])
        let record = try #require(try bytes.withUnsafeBytes { try UnixDiagDecoder.decode($0) })
        #expect(record.unix?.peerInode == nil && record.recvQ == 0)
        #expect(throws: DiagError.self) { try Array(bytes.prefix(15)).withUnsafeBytes { try UnixDiagDecoder.decode($0) } }
        // An attribute whose length runs past the message.
        var overlong = Self.unixMessage(attributes: [(2, [UInt8](words: [7]))])
        overlong.store(UInt16(64), at: 16)
        #expect(throws: DiagError.self) { try overlong.withUnsafeBytes { try UnixDiagDecoder.decode($0) } }
    }

    @Test func unknownUnixTypeOrStateIsSkipped() throws {
        let bytes = Self.unixMessage(type: 9, attributes: [])
        #expect(try bytes.withUnsafeBytes { try UnixDiagDecoder.decode($0) } == nil)
        let state = Self.unixMessage(state: 40, attributes: [])
        #expect(try state.withUnsafeBytes { try UnixDiagDecoder.decode($0) } == nil)
    }

    @Test func netlinkMessageDecodesGroupsFromTheBitmap() throws {
        // netlink_diag_msg: family, type, protocol, state, portid, dst_portid, dst_group, ino, cookie[2] (28 bytes).
        var bytes: [UInt8] = [16, 3, 16, 0]
        bytes += [UInt8](words: [4321, 0, 0, 555, 9, 0])
        bytes.append(attribute: 1, payload: [UInt8](words: [0b101, 1 << 31]))  // NETLINK_DIAG_GROUPS
        let record = try #require(try bytes.withUnsafeBytes { try NetlinkDiagDecoder.decode($0) })
        #expect(record.netlink == NetlinkDetails(netlinkProtocol: 16, portID: 4321, peerPortID: 0, peerGroup: 0, groups: [1, 3, 64]))
        #expect(record.netlink?.protocolName == "genl")
        #expect(record.inode == 555 && record.cookie == 9 && record.state == .close)
        #expect(throws: DiagError.self) { try Array(bytes.prefix(27)).withUnsafeBytes { try NetlinkDiagDecoder.decode($0) } }
    }

    @Test func packetMessageDecodesProtocolAndInterface() throws {
        // packet_diag_msg: family, type, num (u16), ino, cookie[2] (16 bytes); PACKET_DIAG_INFO starts with ifindex.
        var bytes: [UInt8] = [17, 2]
        bytes.append(native: UInt16(0x0800))
        bytes += [UInt8](words: [808, 3, 0])
        bytes.append(attribute: 0, payload: [UInt8](words: [2, 0, 0, 0, 0, 0]))  // PACKET_DIAG_INFO
        bytes.append(attribute: 5, payload: [UInt8](words: [42]))  // PACKET_DIAG_UID
        let record = try #require(try bytes.withUnsafeBytes { try PacketDiagDecoder.decode($0) })
        #expect(record.packet == PacketDetails(etherType: 0x0800, interface: 2))
        #expect(record.packet?.etherTypeName == "ip")
        #expect(record.type == .dgram && record.uid == 42 && record.inode == 808)
    }

    @Test func vsockMessageDecodesBothEnds() throws {
        // vsock_diag_msg: family, type, state, shutdown, src_cid, src_port, dst_cid, dst_port, ino, cookie[2].
        var bytes: [UInt8] = [40, 1, 1, 0]
        bytes += [UInt8](words: [3, 1024, 2, 5000, 31, 4, 0])
        let record = try #require(try bytes.withUnsafeBytes { try VsockDiagDecoder.decode($0) })
        #expect(record.vsock == VsockDetails(localCID: 3, localPort: 1024, peerCID: 2, peerPort: 5000))
        #expect(record.state == .established && record.inode == 31 && record.cookie == 4)
        // Longer than today's struct (a newer kernel): the known part still decodes.
        #expect(try (bytes + [0, 0, 0, 0]).withUnsafeBytes { try VsockDiagDecoder.decode($0) }?.inode == 31)
        #expect(throws: DiagError.self) { try Array(bytes.dropLast()).withUnsafeBytes { try VsockDiagDecoder.decode($0) } }
    }

    @Test func procNetRawLinesParseAsRawDiagWouldReport() throws {
        let v4 = Array("   1: 0100007F:0001 00000000:0000 07 00000000:00000010 00:00000000 00000000     0        0 4242 2 0000000000000000 0".utf8)
        let record = try #require(ProcNetRaw.parse(v4[...], family: .inet))
        #expect(record.netid == .raw && record.state == .close && record.inode == 4242)
        #expect(record.local == InetEndpoint(address: IPAddress("127.0.0.1")!, port: 1))
        #expect(record.recvQ == 16 && record.sendQ == 0 && record.uid == 0)
        let v6 = Array("  12: 00000000000000000000000001000000:003A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 99 2 0000000000000000 0".utf8)
        let six = try #require(ProcNetRaw.parse(v6[...], family: .inet6))
        #expect(six.local == InetEndpoint(address: IPAddress("::1")!, port: 58) && six.uid == 1000)
        for broken in ["", "sl local", "   1: 0100007F:0001 00000000:0000 ZZ 0:0 0:0 0 0 0 1", "   1: 0100007F 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1"] {
            #expect(ProcNetRaw.parse(Array(broken.utf8)[...], family: .inet) == nil, "\(broken)")
        }
    }
}
