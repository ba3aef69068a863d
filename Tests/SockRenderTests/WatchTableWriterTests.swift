import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockTestSupport
import Testing

@testable import SockRender

/// The plain table's writer (`WatchTableWriter`, bytes straight into the buffer) against the cells the live
/// view formats (`WatchColumns.cells` laid out by `WatchTable.lines()`): the same bytes, on edge cases and on
/// the host's real sockets.
@Suite struct WatchTableWriterTests {
    /// The plain interval as the writer makes it, with and without the header.
    static func written(_ rows: [WatchRow], view: WatchView, header: Bool) throws -> String {
        let out = OutputBuffer(fd: nil)
        try WatchTableRenderer(out: out, view: view, delay: "1", header: header).render(interval: 2, rows)
        return out.text
    }

    /// The same interval through the cells of every row as strings (what the writer replaced).
    static func expected(_ rows: [WatchRow], view: WatchView, header: Bool) -> String {
        var text = ""
        if header { text += "interval 2  every 1s  sort: \(view.sort.rawValue)  " + WatchView.summary(rows) + "\n" }
        var lines = view.table(rows).lines()
        if !header { lines.removeFirst() }
        for line in lines { text += line + "\n" }
        if header { text += "\n" }
        return text
    }

    static func compare(_ rows: [WatchRow]) throws {
        for sort in WatchSort.allCases {
            for (bits, totals) in [(false, false), (true, false), (false, true), (true, true)] {
                for header in [true, false] {
                    let view = WatchView(sort: sort, bits: bits, totals: totals)
                    let new = try written(rows, view: view, header: header)
                    let old = expected(rows, view: view, header: header)
                    #expect(new == old, "sort \(sort) bits \(bits) totals \(totals) header \(header)")
                }
            }
        }
    }

    static func endpoint(_ text: String, _ port: UInt16) -> InetEndpoint {
        InetEndpoint(address: IPAddress(text)!, port: port)
    }

    @Test func edgeCasesWriteTheBytesOfTheCells() throws {
        let control = SocketHolder(pid: 41, fd: 3, command: "tab\there\u{1B}[31m\\")
        let bidi = SocketHolder(pid: 42, fd: 4, command: "ev\u{202E}il\u{9B}x")
        let raw = SocketHolder(pid: 43, fd: 5, command: String(rawBytes: [0x66, 0xFF, 0xC3, 0x28]))
        let wide = SocketHolder(pid: 44, fd: 6, command: "ñandú-日本")
        var samples: [WatchSample] = []
        // IPv6 (mapped, compressed, full), ports 0, UDP unconnected, listeners, states of every width.
        let addresses: [(String, String, IPAddress.Family)] = [
            ("127.0.0.1", "10.1.2.3", .inet), ("::1", "2001:db8::1", .inet6),
            ("::ffff:192.0.2.7", "fe80::1:2:3:4", .inet6), ("2001:db8:1:2:3:4:5:6", "::", .inet6),
            ("0.0.0.0", "0.0.0.0", .inet),
        ]
        let states: [SocketState] = [.established, .listen, .timeWait, .close, .synSent, .closeWait, .finWait2]
        var cookie: UInt64 = 100
        for (n, (local, peer, family)) in addresses.enumerated() {
            for (m, state) in states.enumerated() {
                for netid in [NetID.tcp, .udp] {
                    cookie += 1
                    let holders: [SocketHolder] =
                        switch (n + m) % 6 {
                        case 0: []
                        case 1: [control]
                        case 2: [bidi, SocketHolder(pid: 42, fd: 9, command: bidi.command)]  // one process, two fds
                        case 3: [raw, SocketHolder(pid: 50, fd: 1, command: "x"), SocketHolder(pid: 51, fd: 1, command: "y")]
                        case 4: [wide]
                        default: [SocketHolder(pid: 7, fd: 3, command: "")]
                        }
                    let tcp = netid == .tcp
                    samples.append(
                        WatchSample(
                            netid: netid, family: family, state: state,
                            local: Self.endpoint(local, m == 0 ? 0 : UInt16(1000 * m + n)),
                            peer: Self.endpoint(peer, UInt16(n * 7)), cookie: cookie, inode: UInt32(cookie),
                            bytesAcked: tcp ? cookie * 1000 : nil, bytesReceived: tcp && m % 2 == 0 ? cookie * 17 : nil,
                            totalRetransmits: tcp ? UInt64(m) : nil,
                            rtt: tcp ? [30, 999, 9_994, 9_996, 99_949, 99_951, 230_000, 4_000_000][(n + m) % 8] : nil,
                            congestionWindow: tcp && m != 3 ? UInt64(10 * m) : nil, holders: holders))
                }
            }
        }
        var tracker = RateTracker()
        _ = tracker.update(samples, at: 1_000_000_000)
        // Rates across every prefix and rounding edge, a counter going back, ages up to days.
        let factors: [UInt64] = [0, 1, 999, 1000, 9_995, 99_949, 999_500, 12_345_678, 4_560_000_000, 7_000_000_000_000]
        for i in samples.indices where samples[i].bytesAcked != nil {
            let factor = factors[i % factors.count]
            samples[i].bytesAcked! += factor
            if i % 5 == 0, let received = samples[i].bytesReceived { samples[i].bytesReceived = received - 1 }
            samples[i].totalRetransmits! += UInt64(i % 3)
        }
        let ages: [UInt64] = [1, 59, 60, 3599, 3600, 86399, 86400, 400_000]
        var rows = tracker.update(samples, at: 2_000_000_000)
        for i in rows.indices { rows[i].age = Double(ages[i % ages.count]) + 0.75 }
        try Self.compare(rows)
        try Self.compare([])  // no rows: the titles alone
        // Control characters stay escaped in the plain table.
        let text = try Self.written(rows, view: WatchView(), header: false)
        #expect(text.contains("41/tab\\there\\x1b[31m\\\\"))
        #expect(text.contains("42/ev\\u202eil\\u009bx"))
        #expect(text.contains("43/f\\xff\\xc3(+2"))
        #expect(!text.utf8.contains(0x1B) && !text.utf8.contains(0x09))
    }

    @Test func hostSocketsWriteTheBytesOfTheCells() throws {
        // Real sockets of every kind watch shows: TCP over both families with traffic, UDP bound and connected.
        let listener4 = LiveSocket.tcpListener(v6: false)
        let listener6 = LiveSocket.tcpListener(v6: true)
        let (client4, server4) = LiveSocket.tcpConnection(to: listener4)
        let (client6, server6) = LiveSocket.tcpConnection(to: listener6)
        let udp = LiveSocket.udp(v6: false)
        let connected = LiveSocket.udp(v6: true, connectedTo: LiveSocket.udp(v6: true))
        var query = SocketQuery(netids: [.tcp, .udp], families: [.inet, .inet6], states: .all)
        query.extensions = [.info]
        let pipeline = try RepeatedPipeline(query) { _ in }
        func sample() throws -> [WatchSample] {
            var samples: [WatchSample] = []
            try pipeline.run { samples.append(WatchSample($0)) }
            let owners = pipeline.cachedOwners(of: samples.map(\.inode))
            for i in samples.indices { samples[i].takeHolders(from: owners) }
            return samples
        }
        var tracker = RateTracker()
        let before = try sample()
        _ = tracker.update(before, at: 1_000_000_000)
        let acked = before.first { $0.inode == UInt32(client4.inode) }?.bytesAcked ?? 0
        client4.send(count: 70_000)
        client6.send(count: 3_000)
        // Until the kernel counts the bytes as acknowledged (on loopback, at once or nearly).
        var samples = try sample()
        var deadline = 500
        while (samples.first { $0.inode == UInt32(client4.inode) }?.bytesAcked ?? 0) < acked + 70_000 && deadline > 0 {
            usleep(10_000)
            deadline -= 1
            samples = try sample()
        }
        let rows = tracker.update(samples, at: 2_000_000_000)
        let ours = Set([client4, server4, client6, server6, udp, connected].map { UInt32($0.inode) })
        let shown = rows.filter { ours.contains($0.sample.inode) }
        #expect(shown.count == ours.count)
        // Our sockets are held by this process: their owner cell is its pid and comm.
        #expect(shown.allSatisfy { $0.sample.holders.contains { $0.pid == getpid() } })
        #expect(rows.contains { $0.sample.inode == UInt32(client4.inode) && $0.sendRate == 70_000 })
        try Self.compare(rows)
        withExtendedLifetime([listener4, listener6, client4, server4, client6, server6, udp, connected]) {}
    }

    @Test func holdersAreKeptWithoutAnArrayForOne() {
        var sample = WatchSample(
            netid: .tcp, state: .established, local: Self.endpoint("127.0.0.1", 1), peer: Self.endpoint("127.0.0.1", 2),
            cookie: 1)
        #expect(sample.owner == nil && sample.holders.isEmpty && sample.otherProcesses == 0)
        let one = SocketHolder(pid: 9, fd: 4, command: "one")
        sample.holders = [one]
        #expect(sample.owner == one && sample.holders == [one] && sample.otherProcesses == 0)
        let shared = [one, SocketHolder(pid: 9, fd: 5, command: "one"), SocketHolder(pid: 12, fd: 3, command: "two")]
        sample.holders = shared
        #expect(sample.owner == one && sample.holders == shared && sample.otherProcesses == 1)
        var seen: [SocketHolder] = []
        sample.forEachHolder { seen.append($0) }
        #expect(seen == shared)
    }

    @Test func rateTableKeepsItsCountersAcrossGrowthAndChurn() {
        // Enough sockets to grow the table several times, then half of them replaced each refresh.
        var tracker = RateTracker()
        let first = (1...5000).map { WatchRenderTests.sample(cookie: $0 * 7919, acked: $0) }
        _ = tracker.update(first, at: 0)
        #expect(tracker.count == 5000)
        let second = (2501...7500).map { WatchRenderTests.sample(cookie: $0 * 7919, acked: $0 + 1000) }
        let rows = tracker.update(second, at: 1_000_000_000)
        #expect(tracker.count == 5000)
        for (n, row) in rows.enumerated() {
            let c = n + 2501
            if c <= 5000 {
                #expect(row.sendRate == 1000 && row.sentSinceStart == 1000 && row.age == 1)
            } else {
                #expect(row.sendRate == nil && row.age == 0)
            }
        }
        let third = tracker.update(second, at: 3_000_000_000)
        #expect(third.allSatisfy { $0.sendRate == 0 })
        #expect(third[0].sentSinceStart == 1000 && third[0].age == 3)
        #expect(tracker.hostSent == 2500 * 1000)
        // A dump in another order (the hash index instead of the walk in order): the same counters.
        let reordered = tracker.update(second.reversed(), at: 4_000_000_000)
        #expect(reordered.allSatisfy { $0.sendRate == 0 && $0.age >= 3 })
        let older = reordered.filter { $0.age == 4 }  // first seen in the first dump: 1000 bytes since
        #expect(older.count == 2500 && older.allSatisfy { $0.sentSinceStart == 1000 } && tracker.count == 5000)
        #expect(reordered.filter { $0.age == 3 }.allSatisfy { $0.sentSinceStart == 0 })
    }

    @Test func groupsSumInPlaceAsTheGenericAggregateDoes() {
        // Two cgroup objects with one label, the root cgroup (no label), sockets without a cgroup; shared holders.
        let web1 = CgroupInfo(path: "/system.slice/web.service", identity: ContainerIdentity(unit: "web.service"), index: 0)
        let web2 = CgroupInfo(path: "/system.slice/web.service", identity: ContainerIdentity(unit: "web.service"), index: 0)
        let db = CgroupInfo(path: "/system.slice/db.service", identity: ContainerIdentity(unit: "db.service"), index: 1)
        let root = CgroupInfo(path: "/", identity: nil, index: 2)
        let a = SocketHolder(pid: 10, fd: 3, command: "a")
        let b = SocketHolder(pid: 11, fd: 4, command: "b\u{1B}")
        var rows: [WatchRow] = []
        for i in 0..<40 {
            var sample = WatchRenderTests.sample(
                cookie: UInt64(i + 1), acked: UInt64(i) * 100, holders: i % 4 == 0 ? [] : i % 3 == 0 ? [a, b] : [b])
            sample.cgroup = [web1, web2, db, root, nil][i % 5]
            rows.append(WatchRow(
                sample: sample, sendRate: Double(i), receiveRate: i % 2 == 0 ? nil : 3, retransmits: UInt64(i % 3),
                age: Double(i), sentSinceStart: UInt64(i), receivedSinceStart: nil))
        }
        func same(_ x: [GroupRow], _ y: [GroupRow]) -> Bool {
            let key = { (g: GroupRow) in "\(g.key)" }
            let xs = x.sorted { key($0) < key($1) }
            let ys = y.sorted { key($0) < key($1) }
            return xs.count == ys.count && zip(xs, ys).allSatisfy { g, h in
                g.key == h.key && g.label == h.label && g.sockets == h.sockets && g.sendRate == h.sendRate
                    && g.receiveRate == h.receiveRate && g.retransmits == h.retransmits && g.maxRTT == h.maxRTT
                    && g.newestAge == h.newestAge && g.sentSinceStart == h.sentSinceStart
                    && g.receivedSinceStart == h.receivedSinceStart
            }
        }
        let containers = GroupRow.byContainer(rows)
        #expect(containers.count == 3)  // web.service (both objects), db.service, and none (root and no cgroup)
        #expect(same(containers, GroupRow.aggregate(rows) { (.container($0.containerLabel), $0.containerLabel ?? "") }))
        let processes = GroupRow.byProcess(rows)
        #expect(processes.count == 3)  // pid 10 (first of a shared pair), pid 11, no owner
        #expect(same(processes, GroupRow.aggregate(rows) { row in
            (.process(row.sample.holders.first?.pid ?? 0), row.sample.holders.first?.command ?? "")
        }))
    }
}
