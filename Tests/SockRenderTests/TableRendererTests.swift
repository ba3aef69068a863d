import ProcIndex
import Testing
@testable import SockDiag
@testable import SockRender

/// The netstat-like table: columns, alignment, netstat's spellings, detail lines and windows.
@Suite struct TableRendererTests {
    /// Renders `records` into memory and returns the lines (without their newlines).
    static func render(
        _ records: [SocketRecord], options: RenderOptions = RenderOptions(), window: Int = 4096,
        owners: ProcessIndex? = nil
    ) throws -> [String] {
        let out = OutputBuffer(fd: nil)
        let renderer = TableRenderer(out: out, options: options, window: window)
        for record in records { try renderer.render(record, owners: owners) }
        try renderer.finish()
        let text = out.text
        #expect(text.isEmpty || text.hasSuffix("\n"))
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Where `title` starts in the header line, in bytes.
    static func column(_ title: String, in header: String) throws -> Int {
        let range = try #require(header.range(of: title), "no \(title) in \(header)")
        return header.utf8.distance(from: header.startIndex, to: range.lowerBound)
    }

    /// The text of `line` from byte `offset` on.
    static func cell(_ line: String, at offset: Int) -> Substring {
        Substring(line.utf8.dropFirst(offset))
    }

    static let mixed = [Samples.tcp4, Samples.udp4, Samples.tcp6Listen, Samples.tcp6Long]

    // MARK: - Columns

    @Test func headerColumns() throws {
        let lines = try Self.render([])
        #expect(lines.count == 1)
        let words = lines[0].split(separator: " ").joined(separator: " ")
        #expect(words == "Proto Recv-Q Send-Q Local Address Foreign Address State")

        var all = RenderOptions()
        all.extended = true
        all.timers = true
        all.processes = true
        let wide = try Self.render([], options: all)[0].split(separator: " ").joined(separator: " ")
        #expect(wide == "Proto Recv-Q Send-Q Local Address Foreign Address State User Inode Cookie Timer PID/Program")
    }

    @Test func cellsLineUpUnderTheirTitles() throws {
        let lines = try Self.render(Self.mixed)
        try #require(lines.count == 5)
        let header = lines[0]
        let local = try Self.column("Local Address", in: header)
        let peer = try Self.column("Foreign Address", in: header)
        let state = try Self.column("State", in: header)
        let recvQEnd = try Self.column("Recv-Q", in: header) + 6
        let expected: [(proto: String, local: String, peer: String, state: String)] = [
            ("tcp", "127.0.0.1:8080", "127.0.0.1:51234", "ESTABLISHED"),
            ("udp", "0.0.0.0:53", "0.0.0.0:*", "UNCONN"),
            ("tcp6", "[::1]:443", "[::]:*", "LISTEN"),
            ("tcp6", "[2001:db8:1234:5678:9abc:def0:1234:5678]:65535", "[::1]:443", "TIME_WAIT"),
        ]
        for (line, row) in zip(lines.dropFirst(), expected) {
            #expect(line.hasPrefix(row.proto + " "), "\(line)")
            #expect(Self.cell(line, at: local).hasPrefix(row.local + " "), "\(line)")
            #expect(Self.cell(line, at: peer).hasPrefix(row.peer + " "), "\(line)")
            #expect(Self.cell(line, at: state) == Substring(row.state), "\(line)")
            for offset in [local, peer, state] {
                #expect(Array(line.utf8)[offset - 1] == 0x20, "a space before each column in \(line)")
            }
            // Recv-Q is right-aligned: its last digit sits under the title's last letter.
            let bytes = Array(line.utf8)
            #expect((0x30...0x39).contains(bytes[recvQEnd - 1]) && bytes[recvQEnd] == 0x20, "\(line)")
        }
    }

    @Test func stateNames() throws {
        var closedTCP = Samples.tcp4
        closedTCP.state = .close
        var connectedUDP = Samples.udp4
        connectedUDP.state = .established
        var finWait = Samples.tcp4
        finWait.state = .finWait1
        let lines = try Self.render([closedTCP, connectedUDP, finWait], options: Self.noHeader)
        #expect(lines.map { $0.split(separator: " ").last.map(String.init) } == ["CLOSE", "ESTABLISHED", "FIN_WAIT1"])
    }

    @Test func extendedAndTimerColumns() throws {
        var options = RenderOptions()
        options.extended = true
        options.timers = true
        let lines = try Self.render([Samples.tcp4], options: options)
        try #require(lines.count == 2)
        let header = lines[0]
        let row = lines[1]
        #expect(Self.cell(row, at: try Self.column("Timer", in: header)) == "on (0.20/1/0)")
        let cookie = "\(UInt64(0x1122_3344_5566_7788))"
        // Right-aligned: the numbers end where their titles end.
        let cookieEnd = try Self.column("Cookie", in: header) + 6
        #expect(String(Substring(row.utf8.prefix(cookieEnd))).hasSuffix(" " + cookie), "\(row)")
        let inodeEnd = try Self.column("Inode", in: header) + 5
        #expect(String(Substring(row.utf8.prefix(inodeEnd))).hasSuffix(" 555"), "\(row)")
        let userEnd = try Self.column("User", in: header) + 4
        #expect(String(Substring(row.utf8.prefix(userEnd))).hasSuffix("1000"), "\(row)")
    }

    // MARK: - Options

    static var noHeader: RenderOptions {
        var options = RenderOptions()
        options.header = false
        return options
    }

    @Test func noHeaderOption() throws {
        let lines = try Self.render(Self.mixed, options: Self.noHeader)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("tcp ") && lines[0].contains("127.0.0.1:8080"))
        #expect(!lines.contains { $0.contains("Proto") })
        #expect(try Self.render([], options: Self.noHeader).isEmpty)
    }

    @Test func detailLineWithInfoAndMemory() throws {
        var options = RenderOptions()
        options.info = true
        options.memory = true
        let lines = try Self.render([Samples.tcp4, Samples.udp4], options: options)
        try #require(lines.count == 4)  // header, tcp, its details, udp (which has none)
        #expect(lines[1].hasPrefix("tcp "))
        let detail = lines[2]
        #expect(detail.hasPrefix("\t"))
        #expect(detail.contains("skmem:(r10,rb20,t30,tb40,f50,w60,o70,bl80,d90)"))
        // ss's words and units: milliseconds as %g, zero counters left out.
        #expect(detail.contains(" cubic wscale:7,8 rto:204 rtt:0.05/0.025 mss:1448 "), "\(detail)")
        for part in ["cwnd:10", "bytes_acked:123456"] {
            #expect(detail.contains(part), "\(part) in \(detail)")
        }
        #expect(!detail.contains("ssthresh:"), "an infinite ssthresh is left out")
        #expect(lines[3].hasPrefix("udp "))

        let plain = try Self.render([Samples.tcp4, Samples.udp4])
        #expect(plain.count == 3 && !plain.contains { $0.hasPrefix("\t") })
    }

    @Test func memoryAloneShowsOnlySkmem() throws {
        var options = RenderOptions()
        options.memory = true
        let lines = try Self.render([Samples.tcp4], options: options)
        try #require(lines.count == 3)
        #expect(lines[2] == "\tskmem:(r10,rb20,t30,tb40,f50,w60,o70,bl80,d90)")
    }

    // MARK: - Windows

    @Test(arguments: [1, 2, 3, 5, 4096])
    func smallWindowsKeepEveryRowInOrder(window: Int) throws {
        let records: [SocketRecord] = (1...5).map { i in
            var r = Samples.tcp4
            r.local.port = UInt16(1000 + i)
            r.recvQ = UInt32(i)
            return r
        }
        var options = RenderOptions()
        options.memory = true
        let lines = try Self.render(records, window: window)
        try #require(lines.count == 6)
        #expect(lines.filter { $0.hasPrefix("Proto") }.count == 1)
        #expect(lines.dropFirst().map { $0.contains("127.0.0.1:100") } == Array(repeating: true, count: 5))
        let ports = lines.dropFirst().compactMap { line in (1...5).first { line.contains("127.0.0.1:\(1000 + $0) ") } }
        #expect(ports == [1, 2, 3, 4, 5])

        let withDetails = try Self.render(records, options: options, window: window)
        #expect(withDetails.count == 11)
        #expect(withDetails.enumerated().allSatisfy { $0.offset == 0 || ($0.offset % 2 == 0) == $0.element.hasPrefix("\t") })
    }

    /// Long `-i` rows end the staging window early (by bytes), and every row still comes out once, in order.
    @Test func detailRowsEndTheWindowByBytes() throws {
        var options = RenderOptions()
        options.info = true
        options.memory = true
        let records: [SocketRecord] = (0..<3000).map { i in
            var r = Samples.tcp4
            r.local.port = UInt16(10_000 + i)
            return r
        }
        let out = OutputBuffer(fd: nil)
        let renderer = TableRenderer(out: out, options: options, window: 4096)
        var emitted: (rows: Int, bytes: Int)?
        for (i, record) in records.enumerated() {
            try renderer.render(record, owners: nil)
            if emitted == nil, out.count > 0 { emitted = (i + 1, out.count) }
        }
        // Rows went out before the 4,096-row window filled, once their staged cells passed stageLimit bytes
        // (the output is those cells, padded, with header, tabs and newlines: at least as long).
        let first = try #require(emitted, "nothing was written before finish()")
        #expect(first.rows < 4096)
        #expect(first.bytes >= TableRenderer.stageLimit)
        #expect(first.bytes < 2 * TableRenderer.stageLimit)
        try renderer.finish()
        let lines = out.text.split(separator: "\n").map(String.init)
        let ports = lines.filter { !$0.hasPrefix("\t") && !$0.hasPrefix("Proto") }.compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first
                .flatMap { $0.split(separator: ":").last }.flatMap { Int($0) }
        }
        #expect(ports == Array(10_000..<13_000))
        #expect(lines.filter { $0.hasPrefix("\t") }.count == 3000)
    }

    // MARK: - Processes

    @Test func hostileCommandNameStaysOnOneLine() throws {
        let fake = try FakeProc(pid: 4242, fd: 7, inode: 31_337, command: Samples.hostileCommand)
        defer { fake.remove() }
        var record = Samples.tcp4
        record.inode = 31_337
        var options = RenderOptions()
        options.processes = true
        let lines = try Self.render([record, Samples.udp4], options: options, owners: fake.index)
        try #require(lines.count == 3)
        #expect(lines[1].hasSuffix(#"4242/ev"il\n\ttcp 0 0 6.6.6.6:1\x01"#), "\(lines[1])")
        #expect(lines[2].hasPrefix("udp ") && lines[2].hasSuffix("-"))
    }
}
