import Foundation
import ProcIndex
import Testing
@testable import SockDiag
@testable import SockRender

/// NDJSON: every line parses, and carries exactly the keys the options ask for.
@Suite struct JSONRendererTests {
    static let baseKeys: Set<String> = [
        "netid", "family", "type", "state", "recv_q", "send_q", "local_addr", "local_port", "peer_addr", "peer_port",
        "uid", "inode", "cookie",
    ]

    /// Renders `records` and parses each line.
    static func render(
        _ records: [SocketRecord], options: RenderOptions = RenderOptions(), owners: ProcessIndex? = nil
    ) throws -> (text: String, objects: [[String: Any]]) {
        let out = OutputBuffer(fd: nil)
        let renderer = JSONRenderer(out: out, options: options)
        for record in records { try renderer.render(record, owners: owners) }
        try renderer.finish()
        let text = out.text
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == records.count, "one line per socket")
        let objects = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        return (text, objects)
    }

    static func options(_ configure: (inout RenderOptions) -> Void) -> RenderOptions {
        var options = RenderOptions()
        configure(&options)
        return options
    }

    // MARK: - Keys and values

    @Test func baseKeysAndValues() throws {
        let (_, objects) = try Self.render([Samples.tcp4, Samples.udp4, Samples.tcp6Long])
        let tcp = objects[0]
        #expect(Set(tcp.keys) == Self.baseKeys.union(["cong"]))
        #expect(tcp["netid"] as? String == "tcp")
        #expect(tcp["family"] as? String == "inet")
        #expect(tcp["state"] as? String == "established")
        #expect(tcp["recv_q"] as? Int == 1 && tcp["send_q"] as? Int == 2)
        #expect(tcp["local_addr"] as? String == "127.0.0.1" && tcp["local_port"] as? Int == 8080)
        #expect(tcp["peer_addr"] as? String == "127.0.0.1" && tcp["peer_port"] as? Int == 51_234)
        #expect(tcp["uid"] as? Int == 1000 && tcp["inode"] as? Int == 555)
        #expect((tcp["cookie"] as? NSNumber)?.uint64Value == 0x1122_3344_5566_7788)
        #expect(tcp["cong"] as? String == "cubic")

        let udp = objects[1]
        #expect(Set(udp.keys) == Self.baseKeys)  // no congestion known: no "cong"
        #expect(udp["state"] as? String == "close" && udp["peer_port"] as? Int == 0)
        #expect(udp["peer_addr"] as? String == "0.0.0.0")

        let v6 = objects[2]
        #expect(v6["family"] as? String == "inet6" && v6["state"] as? String == "time-wait")
        #expect(v6["local_addr"] as? String == "2001:db8:1234:5678:9abc:def0:1234:5678")
        #expect(v6["peer_addr"] as? String == "::1")
        #expect(v6["local_port"] as? Int == 65_535)
    }

    @Test func tcpInfoOnlyWithInfo() throws {
        #expect(try Self.render([Samples.tcp4]).objects[0]["tcp_info"] == nil)
        let (_, objects) = try Self.render([Samples.tcp4, Samples.udp4], options: Self.options { $0.info = true })
        #expect(Set(objects[0].keys) == Self.baseKeys.union(["cong", "tcp_info"]))
        let info = try #require(objects[0]["tcp_info"] as? [String: Any])
        #expect(Set(info.keys) == Set(TCPInfo.fields.map(\.name)))
        #expect(!info.keys.contains { $0.hasPrefix("tcpi_") })
        #expect(info["rtt"] as? Int == 50 && info["rttvar"] as? Int == 25)
        #expect(info["snd_cwnd"] as? Int == 10)
        #expect(info["bytes_acked"] as? Int == 123_456)
        #expect(info["snd_wscale"] as? Int == 7 && info["rcv_wscale"] as? Int == 8)
        #expect(objects[1]["tcp_info"] == nil)  // UDP has none
    }

    @Test func shortTCPInfoListsOnlyTheFieldsSent() throws {
        var record = Samples.tcp4
        record.tcpInfo = Samples.tcpInfoBytes().prefix(104).withUnsafeBytes { TCPInfo(bytes: $0) }
        let info = try #require(try Self.render([record], options: Self.options { $0.info = true })
            .objects[0]["tcp_info"] as? [String: Any])
        #expect(info["rtt"] as? Int == 50)
        #expect(info["total_retrans"] != nil)
        #expect(info["bytes_acked"] == nil && info["delivery_rate"] == nil && info["snd_wnd"] == nil)
    }

    @Test func skmemOnlyWithMemory() throws {
        #expect(try Self.render([Samples.tcp4]).objects[0]["skmem"] == nil)
        let (_, objects) = try Self.render([Samples.tcp4], options: Self.options { $0.memory = true })
        #expect(Set(objects[0].keys) == Self.baseKeys.union(["cong", "skmem"]))
        let skmem = try #require(objects[0]["skmem"] as? [String: Int])
        #expect(skmem == Dictionary(uniqueKeysWithValues: SkMemInfo.counters.enumerated().map {
            ($1.name, ($0 + 1) * 10)
        }))
    }

    @Test func timerOnlyWithTimers() throws {
        #expect(try Self.render([Samples.tcp4]).objects[0]["timer"] == nil)
        let (_, objects) = try Self.render([Samples.tcp4], options: Self.options { $0.timers = true })
        #expect(Set(objects[0].keys) == Self.baseKeys.union(["cong", "timer"]))
        let timer = try #require(objects[0]["timer"] as? [String: Any])
        #expect(timer["name"] as? String == "on")
        #expect(timer["expires_ms"] as? Int == 204 && timer["retrans"] as? Int == 1)
    }

    @Test func everythingAtOnce() throws {
        let all = Self.options { $0.info = true; $0.memory = true; $0.timers = true; $0.processes = true; $0.extended = true }
        let (_, objects) = try Self.render([Samples.tcp4, Samples.udp4], options: all)
        #expect(Set(objects[0].keys) == Self.baseKeys.union(["cong", "tcp_info", "skmem", "timer", "processes"]))
        #expect(Set(objects[1].keys) == Self.baseKeys.union(["timer", "processes"]))
    }

    // MARK: - Processes

    @Test func processesWithoutOwnersIsAnEmptyArray() throws {
        #expect(try Self.render([Samples.tcp4]).objects[0]["processes"] == nil)
        let (text, objects) = try Self.render([Samples.tcp4], options: Self.options { $0.processes = true })
        #expect(text.contains(#""processes":[]"#))
        #expect((objects[0]["processes"] as? [Any])?.isEmpty == true)
    }

    @Test func processesOfARealSocket() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var st = stat()
        try #require(fstat(fd, &st) == 0)
        var record = Samples.udp4
        record.inode = UInt32(truncatingIfNeeded: st.st_ino)
        let owners = ProcessIndex(pids: [getpid()])
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8)
            .trimmingCharacters(in: .newlines)

        let (_, objects) = try Self.render([record], options: Self.options { $0.processes = true }, owners: owners)
        let processes = try #require(objects[0]["processes"] as? [[String: Any]])
        try #require(processes.count == 1)
        #expect(processes[0]["pid"] as? Int == Int(getpid()))
        #expect(processes[0]["fd"] as? Int == Int(fd))
        #expect(processes[0]["comm"] as? String == comm)
    }

    @Test func hostileCommandNameStaysOnOneLine() throws {
        let fake = try FakeProc(pid: 4242, fd: 7, inode: 31_337, command: Samples.hostileCommand)
        defer { fake.remove() }
        var record = Samples.tcp4
        record.inode = 31_337
        let (text, objects) = try Self.render(
            [record, Samples.udp4], options: Self.options { $0.processes = true }, owners: fake.index)
        #expect(text.split(separator: "\n").count == 2)
        let processes = try #require(objects[0]["processes"] as? [[String: Any]])
        #expect(processes.count == 1)
        #expect(processes.first?["pid"] as? Int == 4242 && processes.first?["fd"] as? Int == 7)
        #expect(processes.first?["comm"] as? String == Samples.hostileCommand)
    }

    @Test func hostileCongestionNameIsEscaped() throws {
        var record = Samples.udp4
        record.congestion = "x\"}\n{\"a\":1"
        let (_, objects) = try Self.render([record])
        #expect(objects[0]["cong"] as? String == "x\"}\n{\"a\":1")
    }
}

// MARK: - Fixtures

/// A `/proc` look-alike with one process holding one socket, for `ProcessIndex(procRoot:pids:)`.
struct FakeProc {
    let root: String
    let index: ProcessIndex

    init(pid: Int32, fd: Int32, inode: UInt64, command: String) throws {
        var template = Array("\(NSTemporaryDirectory())/sockwatch-proc-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        root = String(cString: made)
        let fdDir = "\(root)/\(pid)/fd"
        try FileManager.default.createDirectory(atPath: fdDir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(fdDir)/\(fd)", withDestinationPath: "socket:[\(inode)]")
        try (command + "\n").write(toFile: "\(root)/\(pid)/comm", atomically: false, encoding: .utf8)
        index = ProcessIndex(procRoot: root, pids: [pid])
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

/// Records built by hand, shared by the renderer tests.
enum Samples {
    /// Quotes, a newline, a tab, a control byte and what looks like a table row; under comm's 32-byte read.
    static let hostileCommand = "ev\"il\n\ttcp 0 0 6.6.6.6:1\u{1}"

    static func endpoint(_ address: String, _ port: UInt16) -> InetEndpoint {
        InetEndpoint(address: IPAddress(address)!, port: port)
    }

    /// A full `tcp_info` with a few known values, placed at the C shim's offsets.
    static func tcpInfoBytes() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 232)
        func put<T: FixedWidthInteger>(_ field: TCPInfo.Field, _ value: T) {
            withUnsafeBytes(of: value) { bytes.replaceSubrange(field.offset..<(field.offset + $0.count), with: $0) }
        }
        put(.options, UInt8(4))             // TCPI_OPT_WSCALE
        bytes[TCPInfo.Field.sndWscale.offset] = 0x87  // snd 7, rcv 8
        put(.rto, UInt32(204_000))
        put(.rtt, UInt32(50))
        put(.rttvar, UInt32(25))
        put(.sndMss, UInt32(1448))
        put(.sndCwnd, UInt32(10))
        put(.sndSsthresh, UInt32(0x7FFF_FFFF))
        put(.bytesAcked, UInt64(123_456))
        return bytes
    }

    static var tcp4: SocketRecord {
        var r = SocketRecord(
            netid: .tcp, family: .inet, state: .established,
            local: endpoint("127.0.0.1", 8080), peer: endpoint("127.0.0.1", 51_234),
            cookie: 0x1122_3344_5566_7788,
            timer: SocketTimer(kind: .on, expiresMilliseconds: 204, retransmits: 1),
            recvQ: 1, sendQ: 2, uid: 1000, inode: 555)
        r.congestion = "cubic"
        r.tcpInfo = tcpInfoBytes().withUnsafeBytes { TCPInfo(bytes: $0) }
        let counters: [UInt32] = (1...9).map { UInt32($0 * 10) }
        r.skMemInfo = counters.withUnsafeBytes { SkMemInfo(bytes: $0) }
        return r
    }

    static var udp4: SocketRecord {
        SocketRecord(
            netid: .udp, family: .inet, state: .close,
            local: endpoint("0.0.0.0", 53), peer: endpoint("0.0.0.0", 0), uid: 0, inode: 777)
    }

    static var tcp6Listen: SocketRecord {
        SocketRecord(
            netid: .tcp, family: .inet6, state: .listen,
            local: endpoint("::1", 443), peer: endpoint("::", 0), sendQ: 128, inode: 888)
    }

    static var tcp6Long: SocketRecord {
        SocketRecord(
            netid: .tcp, family: .inet6, state: .timeWait,
            local: endpoint("2001:db8:1234:5678:9abc:def0:1234:5678", 65_535), peer: endpoint("::1", 443))
    }
}
