import Glibc
import SockTestSupport
import Testing

@testable import SockDiag

/// The request shapes that make a dump cheaper (one walk for both families, ports in the request id) and the
/// pipelined receive, against the real kernel: each must give exactly what the plain per-family dump gives.
@Suite struct DumpShapeLiveTests {
    /// The test's own sockets from one dump of `request`, by inode (other tests' sockets come and go).
    func mine(_ requests: [InetRequest], inodes: Set<UInt32>, client: DiagClient? = nil) throws -> [UInt32: SocketRecord] {
        let client = try client ?? DiagClient()
        var found: [UInt32: SocketRecord] = [:]
        for request in requests {
            try client.dump(request) { record in
                guard inodes.contains(record.inode) else { return }
                #expect(found[record.inode] == nil, "socket \(record.inode) delivered twice")
                found[record.inode] = copy record
            }
        }
        return found
    }

    /// A v4 and a v6 listener with a connection each.
    func sockets() -> [LiveSocket] {
        let v4 = LiveSocket.tcpListener(v6: false)
        let v6 = LiveSocket.tcpListener(v6: true)
        let (c4, s4) = LiveSocket.tcpConnection(to: v4)
        let (c6, s6) = LiveSocket.tcpConnection(to: v6)
        return [v4, v6, c4, s4, c6, s6]
    }

    @Test func oneWalkForBothFamiliesGivesWhatTwoDumpsGive() throws {
        let held = sockets()
        let inodes = Set(held.map { UInt32($0.inode) })
        var both = InetRequest(netid: .tcp, family: .inet, states: .all, extensions: [.info])
        both.bothFamilies = true
        let single = try mine([both], inodes: inodes)
        let split = try mine(both.perFamily, inodes: inodes)
        #expect(single.count == 6)
        #expect(Set(single.keys) == Set(split.keys))
        for (inode, record) in single {
            let other = try #require(split[inode])
            #expect(record.family == other.family)
            #expect(record.local == other.local && record.peer == other.peer)
            #expect(record.state == other.state && record.cookie == other.cookie)
            #expect(record.tcpInfo != nil)
        }
        #expect(Set(single.values.map(\.family)) == [.inet, .inet6])
        #expect(both.label == "tcp/inet+inet6 dump")
        #expect(both.perFamily.map(\.family) == [.inet, .inet6] && both.perFamily.allSatisfy { !$0.bothFamilies })
    }

    @Test func portsInTheRequestIdKeepExactlyThatPort() throws {
        let held = sockets()
        let inodes = Set(held.map { UInt32($0.inode) })
        let v4 = held[0]
        // One walk for both families, or one dump per family: the same answer.
        func requests(bothFamilies: Bool, local: UInt16 = 0, remote: UInt16 = 0) -> [InetRequest] {
            var request = InetRequest(netid: .tcp, family: .inet, states: .all)
            request.bothFamilies = true
            request.localPort = local
            request.remotePort = remote
            return bothFamilies ? [request] : request.perFamily
        }
        for bothFamilies in [false, true] {
            let found = try mine(requests(bothFamilies: bothFamilies, local: v4.localPort), inodes: inodes)
            // The v4 listener and its accepted end have that local port; nothing else of ours does.
            #expect(Set(found.keys) == [UInt32(held[0].inode), UInt32(held[3].inode)], "bothFamilies \(bothFamilies)")
            let dialing = try mine(requests(bothFamilies: bothFamilies, remote: held[1].localPort), inodes: inodes)
            #expect(Set(dialing.keys) == [UInt32(held[4].inode)], "bothFamilies \(bothFamilies)")
        }
        let bound = LiveSocket.udp(v6: false)
        let connected = LiveSocket.udp(v6: false, connectedTo: bound)
        var udp = InetRequest(netid: .udp, family: .inet, states: .all)
        udp.remotePort = bound.localPort
        let udpFound = try mine([udp], inodes: [UInt32(bound.inode), UInt32(connected.inode)])
        #expect(Set(udpFound.keys) == [UInt32(connected.inode)])
    }

    /// Pipelined (a receiving thread), and on the caller's thread, as when no thread can be started.
    @Test(.timeLimit(.minutes(1)), arguments: [true, false])
    func aDumpStoppedHalfwayLeavesTheClientUsable(pipelined: Bool) throws {
        // Enough sockets (with tcp_info, ~80 a datagram) that the dump spans more datagrams than the receiver
        // runs ahead (4), so stopping after the first leaves it running in the kernel.
        let listener = LiveSocket.tcpListener(v6: false)
        var held: [LiveSocket] = [listener]
        for _ in 0..<300 {
            let (client, server) = LiveSocket.tcpConnection(to: listener)
            held += [client, server]
        }
        let inodes = Set(held.map { UInt32($0.inode) })
        let client = try DiagClient()
        client.pipelined = pipelined
        struct Stop: Error {}
        var seen = 0
        #expect(throws: Stop.self) {
            try client.dump(InetRequest(netid: .tcp, family: .inet, states: .all, extensions: [.info, .memInfo])) { _ in
                seen += 1
                guard seen == 3 else { return }
                // Give the receiving thread time to fill its ring and wait for a free slot: stopping must
                // release that wait too (it once spun there forever).
                usleep(100_000)
                throw Stop()
            }
        }
        #expect(seen == 3)
        // The same client dumps again, completely: the rest of the stopped dump was drained, not refused (EBUSY)
        // or mixed into this one.
        for _ in 0..<2 {
            let found = try mine([InetRequest(netid: .tcp, family: .inet, states: .all)], inodes: inodes, client: client)
            #expect(found.count == held.count)
        }
    }
}
