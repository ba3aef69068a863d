import Glibc
import SockTestSupport
import Testing

@testable import SockDiag

/// Many lookups in one call (`DiagClient.lookup(_:_:)`), against the real kernel, on sockets the test opens.
@Suite struct DiagClientLookupTests {
    /// The lookup for `socket` by its own addresses (an unconnected socket has a zero peer).
    static func request(_ netid: NetID, _ socket: LiveSocket, extensions: DiagExtensions = []) -> InetRequest {
        func endpoint(
            _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
        ) -> InetEndpoint {
            var storage = sockaddr_in6()
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let rc = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(socket.fd, $0, &length) }
            }
            let any = IPAddress(socket.v6 ? "::" : "0.0.0.0")!
            guard rc == 0 else { return InetEndpoint(address: any, port: 0) }
            let port = UInt16(bigEndian: storage.sin6_port)
            let address = withUnsafeBytes(of: storage) { raw in
                socket.v6
                    ? IPAddress(
                        family: .inet6, high: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                        low: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
                    : IPAddress(
                        family: .inet, high: UInt64(raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)), low: 0)
            }
            return InetEndpoint(address: address, port: port)
        }
        let id = SocketID(local: endpoint { getsockname($0, $1, $2) }, peer: endpoint { getpeername($0, $1, $2) })
        return InetRequest(
            netid: netid, family: socket.v6 ? .inet6 : .inet, states: .all, extensions: extensions, id: id)
    }

    /// A socket no one has: loopback port 1 talking to port 2.
    static func nothing(v6: Bool) -> InetRequest {
        let loopback = IPAddress(v6 ? "::1" : "127.0.0.1")!
        let id = SocketID(
            local: InetEndpoint(address: loopback, port: 1), peer: InetEndpoint(address: loopback, port: 2))
        return InetRequest(netid: .tcp, family: v6 ? .inet6 : .inet, states: .all, id: id)
    }

    @Test(arguments: [false, true])
    func aBatchAnswersExactlyTheLiveSockets(v6: Bool) throws {
        var live: [(NetID, LiveSocket, SocketState)] = []
        var closed: [(NetID, LiveSocket)] = []
        for i in 0..<8 {
            let listener = LiveSocket.tcpListener(v6: v6)
            if i % 2 == 0 {
                let (client, server) = LiveSocket.tcpConnection(to: listener)
                live += [(.tcp, listener, .listen), (.tcp, client, .established), (.tcp, server, .established)]
            } else if i % 4 == 1 {
                closed.append((.tcp, listener))
            } else {
                live.append((.tcp, listener, .listen))
            }
            let bound = LiveSocket.udp(v6: v6)
            if i % 3 == 0 {
                closed.append((.udp, bound))
            } else {
                live.append((.udp, bound, .close))
                live.append((.udp, LiveSocket.udp(v6: v6, connectedTo: bound), .established))
            }
        }
        // Requests interleave live sockets, sockets about to close and sockets that never were.
        var requests: [InetRequest] = []
        var expected: [(inode: UInt64, state: SocketState)?] = []
        var closedInodes: [Int: UInt64] = [:]
        for (i, (netid, socket, state)) in live.enumerated() {
            requests.append(Self.request(netid, socket))
            expected.append((socket.inode, state))
            if i < closed.count {
                closedInodes[requests.count] = closed[i].1.inode
                requests.append(Self.request(closed[i].0, closed[i].1))
                expected.append(nil)
            }
            if i % 5 == 0 {
                requests.append(Self.nothing(v6: v6))
                expected.append(nil)
            }
        }
        closed.removeAll()  // closes them: their lookups are now refused (ENOENT)

        let records = try DiagClient().lookup(requests)
        #expect(records.count == requests.count)
        for (i, record) in records.enumerated() {
            if let want = expected[i] {
                let record = try #require(record, "request \(i) for inode \(want.inode)")
                #expect(UInt64(record.inode) == want.inode, "request \(i)")
                #expect(record.state == want.state, "request \(i)")
                #expect(record.netid == requests[i].netid)
                #expect(record.local == requests[i].id?.local && record.peer == requests[i].id?.peer)
            } else if let inode = closedInodes[i] {
                // Gone; a test running alongside may have bound the freed port since, but not this socket.
                #expect(record.map { UInt64($0.inode) != inode } ?? true, "request \(i)")
            } else {
                #expect(record == nil, "request \(i)")
            }
        }
    }

    @Test func aBatchLargerThanOneSendIsMatchedByIndex() throws {
        let listeners = (0..<20).map { LiveSocket.tcpListener(v6: $0 % 2 == 1) }
        let connections = listeners.prefix(10).map { LiveSocket.tcpConnection(to: $0) }
        let sockets = listeners + connections.flatMap { [$0.client, $0.server] }
        // 3,000 lookups: more than one sendmsg takes (at most 1,024), every 7th for a socket no one has.
        var requests: [InetRequest] = []
        var inodes: [UInt64?] = []
        for i in 0..<3000 {
            if i % 7 == 3 {
                requests.append(Self.nothing(v6: i % 2 == 0))
                inodes.append(nil)
            } else {
                let socket = sockets[i % sockets.count]
                requests.append(Self.request(.tcp, socket))
                inodes.append(socket.inode)
            }
        }
        var calls = 0
        var seen = Set<Int>()
        try DiagClient().lookup(requests) { index, record in
            calls += 1
            seen.insert(index)
            #expect(inodes[index] == UInt64(record.inode), "request \(index)")
        }
        #expect(calls == inodes.count(where: { $0 != nil }))
        #expect(seen == Set(inodes.indices.filter { inodes[$0] != nil }))
    }

    @Test func eachRequestGetsTheAttributesItAsksFor() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, _) = LiveSocket.tcpConnection(to: listener)
        let requests = [
            Self.request(.tcp, client, extensions: [.info, .skMemInfo]), Self.request(.tcp, client),
        ]
        let records = try DiagClient().lookup(requests)
        let detailed = try #require(records[0])
        let plain = try #require(records[1])
        #expect(detailed.tcpInfo != nil && detailed.skMemInfo != nil)
        #expect(plain.tcpInfo == nil && plain.skMemInfo == nil)
        #expect(detailed.cookie == plain.cookie)
    }

    @Test func noRequestsMeansNoCalls() throws {
        var calls = 0
        try DiagClient().lookup([]) { _, _ in calls += 1 }
        #expect(calls == 0)
    }
}
