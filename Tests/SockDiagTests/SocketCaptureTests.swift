import Glibc
import SockTestSupport
import Testing

@testable import SockDiag

/// SocketCapture on live dumps of several families: decoding again, in order and by position, gives back what
/// the dump delivered, namespace tags included.
@Suite struct SocketCaptureTests {
    @Test func positionsAndOrderGiveBackTheDumpedSockets() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let (left, right) = LiveSocket.unixPair()
        let raw = LiveSocket.rawICMP()  // nil without CAP_NET_RAW: then no /proc-decoded entries
        let client6 = try DiagClient()
        var capture = SocketCapture(keeping: [.info])
        var dumped: [(inode: UInt32, netid: NetID, netns: UInt64, cookie: UInt64)] = []
        func keep(_ record: borrowing SocketRecord) -> Bool {
            dumped.append((record.inode, record.netid, record.netns, record.cookie))
            return true
        }
        // Three namespace tags in runs, as --all-netns would make them (the tag is only a label here).
        client6.netnsTag = 11
        try client6.capture(.inet(InetRequest(netid: .tcp, family: .inet, states: .all, extensions: [.info])), into: &capture, where: keep)
        client6.netnsTag = 22
        try client6.capture(.family(FamilyRequest(netid: .unix, states: .all)), into: &capture, where: keep)
        client6.netnsTag = 33
        try client6.capture(.inet(InetRequest(netid: .raw, family: .inet, states: .all)), into: &capture, where: keep)

        #expect(capture.count == dumped.count)
        #expect(capture.inodes == dumped.map(\.inode))
        var inOrder: [(UInt32, NetID, UInt64, UInt64)] = []
        try capture.forEachWithPosition { position, record in
            inOrder.append((record.inode, record.netid, record.netns, record.cookie))
            let again = try #require(try capture.record(at: position))
            #expect(again.inode == record.inode && again.cookie == record.cookie && again.netns == record.netns)
            #expect(again.netid == record.netid && again.state == record.state && again.local == record.local)
            #expect((again.tcpInfo != nil) == (record.tcpInfo != nil))
            #expect(again.unix == record.unix)
        }
        #expect(inOrder.count == dumped.count)
        for (a, b) in zip(inOrder, dumped) {
            #expect(a.0 == b.inode && a.1 == b.netid && a.2 == b.netns && a.3 == b.cookie)
        }
        // The test's own sockets are there, with their tags and what each family carries.
        let mine = Dictionary(inOrder.map { ($0.0, $0) }, uniquingKeysWith: { a, _ in a })
        for socket in [listener, client, server] { #expect(mine[UInt32(socket.inode)]?.2 == 11) }
        #expect(mine[UInt32(left.inode)]?.2 == 22 && mine[UInt32(right.inode)]?.1 == .unix)
        if let raw { #expect(mine[UInt32(raw.inode)]?.2 == 33 && mine[UInt32(raw.inode)]?.1 == .raw) }
    }
}
