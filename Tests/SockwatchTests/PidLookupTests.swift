import Foundation
import SockTestSupport
import Testing

/// `--pid` of a process with many sockets: they are looked up in chunks, on several threads (`LookupRun`).
@Suite struct PidLookupTests {
    /// 850 sockets of every INET kind the lookups handle, for a child to hold at descriptors 100...949: two
    /// chunks of lookups, so both threads take part.
    static func manySockets() -> [LiveSocket] {
        var sockets: [LiveSocket] = []
        for i in 0..<50 {
            let listener = LiveSocket.tcpListener(v6: i % 2 == 1)
            sockets.append(listener)
            for _ in 0..<6 {
                let (client, server) = LiveSocket.tcpConnection(to: listener)
                sockets += [client, server]
            }
        }
        for i in 0..<100 {
            let bound = LiveSocket.udp(v6: i % 2 == 0)
            sockets += [bound, LiveSocket.udp(v6: i % 2 == 0, connectedTo: bound)]
        }
        return sockets
    }

    @Test func aProcessWithManySocketsListsEachOnceInInodeOrder() throws {
        let sockets = Self.manySockets()
        // Lookups are chosen up to a quarter of the host's TCP table (`SocketPipeline.lookupLimit`): on a quiet
        // host, 850 selected sockets would be dumped instead. 3,600 more TCP sockets, held here, make the
        // table large enough whatever else runs.
        let padListener = LiveSocket.tcpListener(v6: false)
        let padding = (0..<1800).map { _ in LiveSocket.tcpConnection(to: padListener) }
        defer { withExtendedLifetime((padListener, padding)) {} }
        var fdOf: [Int: Int] = [:]  // inode -> the child's fd
        for (i, socket) in sockets.enumerated() { fdOf[Int(socket.inode)] = 100 + i }
        let child = try HoldingChild.sleep(holding: sockets.map(\.fd), from: 100)
        defer { child.terminate() }

        let result = try BinaryRunner.run(["-tua", "--pid", "\(child.processIdentifier)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try #require(result.objects)
        let inodes = objects.compactMap { $0["inode"] as? Int }
        #expect(inodes.count == sockets.count)
        #expect(Set(inodes) == Set(fdOf.keys))
        // As the sockets would come looked up one after another: by inode.
        #expect(inodes == inodes.sorted())
        try BinaryRunner.expectHeld(objects, onlyBy: child.processIdentifier, at: fdOf)
        // One transport asked for: the probe does not ask each socket its protocol, the lookup sorts them out.
        let tcp = try BinaryRunner.run(["-ta", "--pid", "\(child.processIdentifier)", "--json"])
        let tcpInodes = Set((tcp.objects ?? []).compactMap { $0["inode"] as? Int })
        #expect(tcpInodes == Set(objects.filter { $0["netid"] as? String == "tcp" }.compactMap { $0["inode"] as? Int }))
        #expect(tcpInodes.count == 650)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ss"), "needs ss"))
    func ssShowsTheSameSocketsForThatPid() throws {
        let sockets = Self.manySockets()
        let child = try HoldingChild.sleep(holding: sockets.map(\.fd), from: 100)
        defer { child.terminate() }
        let pid = child.processIdentifier

        // Local and remote address of every row: sockwatch's columns 4 and 5, ss's 5 and 6.
        let ours = try BinaryRunner.run(["-tuanp", "-H", "--pid", "\(pid)"])
        #expect(ours.status == 0, "\(ours.stderr)")
        let mine = ours.lines.map { line -> String in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return "\(fields[3]) \(fields[4])"
        }
        let ss = try BinaryRunner.exec("/usr/bin/ss", ["-tuanpH"])
        let theirs = ss.lines.filter { $0.contains("pid=\(pid),") }.map { line -> String in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return "\(fields[4]) \(fields[5])"
        }
        #expect(mine.count == sockets.count)
        #expect(Set(mine) == Set(theirs), "\(Set(mine).symmetricDifference(Set(theirs)).prefix(5))")
    }

    /// Listeners sharing a port (`SO_REUSEPORT`): a lookup by their addresses answers with one of them, so the
    /// others are found in a dump pinned to that port.
    @Test func everyListenerOfAReusePortGroupIsListed() throws {
        let first = LiveSocket.tcpListener(v6: false, reusePort: true)
        let group = [first] + (0..<3).map { _ in LiveSocket.tcpListener(v6: false, port: first.localPort, reusePort: true) }
        // A connection beside them (to a listener of its own: the group spreads connections over its members).
        let other = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: other)
        let held = group + [other, client, server]
        let child = try HoldingChild.sleep(holding: held.map(\.fd), from: 100)
        defer { child.terminate() }

        let result = try BinaryRunner.run(["-ta", "--pid", "\(child.processIdentifier)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let inodes = (result.objects ?? []).compactMap { $0["inode"] as? Int }
        #expect(inodes.count == held.count, "\(result.stdout)")
        #expect(Set(inodes) == Set(held.map { Int($0.inode) }))
        let listening = (result.objects ?? []).filter { $0["state"] as? String == "listen" }
        #expect(listening.count == 5)
    }

    /// MPTCP sockets have no lookup by addresses (the kernel finds them by token): `--pid` finds them in a dump.
    @Test func mptcpSocketsOfAProcessAreListed() throws {
        guard let listener = LiveSocket.mptcpListener(), let (client, server) = LiveSocket.mptcpConnection(to: listener)
        else {
            print("skipped: this kernel has no MPTCP (or net.mptcp.enabled=0)")
            return
        }
        let held = [listener, client, server]
        let child = try HoldingChild.sleep(holding: held.map(\.fd), from: 100)
        defer { child.terminate() }

        let result = try BinaryRunner.run(["-M", "-a", "--pid", "\(child.processIdentifier)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = result.objects ?? []
        #expect(Set(objects.compactMap { $0["inode"] as? Int }) == Set(held.map { Int($0.inode) }), "\(result.stdout)")
        #expect(objects.allSatisfy { $0["netid"] as? String == "mptcp" })
    }
}
