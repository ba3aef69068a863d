import Glibc
import SockTestSupport
import Testing

@testable import SockDiag

/// DiagClient against the real kernel, on sockets the test opens itself.
@Suite struct DiagClientLiveTests {
    /// Dumps `netid` over both families in every state and keeps the records on the given local ports.
    func records(
        _ netid: NetID, states: StateSet = .all, extensions: DiagExtensions = [], ports: Set<UInt16>
    ) throws -> [SocketRecord] {
        let client = try DiagClient()
        var found: [SocketRecord] = []
        for family in [IPAddress.Family.inet, .inet6] {
            let request = InetRequest(netid: netid, family: family, states: states, extensions: extensions)
            try client.dump(request) { record in
                // Time-wait leftovers of other tests may reuse a port; they have no inode.
                if ports.contains(record.local.port), record.inode != 0 { found.append(record) }
            }
        }
        return found
    }

    /// `lookahead` is given every delivered socket's inode, batch by batch, before the socket itself.
    @Test func lookaheadAnnouncesEachBatchsInodesBeforeItsSockets() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, accepted) = LiveSocket.tcpConnection(to: listener)
        let diag = try DiagClient()
        var announced: Set<UInt32> = []
        var batches = 0
        diag.lookahead = { inodes in
            batches += 1
            announced.formUnion(inodes)
        }
        var delivered: [UInt32] = []
        var announcedFirst = true
        try diag.dump(InetRequest(netid: .tcp, family: .inet, states: .all)) { record in
            if !announced.contains(record.inode) { announcedFirst = false }
            delivered.append(record.inode)
        }
        #expect(batches > 0)
        #expect(announcedFirst, "a socket was delivered before its batch was announced")
        #expect(Set(delivered).isSubset(of: announced))
        for inode in [listener.inode, client.inode, accepted.inode] {
            #expect(announced.contains(UInt32(inode)), "inode \(inode) not announced")
        }
        diag.lookahead = nil
        withExtendedLifetime((listener, client, accepted)) {}
    }

    @Test(arguments: [false, true])
    func tcpListenerAndConnectionAreReportedExactly(v6: Bool) throws {
        let listener = LiveSocket.tcpListener(v6: v6)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let loopback = IPAddress(v6 ? "::1" : "127.0.0.1")!
        let any = IPAddress(v6 ? "::" : "0.0.0.0")!
        let found = try records(.tcp, ports: [listener.localPort, client.localPort])

        let listening = try #require(found.first { $0.inode == UInt32(listener.inode) })
        #expect(listening.state == .listen)
        #expect(listening.family == (v6 ? .inet6 : .inet))
        #expect(listening.local == InetEndpoint(address: loopback, port: listener.localPort))
        #expect(listening.peer == InetEndpoint(address: any, port: 0))
        #expect(listening.uid == getuid())

        let outbound = try #require(found.first { $0.inode == UInt32(client.inode) })
        #expect(outbound.state == .established)
        #expect(outbound.local == InetEndpoint(address: loopback, port: client.localPort))
        #expect(outbound.peer == InetEndpoint(address: loopback, port: listener.localPort))
        #expect(outbound.uid == getuid())

        let inbound = try #require(found.first { $0.inode == UInt32(server.inode) })
        #expect(inbound.state == .established)
        #expect(inbound.local == InetEndpoint(address: loopback, port: listener.localPort))
        #expect(inbound.peer == InetEndpoint(address: loopback, port: client.localPort))

        // Exactly these three sockets, each once, with distinct cookies (another test's socket of the other
        // family may share a port number: count ours by inode).
        let mine = found.filter { [listener, client, server].map { UInt32($0.inode) }.contains($0.inode) }
        #expect(mine.count == 3)
        #expect(Set(mine.map(\.cookie)).count == 3)
        #expect(mine.allSatisfy { $0.netid == .tcp && $0.cookie != 0 })
    }

    @Test(arguments: [false, true])
    func udpSocketsReportCloseOrEstablished(v6: Bool) throws {
        let bound = LiveSocket.udp(v6: v6)
        let connected = LiveSocket.udp(v6: v6, connectedTo: bound)
        let found = try records(.udp, ports: [bound.localPort, connected.localPort])

        let unconnected = try #require(found.first { $0.inode == UInt32(bound.inode) })
        #expect(unconnected.state == .close)
        #expect(unconnected.local.port == bound.localPort)
        #expect(unconnected.peer.port == 0)
        #expect(unconnected.uid == getuid())
        #expect(unconnected.netid == .udp)

        let peered = try #require(found.first { $0.inode == UInt32(connected.inode) })
        #expect(peered.state == .established)
        #expect(peered.peer.port == bound.localPort)
        #expect(found.filter { [bound, connected].map { UInt32($0.inode) }.contains($0.inode) }.count == 2)
    }

    @Test func stateMaskIsAppliedByTheKernel() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let ports: Set<UInt16> = [listener.localPort, client.localPort]

        // Ours by inode: another test's connection may share the client's ephemeral port (towards another
        // peer). Whatever else has these ports must be in the state asked for too.
        let mine = Set([listener, client, server].map { UInt32($0.inode) })

        let listening = try records(.tcp, states: StateSet(.listen), ports: ports)
        #expect(listening.filter { mine.contains($0.inode) }.map(\.inode) == [UInt32(listener.inode)])
        #expect(listening.allSatisfy { $0.state == .listen })

        let established = try records(.tcp, states: StateSet(.established), ports: ports)
        let connection = Set([client, server].map { UInt32($0.inode) })
        #expect(Set(established.filter { mine.contains($0.inode) }.map(\.inode)) == connection)
        #expect(established.allSatisfy { $0.state == .established })
    }

    @Test func attributesComeOnlyWhenAskedFor() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        client.send(count: 100)
        var waited = 0
        var serverRecord: SocketRecord?
        // The bytes are in the receiver's queue once the loopback delivers them.
        repeat {
            serverRecord = try records(.tcp, states: StateSet(.established), ports: [listener.localPort])
                .first { $0.inode == UInt32(server.inode) }
            if serverRecord?.recvQ == 100 { break }
            usleep(10_000)
            waited += 1
        } while waited < 100
        #expect(serverRecord?.recvQ == 100)

        // By inode: the client's ephemeral port may also be another test's, towards another peer.
        let plain = try #require(
            try records(.tcp, states: StateSet(.established), ports: [client.localPort])
                .first { $0.inode == UInt32(client.inode) })
        #expect(plain.tcpInfo == nil)
        #expect(plain.skMemInfo == nil)
        #expect(plain.congestion == nil)

        let detailed = try #require(
            try records(
                .tcp, states: StateSet(.established), extensions: [.info, .congestion, .skMemInfo, .memInfo],
                ports: [client.localPort]
            ).first { $0.inode == UInt32(client.inode) })
        let info = try #require(detailed.tcpInfo)
        #expect(info[.state] == UInt64(SocketState.established.rawValue))
        #expect(info.bytesAcked.map { $0 >= 100 } == true)
        #expect(info.rtt != nil)
        #expect(info.sendCongestionWindow.map { $0 > 0 } == true)
        #expect(detailed.congestion?.isEmpty == false)
        let skmem = try #require(detailed.skMemInfo)
        #expect(skmem.count == SkMemInfo.counters.count)
        #expect(skmem[1].map { $0 > 0 } == true)  // rcvbuf
        #expect(detailed.memInfo != nil)
        // Sent with every socket, unasked.
        #expect(detailed.shutdown == 0)
        #expect(detailed.options != nil)
    }

    @Test(arguments: [false, true])
    func lookupFindsOneSocketByItsAddresses(v6: Bool) throws {
        let listener = LiveSocket.tcpListener(v6: v6)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let bound = LiveSocket.udp(v6: v6)
        let connected = LiveSocket.udp(v6: v6, connectedTo: bound)
        let loopback = IPAddress(v6 ? "::1" : "127.0.0.1")!
        let any = IPAddress(v6 ? "::" : "0.0.0.0")!
        let family: IPAddress.Family = v6 ? .inet6 : .inet
        func end(_ address: IPAddress, _ port: UInt16) -> InetEndpoint { InetEndpoint(address: address, port: port) }
        let cases: [(NetID, SocketID, LiveSocket)] = [
            (.tcp, SocketID(local: end(loopback, listener.localPort), peer: end(any, 0)), listener),
            (.tcp, SocketID(local: end(loopback, client.localPort), peer: end(loopback, listener.localPort)), client),
            (.tcp, SocketID(local: end(loopback, listener.localPort), peer: end(loopback, client.localPort)), server),
            (.udp, SocketID(local: end(loopback, bound.localPort), peer: end(any, 0)), bound),
            (.udp, SocketID(local: end(loopback, connected.localPort), peer: end(loopback, bound.localPort)), connected),
        ]
        let client_ = try DiagClient()
        for (netid, id, socket) in cases {
            let request = InetRequest(netid: netid, family: family, states: .all, extensions: [.info], id: id)
            let record = try #require(try client_.lookup(request), "\(netid) \(id)")
            #expect(UInt64(record.inode) == socket.inode, "\(netid) \(id)")
            #expect(record.local == id.local && record.peer == id.peer)
        }
        // A socket that does not exist is nil, not an error.
        let nothing = SocketID(local: end(loopback, 1), peer: end(loopback, 2))
        #expect(try client_.lookup(InetRequest(netid: .tcp, family: family, states: .all, id: nothing)) == nil)
    }

    @Test func tcpInfoFieldTableMatchesTheKernelHeader() {
        #expect(TCPInfo.fields.first?.name == "state")
        #expect(TCPInfo.fields.contains { $0.name == "bytes_acked" })
        #expect(TCPInfo.fields.allSatisfy { !$0.name.hasPrefix("tcpi_") })
        #expect(TCPInfo.Field.rtt.name == "rtt")
    }
}
