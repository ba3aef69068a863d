import ProcIndex
import SockDiag
import SockPipeline
import Testing

@testable import SockRender

/// The live view's model and layout on made-up samples: rates from counter deltas, the sorts, per-process
/// sums, and frames cut to the window.
@Suite struct WatchRenderTests {
    static func endpoint(_ text: String, _ port: UInt16) -> InetEndpoint {
        InetEndpoint(address: IPAddress(text)!, port: port)
    }

    static func sample(
        cookie: UInt64, acked: UInt64? = 0, received: UInt64? = 0, retrans: UInt64? = 0, rtt: UInt64? = 50,
        holders: [SocketHolder] = [], netid: NetID = .tcp, port: UInt16 = 40000
    ) -> WatchSample {
        WatchSample(
            netid: netid, state: .established, local: endpoint("127.0.0.1", port), peer: endpoint("127.0.0.1", 443),
            cookie: cookie, bytesAcked: acked, bytesReceived: received, totalRetransmits: retrans, rtt: rtt,
            congestionWindow: 10, holders: holders)
    }

    @Test func ratesAreCounterDeltasOverTheElapsedTime() {
        var tracker = RateTracker()
        let first = tracker.update([Self.sample(cookie: 1, acked: 1000, received: 50, retrans: 2)], at: 1_000_000_000)
        #expect(first.count == 1)
        #expect(first[0].sendRate == nil && first[0].receiveRate == nil && first[0].retransmits == nil)
        let second = tracker.update(
            [Self.sample(cookie: 1, acked: 501_000, received: 1050, retrans: 5)], at: 1_500_000_000)
        #expect(second[0].sendRate == 1_000_000)
        #expect(second[0].receiveRate == 2000)
        #expect(second[0].retransmits == 3)
        #expect(second[0].age == 0.5)
    }

    @Test func onlyTheLatestDumpIsRemembered() {
        var tracker = RateTracker()
        _ = tracker.update((1...100).map { Self.sample(cookie: $0) }, at: 0)
        #expect(tracker.count == 100)
        let rows = tracker.update([Self.sample(cookie: 7, acked: 10)], at: 1_000_000_000)
        #expect(tracker.count == 1)
        #expect(rows[0].sendRate == 10)
        // A cookie that left and came back is new again: no rate, age 0.
        let back = tracker.update([Self.sample(cookie: 8, acked: 10)], at: 2_000_000_000)
        #expect(back[0].sendRate == nil && back[0].age == 0)
    }

    @Test func udpAndCountersGoingBackShowNoRate() {
        var tracker = RateTracker()
        let udp = Self.sample(cookie: 2, acked: nil, received: nil, retrans: nil, rtt: nil, netid: .udp)
        _ = tracker.update([udp, Self.sample(cookie: 3, acked: 100)], at: 0)
        let rows = tracker.update([udp, Self.sample(cookie: 3, acked: 50)], at: 1_000_000_000)
        #expect(rows.allSatisfy { $0.sendRate == nil })
        #expect(rows[0].receiveRate == nil)
        #expect(WatchColumns.cells(rows[0])[4] == "-")
    }

    @Test func sortsCycleAndOrderBiggestFirst() {
        #expect(WatchSort.rate.next == .rtt && WatchSort.rtt.next == .retrans)
        #expect(WatchSort.retrans.next == .age && WatchSort.age.next == .rate)
        func row(_ cookie: UInt64, rate: Double, rtt: UInt64, retrans: UInt64, age: Double) -> WatchRow {
            WatchRow(sample: Self.sample(cookie: cookie, rtt: rtt), sendRate: rate, receiveRate: 0, retransmits: retrans, age: age)
        }
        let rows = [
            row(1, rate: 10, rtt: 300, retrans: 0, age: 9), row(2, rate: 500, rtt: 100, retrans: 1, age: 5),
            row(3, rate: 20, rtt: 200, retrans: 7, age: 1),
        ]
        func order(_ sort: WatchSort) -> [UInt64] {
            var sorted = rows
            sort.sort(&sorted)
            return sorted.map(\.sample.cookie)
        }
        #expect(order(.rate) == [2, 3, 1])
        #expect(order(.rtt) == [1, 3, 2])
        #expect(order(.retrans) == [3, 2, 1])
        #expect(order(.age) == [3, 2, 1])
    }

    @Test func processRowsSumTheirSocketsAndCountSharedOnesOnce() {
        let a = SocketHolder(pid: 10, fd: 3, command: "nginx")
        let b = SocketHolder(pid: 20, fd: 4, command: "curl")
        func row(_ cookie: UInt64, _ holders: [SocketHolder], _ rate: Double) -> WatchRow {
            WatchRow(sample: Self.sample(cookie: cookie, holders: holders), sendRate: rate, receiveRate: 1, retransmits: 1, age: 2)
        }
        var processes = GroupRow.byProcess([row(1, [a], 100), row(2, [a, b], 50), row(3, [b], 5), row(4, [], 7)])
        WatchSort.rate.sort(&processes)
        #expect(processes.map(\.pid) == [10, 0, 20])
        #expect(processes[0].sockets == 2 && processes[0].sendRate == 150 && processes[0].receiveRate == 2)
        #expect(processes[0].retransmits == 2)
        #expect(processes[2].sockets == 1 && processes[2].command == "curl")
        #expect(WatchColumns.cells(processes[1])[1] == "(no owner)")
    }

    @Test func ratesPrintWithThreeDigitsAndReadBack() {
        let cases: [(Double, String)] = [
            (0, "0"), (812.4, "812"), (999.4, "999"), (999.6, "1.00k"), (1234, "1.23k"), (12_345, "12.3k"),
            (123_456, "123k"), (999_999, "1.00M"), (1_638_400, "1.64M"), (2.5e9, "2.50G"),
        ]
        for (value, text) in cases {
            #expect(WatchColumns.rate(value) == text, "\(value)")
            let back = WatchColumns.parseRate(text)!
            #expect(abs(back - value) <= max(1, value * 0.005), "\(text)")
        }
        #expect(WatchColumns.rate(nil) == "-")
        #expect(WatchColumns.age(42) == "42s")
        #expect(WatchColumns.age(187) == "3m07s")
        #expect(WatchColumns.age(7500) == "2h05m")
        #expect(WatchColumns.milliseconds(30) == "0.03")
        #expect(WatchColumns.milliseconds(45_123) == "45.1")
    }

    @Test func framesFitTheWindowAndScrollWithTheSelection() {
        let holder = SocketHolder(pid: 4242, fd: 3, command: "bad\nname")
        let rows = (1...30).map { (i: Int) -> WatchRow in
            let sample = Self.sample(cookie: UInt64(i), holders: [holder], port: UInt16(40000 + i))
            return WatchRow(sample: sample, sendRate: Double(i * 1000), receiveRate: 0, retransmits: 0, age: 1)
        }
        var frame = WatchFrame(width: 60, height: 10, view: WatchView(), delay: "1")
        var lines = frame.lines(rows)
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0.unicodeScalars.count <= 60 })
        #expect(lines[0].hasPrefix("sockwatch watch  every 1s  sort: rate  rows 1–6 of 30"), "\(lines[0])")
        #expect(lines[1].hasPrefix("30 sockets ↑"))
        #expect(lines[2].hasPrefix("State"), "\(lines[2])")  // Proto and Cwnd left out to fit 60 columns
        #expect(lines[3].contains("127.0.0.1:40030"))  // fastest first
        #expect(lines[9].hasPrefix("? help"))
        // The selection moves the rows: to the end, then a page up.
        let listing = frame.view.listing(rows)
        frame.cursor.jump(toEnd: true, in: listing, page: WatchFrame.page(height: 10))
        lines = frame.lines(rows)
        #expect(lines[0].contains("rows 25–30 of 30"), "\(lines[0])")
        #expect(lines[8].contains("127.0.0.1:40001"))
        frame.cursor.move(-6, in: listing, page: WatchFrame.page(height: 10))
        #expect(frame.lines(rows)[0].contains("rows 24–29 of 30"))
        // The selection follows its socket when the order changes.
        let key = frame.cursor.key
        var reversed = rows
        for i in reversed.indices { reversed[i].sendRate = Double((31 - i) * 1000) }
        frame.cursor.place(in: frame.view.listing(reversed), page: WatchFrame.page(height: 10))
        #expect(frame.cursor.key == key)
        #expect(frame.cursor.index == 30 - 24)
        // Wide enough, every column and the owner show, escaped.
        let wide = WatchFrame(width: 200, height: 5, view: WatchView(), delay: "1").lines(rows)
        #expect(wide[2].hasPrefix("Proto State"))
        #expect(wide[3].hasSuffix("4242/bad\\nname"))
        #expect(wide[3].contains("30.0k"))
        // The escapes address each line and clear what the last frame left.
        let out = OutputBuffer(fd: nil)
        frame.render(rows, to: out)
        #expect(out.text.hasPrefix("\u{1B}[1;1Hsockwatch watch"))
        #expect(out.text.hasSuffix("\u{1B}[J"))
        // A tiny window still draws something sensible.
        #expect(WatchFrame(width: 5, height: 1, view: WatchView(), delay: "1").lines(rows) == ["sockw"])
    }

    @Test func coloursOnlyWhenAskedAndNeverInsideEscapedNames() {
        let holder = SocketHolder(pid: 1, fd: 3, command: "\u{1B}[31mred")
        let rows = [
            WatchRow(sample: Self.sample(cookie: 1, holders: [holder]), sendRate: 9e6, receiveRate: 0, retransmits: 0, age: 1),
            WatchRow(sample: Self.sample(cookie: 2, holders: [holder]), sendRate: 5e6, receiveRate: 0, retransmits: 0, age: 1),
        ]
        var frame = WatchFrame(width: 200, height: 8, view: WatchView(), delay: "1")
        let plain = OutputBuffer(fd: nil)
        frame.render(rows, to: plain)
        #expect(!plain.text.contains("\u{1B}[32m") && !plain.text.contains("\u{1B}[33m"))
        frame.colour = true
        let coloured = OutputBuffer(fd: nil)
        frame.render(rows, to: coloured)
        #expect(coloured.text.contains("\u{1B}[7mESTABLISHED"))  // the selection: reverse video only
        #expect(coloured.text.contains("\u{1B}[32mESTABLISHED"))  // the other row: established is green
        #expect(coloured.text.contains("\u{1B}[33m 5.00M"))  // 5 MB/s: yellow
        // The hostile name is escaped text either way: its ESC never reaches the terminal.
        #expect(!coloured.text.contains("\u{1B}[31mred"))
    }

    @Test func bitsTotalsAndContainerGrouping() {
        var tracker = RateTracker()
        _ = tracker.update([Self.sample(cookie: 1, acked: 1000, received: 0)], at: 0)
        let rows = tracker.update([Self.sample(cookie: 1, acked: 126_000, received: 500)], at: 1_000_000_000)
        #expect(rows[0].sentSinceStart == 125_000 && rows[0].receivedSinceStart == 500)
        #expect(tracker.hostSent == 125_000 && tracker.hostReceived == 500)
        #expect(WatchColumns.cells(rows[0], bits: true, totals: false)[4] == "1.00M")
        #expect(WatchColumns.cells(rows[0], bits: false, totals: true)[4] == "125k")
        #expect(WatchColumns.columns(grouping: .sockets, bits: true, totals: false)[4].title == "Send b/s")
        #expect(WatchColumns.columns(grouping: .sockets, bits: false, totals: true)[4].title == "Sent")
        var view = WatchView()
        view.toggle(.container)
        let groups = view.listing(rows).groups
        #expect(groups.count == 1 && groups[0].key == .container(nil) && groups[0].sockets == 1)
        #expect(view.listing(rows).table(0..<1).rows[0][0] == "-")
        view.toggle(.container)
        #expect(view.grouping == .sockets)
    }

    @Test func sparklineScalesTheLastMinute() {
        var line = Sparkline()
        for i in 0..<10 { line.add(Double(i), at: UInt64(i) * 6_000_000_000) }
        #expect(line.render(cells: 10, now: 60_000_000_000) == "▁▂▃▃▄▅▆▆▇█")
        #expect(line.render(cells: 20, now: 60_000_000_000).filter { $0 == " " }.count == 10)  // slices without a sample
        #expect(line.maximum == 9)
        line.add(0, at: 200_000_000_000)  // everything older than a minute goes
        #expect(line.maximum == 0)
    }

    @Test func plainAndJSONIntervals() throws {
        let holder = SocketHolder(pid: 7, fd: 3, command: "a\"b")
        let rows = [
            WatchRow(sample: Self.sample(cookie: 5, holders: [holder]), sendRate: 1500.4, receiveRate: nil, retransmits: 2, age: 1.25)
        ]
        let out = OutputBuffer(fd: nil)
        try WatchTableRenderer(out: out, view: WatchView(), delay: "0.5").render(interval: 3, rows)
        let lines = out.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("interval 3  every 0.5s  sort: rate  1 sockets  send 1.50k/s"))
        #expect(lines[1].hasPrefix("Proto State"))
        #expect(lines[2].split(separator: " ", omittingEmptySubsequences: true)[4] == "1.50k")
        #expect(lines[3] == "" && lines.count == 5)

        let json = OutputBuffer(fd: nil)
        try WatchJSONRenderer(out: json, view: WatchView()).render(interval: 3, rows)
        let text = json.text
        #expect(text.hasPrefix("{\"interval\":3,\"netid\":\"tcp\",\"family\":\"inet\",\"state\":\"established\""))
        #expect(text.contains(",\"age\":1.250,\"send_rate\":1500,\"retrans\":2,"))
        #expect(!text.contains("recv_rate"))
        // No cgroup joined: the workload is null.
        #expect(text.hasSuffix("\"processes\":[{\"pid\":7,\"fd\":3,\"comm\":\"a\\\"b\"}],\"container\":null}\n"))
    }
}
