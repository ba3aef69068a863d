import Glibc
import SockTestSupport
import Testing

@testable import SockDiag

/// DiagClient on the other families (UNIX, netlink, packet, raw, MPTCP, UDP-Lite), on sockets the test opens.
@Suite struct FamilyLiveTests {
    /// Every socket of a non-INET family, in every state, by inode.
    func family(_ netid: NetID) throws -> [UInt32: SocketRecord] {
        var found: [UInt32: SocketRecord] = [:]
        try DiagClient().dump(.family(FamilyRequest(netid: netid, states: .all))) { found[$0.inode] = copy $0 }
        return found
    }

    static func uniqueName(_ tag: String) -> String { "sockwatch-test-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    @Test func unixSocketsAreReportedWithPathsTypesStatesAndPeers() throws {
        let path = "/tmp/\(Self.uniqueName("named")).sock"
        defer { unlink(path) }
        let listener = LiveSocket.unixListener(path)
        let client = LiveSocket.unixClient(to: path)
        let pending = LiveSocket.unixClient(to: path)
        let accepted = listener.acceptOne()
        let abstractName = "@" + Self.uniqueName("abstract")
        let abstract = LiveSocket.unixListener(abstractName, type: Int32(SOCK_SEQPACKET.rawValue))
        let (left, right) = LiveSocket.unixPair()
        let datagram = LiveSocket.unixDatagram()

        let all = try family(.unix)
        let l = try #require(all[UInt32(listener.inode)])
        #expect(l.netid == .unix && l.type == .stream && l.state == .listen)
        #expect(l.unix?.path == path)
        // One connection accepted, one waiting: the listener reports the waiting one by inode.
        #expect(l.recvQ == 1)
        #expect(l.sendQ == 16)
        #expect(l.unix?.pending?.count == 1)
        #expect(l.uid == getuid())

        let c = try #require(all[UInt32(client.inode)])
        #expect(c.state == .established && c.unix?.path == nil)
        #expect(c.unix?.peerInode == UInt32(accepted.inode))
        let a = try #require(all[UInt32(accepted.inode)])
        #expect(a.unix?.peerInode == UInt32(client.inode))
        #expect(a.unix?.path == path)  // an accepted socket carries its listener's name
        // ICONS names the waiting connections by their client end's inode.
        #expect(l.unix?.pending == [UInt32(pending.inode)])

        let abs = try #require(all[UInt32(abstract.inode)])
        #expect(abs.type == .seqpacket && abs.state == .listen && abs.unix?.path == abstractName)

        let x = try #require(all[UInt32(left.inode)])
        let y = try #require(all[UInt32(right.inode)])
        #expect(x.unix?.peerInode == UInt32(right.inode) && y.unix?.peerInode == UInt32(left.inode))
        #expect(x.state == .established && x.unix?.path == nil)

        let d = try #require(all[UInt32(datagram.inode)])
        #expect(d.type == .dgram && d.state == .close && d.unix?.peerInode == nil)
        #expect(d.cookie != 0)
    }

    @Test func unixStatesAreFilteredByTheKernel() throws {
        let path = "@" + Self.uniqueName("states")
        let listener = LiveSocket.unixListener(path)
        let (left, _) = LiveSocket.unixPair()
        var listening: Set<UInt32> = []
        try DiagClient().dump(.family(FamilyRequest(netid: .unix, states: StateSet(.listen)))) {
            listening.insert($0.inode)
            #expect($0.state == .listen)
        }
        #expect(listening.contains(UInt32(listener.inode)))
        #expect(!listening.contains(UInt32(left.inode)))
    }

    @Test func netlinkSocketIsReportedWithProtocolAndPortID() throws {
        let socket = LiveSocket.netlink(protocol: 0)
        let all = try family(.netlink)
        let record = try #require(all[UInt32(socket.inode)])
        #expect(record.netlink?.netlinkProtocol == 0)
        #expect(record.netlink?.protocolName == "rtnl")
        #expect(record.netlink?.portID == socket.netlinkPortID)
        #expect(record.state == .close)
        // The kernel's own rtnetlink socket is there too, with port id 0.
        #expect(all.values.contains { $0.netlink?.netlinkProtocol == 0 && $0.netlink?.portID == 0 })
    }

    @Test func packetSocketIsReportedWithItsProtocol() throws {
        guard let socket = LiveSocket.packet() else {
            print("skipped: packet sockets need CAP_NET_RAW (run the tests as root)")
            return
        }
        let record = try #require(try family(.packet)[UInt32(socket.inode)])
        #expect(record.packet?.etherType == 0x0003)
        #expect(record.packet?.etherTypeName == "ALL")
        #expect(record.type == .raw)
    }

    @Test func rawSocketIsListedWithoutRawDiag() throws {
        guard let socket = LiveSocket.rawICMP() else {
            print("skipped: raw sockets need CAP_NET_RAW (run the tests as root)")
            return
        }
        let client = try DiagClient()
        var found: SocketRecord?
        try client.dump(.inet(InetRequest(netid: .raw, family: .inet, states: .all))) { record in
            if record.inode == UInt32(socket.inode) { found = copy record }
        }
        let record = try #require(found)
        #expect(record.netid == .raw && record.type == .raw)
        #expect(record.local.port == 1)  // the "port" of a raw socket is its protocol: ICMP
        #expect(record.state == .close)
        #expect(record.uid == getuid())
    }

    @Test func mptcpListenerAndConnectionAreListed() throws {
        guard let listener = LiveSocket.mptcpListener(), let (client, server) = LiveSocket.mptcpConnection(to: listener)
        else {
            print("skipped: this kernel has no MPTCP, or net.mptcp.enabled is 0")
            return
        }
        var found: [UInt32: SocketRecord] = [:]
        let request = InetRequest(netid: .mptcp, family: .inet, states: .all, extensions: [.info])
        do {
            try DiagClient().dump(request) { found[$0.inode] = copy $0 }
        } catch let error as DiagError where error.isUnsupported {
            print("skipped: this kernel has no mptcp_diag")
            return
        }
        let l = try #require(found[UInt32(listener.inode)])
        #expect(l.netid == .mptcp && l.state == .listen && l.local.port == listener.localPort)
        let c = try #require(found[UInt32(client.inode)])
        #expect(c.state == .established && c.peer.port == listener.localPort)
        #expect(c.mptcpInfo != nil)
        #expect(c.tcpInfo == nil)
        #expect(found[UInt32(server.inode)]?.state == .established)
    }

    @Test func udpliteSocketIsListed() throws {
        let socket = LiveSocket.udplite()
        var found: SocketRecord?
        try DiagClient().dump(InetRequest(netid: .udplite, family: .inet, states: .all)) { record in
            if record.inode == UInt32(socket.inode) { found = copy record }
        }
        let record = try #require(found)
        #expect(record.local.port == socket.localPort && record.type == .dgram && record.state == .close)
    }

    @Test func absentFamiliesAreRefusedAsUnsupported() throws {
        // vsock_diag and sctp_diag are absent on this kind of kernel; where present the dump simply succeeds.
        for request in [DiagRequest.family(FamilyRequest(netid: .vsock, states: .all)),
                        .inet(InetRequest(netid: .sctp, family: .inet, states: .all))] {
            do {
                try DiagClient().dump(request) { _ in }
            } catch let error as DiagError {
                #expect(error.isUnsupported, "\(request.label): \(error)")
            }
        }
    }
}
