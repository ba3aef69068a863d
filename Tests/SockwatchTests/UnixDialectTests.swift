import Foundation
import ProcIndex
import SockDiag
import SockRender
import SockTestSupport
import Testing

@testable import sockwatch

// MARK: - The sockets

/// UNIX sockets of every shape netstat and lsof tell apart, held by a child process (`sleep`) alone:
/// a named listener with one accepted connection, an abstract listener with one connection not yet accepted
/// (the kernel's socket for it has no inode: netstat's CONNECTING row), a socketpair, a sequenced-packet pair,
/// an unbound datagram socket, a datagram socket bound to a path with a colon (lsof cuts the name there) and one
/// bound to a path with a space (netstat cuts it there).
final class UnixFixture {
    let tag: String
    let listenerPath: String
    let abstractName: String
    let colonPath: String
    let spacePath: String
    /// The inodes of the descriptors the child holds.
    let inodes: [UInt64]
    let child: HoldingChild

    init() throws {
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let (listenerPath, abstractName) = ("/tmp/sockwatch-unix-\(tag).sock", "sockwatch-unix-\(tag)")
        let (colonPath, spacePath) = ("/tmp/sockwatch-unix-\(tag):dgram", "/tmp/sockwatch-unix-\(tag) dgram")
        (self.tag, self.listenerPath, self.abstractName) = (tag, listenerPath, abstractName)
        (self.colonPath, self.spacePath) = (colonPath, spacePath)
        var fds: [Int32] = []
        func make(_ type: Int32) -> Int32 {
            let fd = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
            precondition(fd >= 0, "socket: \(errno)")
            fds.append(fd)
            return fd
        }
        let stream = Int32(SOCK_STREAM.rawValue)
        let dgram = Int32(SOCK_DGRAM.rawValue)
        let listener = make(stream)
        Self.bind(listener, Self.pathBytes(listenerPath))
        precondition(listen(listener, 4) == 0)
        let client = make(stream)
        Self.connect(client, Self.pathBytes(listenerPath))
        let accepted = accept(listener, nil, nil)
        precondition(accepted >= 0, "accept: \(errno)")
        _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
        fds.append(accepted)
        let abstract = make(stream)
        Self.bind(abstract, [0] + Array(abstractName.utf8))
        precondition(listen(abstract, 4) == 0)
        let pending = make(stream)
        Self.connect(pending, [0] + Array(abstractName.utf8))
        for type in [stream, Int32(SOCK_SEQPACKET.rawValue)] {
            var pair: [Int32] = [0, 0]
            precondition(socketpair(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
            fds += pair
        }
        _ = make(dgram)
        let colon = make(dgram)
        Self.bind(colon, Self.pathBytes(colonPath))
        let space = make(dgram)
        Self.bind(space, Self.pathBytes(spacePath))

        inodes = fds.map { fd -> UInt64 in
            var st = stat()
            precondition(fstat(fd, &st) == 0)
            return UInt64(st.st_ino)
        }
        child = try HoldingChild.sleep(holding: fds)
        for fd in fds { close(fd) }
    }

    deinit {
        child.terminate()
        for path in [listenerPath, colonPath, spacePath] { unlink(path) }
    }

    var childPID: String { String(child.processIdentifier) }

    /// Whether a netstat line belongs to the fixture: its I-Node is one of ours, or it is the connection the
    /// abstract listener has not accepted (inode 0, the listener's name).
    func owns(netstatLine line: String) -> Bool {
        // `%-5s %-6ld %-11s %-10s %-13s ` is 50 columns; the inode follows.
        let bytes = Array(line.utf8)
        guard line.hasPrefix("unix "), bytes.count > 50,
            let inode = UInt64(String(decoding: bytes[50...].prefix { $0 != 0x20 }, as: UTF8.self))
        else { return false }
        if inode == 0 { return line.hasSuffix(" @\(abstractName)") }
        return inodes.contains(inode)
    }

    private static func pathBytes(_ path: String) -> [UInt8] { Array(path.utf8) }

    private static func withAddress(_ name: [UInt8], _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in name.enumerated() { raw[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    private static func bind(_ fd: Int32, _ name: [UInt8]) {
        let rc = withAddress(name) { Glibc.bind(fd, $0, $1) }
        precondition(rc == 0, "bind: \(errno)")
    }

    private static func connect(_ fd: Int32, _ name: [UInt8]) {
        let rc = withAddress(name) { Glibc.connect(fd, $0, $1) }
        precondition(rc == 0, "connect: \(errno)")
    }
}

// MARK: - netstat -x

/// `sockwatch netstat -x…` against net-tools netstat, on the fixture's sockets.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/netstat"), "net-tools netstat is not installed"))
struct NetstatUnixTests {
    /// The headings and the fixture's rows, sorted (netstat prints in the kernel's hash order; sockwatch the
    /// same for dumped sockets, and the not-yet-accepted ones last).
    static func lines(_ result: BinaryRunner.Result, _ fixture: UnixFixture) -> [String] {
        result.stdout.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("Active UNIX") || $0.hasPrefix("Proto RefCnt") || fixture.owns(netstatLine: $0) }
            .sorted()
    }

    @Test(arguments: ["-x", "-xa", "-xl", "-xp", "-xap", "-xlp", "--unix", "-xan"])
    func sameLinesAsNetstat(flags: String) throws {
        let fixture = try UnixFixture()
        var real: [String] = []
        var ours: [String] = []
        // A reference count can move for a moment (another test's lookup holds a socket): try a few times.
        for _ in 0..<5 {
            let netstat = try BinaryRunner.exec("/usr/bin/netstat", [flags])
            let sockwatch = try BinaryRunner.run(["netstat", flags])
            #expect(sockwatch.status == 0 && sockwatch.stderr.isEmpty, "\(sockwatch.stderr)")
            real = Self.lines(netstat, fixture)
            ours = Self.lines(sockwatch, fixture)
            if real == ours { break }
        }
        #expect(ours == real, "netstat \(flags)")
        // Headings plus: -l the two listeners; the default everything else (8 + the pending connection).
        let expected = flags.contains("a") ? 13 : flags.contains("l") ? 2 : 11
        let holding = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(fixture.childPID)/fd")) ?? []
        #expect(real.count == expected + 2, "netstat \(flags): \(real); the child holds fds \(holding.sorted())")
    }

    @Test func theRowsSayWhatTheSocketsAre() throws {
        let fixture = try UnixFixture()
        let result = try BinaryRunner.run(["netstat", "-xap"])
        let rows = Self.lines(result, fixture)
        let pid = fixture.childPID
        func row(_ suffix: String) -> String? { rows.first { $0.hasSuffix(suffix) } }
        let listener = try #require(row(" \(fixture.listenerPath)"))
        #expect(listener.contains("[ ACC ]     STREAM     LISTENING") && listener.contains(" \(pid)/sleep "))
        #expect(rows.contains { $0.contains("STREAM     CONNECTING    0        -   ") && $0.hasSuffix("@\(fixture.abstractName)") })
        // netstat's %s stops at the blank; the colon stays.
        #expect(row(" /tmp/sockwatch-unix-\(fixture.tag)")?.contains("DGRAM      ") == true)
        #expect(row(" \(fixture.colonPath)")?.contains("DGRAM      ") == true)
        #expect(rows.filter { $0.contains("SEQPACKET  CONNECTED") }.count == 2)
    }

    @Test func noProtocolListsBothSections() throws {
        let result = try BinaryRunner.run(["netstat", "-n"])
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        let headings = result.lines.filter { $0.hasPrefix("Active ") }
        #expect(headings == ["Active Internet connections (w/o servers)", "Active UNIX domain sockets (w/o servers)"])
        let only4 = try BinaryRunner.run(["netstat", "-4n"])
        #expect(only4.lines.filter { $0.hasPrefix("Active ") } == ["Active Internet connections (w/o servers)"])
        let unixOnly = try BinaryRunner.run(["netstat", "-xl"])
        #expect(unixOnly.lines.first == "Active UNIX domain sockets (only servers)")
        #expect(!unixOnly.stdout.contains("Internet"))
    }
}

// MARK: - lsof -U

/// `sockwatch lsof -U` against real lsof, on the fixture's sockets: the child holds them alone, so the whole
/// listing of the child compares, widths included.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: LsofOracle.path != nil, "lsof is not installed: nothing to compare sockwatch lsof with"))
struct LsofUnixTests {
    @Test(arguments: [
        ["-U"], ["-U", "-Tq"], ["-U", "-T"], ["-U", "-F", "pcfitdoPnT"], ["-U", "-F", "pcuLftdaolinT0"], ["-U", "-t"],
        ["-U", "-i"], ["-U", "-l", "+c", "0"],
    ])
    func sameOutputAsLsof(extra: [String]) throws {
        let fixture = try UnixFixture()
        let arguments = ["-a", "-p", fixture.childPID] + extra
        let lsof = try BinaryRunner.exec(try #require(LsofOracle.path), arguments)
        let ours = try BinaryRunner.run(["lsof"] + arguments)
        #expect(ours.stderr.isEmpty, "\(ours.stderr)")
        #expect(lsof.stdout.isEmpty == extra.contains("-i"), "lsof \(arguments): \(lsof.stdout)")
        #expect(ours.stdout == lsof.stdout, "lsof \(arguments)")
        #expect(ours.status == lsof.status, "lsof \(arguments)")
    }

    @Test func rowsNameTheSockets() throws {
        let fixture = try UnixFixture()
        let result = try BinaryRunner.run(["lsof", "-U", "-a", "-p", fixture.childPID])
        let rows = result.lines.dropFirst().map(String.init)
        #expect(rows.count == 12, "\(rows)")
        #expect(rows.allSatisfy { $0.contains(" unix 0x") && $0.contains(" 0t0 ") })
        #expect(rows.contains { $0.hasSuffix(" \(fixture.listenerPath) type=STREAM (LISTEN)") })
        #expect(rows.contains { $0.hasSuffix(" @\(fixture.abstractName) type=STREAM (LISTEN)") })
        // lsof reads the name up to a colon, or a blank.
        #expect(rows.contains { $0.hasSuffix(" /tmp/sockwatch-unix-\(fixture.tag) type=DGRAM (UNCONNECTED)") })
        #expect(rows.filter { $0.hasSuffix(" type=SEQPACKET (CONNECTED)") }.count == 2)
        for inode in fixture.inodes { #expect(rows.contains { $0.contains(" \(inode) ") }, "inode \(inode)") }
    }

    @Test func unixSocketsJoinOtherSelections() throws {
        let fixture = try UnixFixture()
        // -U without -a: every UNIX socket, the fixture's among them; with -i and -a, nothing (and lsof's
        // "no Internet files located" status).
        let all = try BinaryRunner.run(["lsof", "-U"])
        #expect(all.status == 0)
        #expect(all.lines.filter { $0.contains(" \(fixture.childPID) ") }.count == 12)
        #expect(!all.stdout.contains("IPv4"))
        let none = try BinaryRunner.run(["lsof", "-a", "-U", "-i", "-p", fixture.childPID])
        #expect(none.status == 1 && none.stdout.isEmpty)
        // A process selection alone lists its UNIX sockets too, among all of its files, as lsof does.
        let process = try BinaryRunner.run(["lsof", "-p", fixture.childPID])
        #expect(process.lines.filter { $0.contains(" unix ") }.count == 12)
        #expect(process.lines.contains { $0.contains(" cwd ") && $0.contains(" DIR ") })
    }
}
