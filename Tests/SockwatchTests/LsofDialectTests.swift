import Foundation
import SockDiag
import SockPipeline
import SockRender
import SockTestSupport
import Testing

@testable import sockwatch

// MARK: - Against real lsof

/// `sockwatch lsof` and real lsof on the same live sockets: the same lines for the test's sockets, the same
/// header, the same exit status. A child process (`sleep`) holds copies of the sockets, so every socket has
/// two holders and the child's listing is stable while other tests open sockets in this process.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: LsofOracle.path != nil, "lsof is not installed: nothing to compare sockwatch lsof with"),
    .serialized)
final class LsofDialectTests {
    let listener = LiveSocket.tcpListener(v6: false)
    let listener6 = LiveSocket.tcpListener(v6: true)
    let connection: (client: LiveSocket, server: LiveSocket)
    let udp = LiveSocket.udp(v6: false)
    let udpConnected: LiveSocket
    let udp6 = LiveSocket.udp(v6: true)
    /// An IPv6 socket connected to the IPv4 listener through `::ffff:127.0.0.1`, and its accepted end.
    let mapped: (client: MappedSocket, server: MappedSocket)
    let child: HoldingChild

    init() throws {
        connection = LiveSocket.tcpConnection(to: listener)
        udpConnected = LiveSocket.udp(v6: false, connectedTo: udp)
        mapped = MappedSocket.connect(to: listener)
        let sources = [
            listener.fd, listener6.fd, connection.client.fd, connection.server.fd, udp.fd, udpConnected.fd,
            udp6.fd, mapped.client.fd, mapped.server.fd,
        ]
        child = try HoldingChild.sleep(holding: sources)
    }

    deinit { child.terminate() }

    var inodes: Set<String> {
        Set(
            [
                listener.inode, listener6.inode, connection.client.inode, connection.server.inode, udp.inode,
                udpConnected.inode, udp6.inode, mapped.client.inode, mapped.server.inode,
            ].map(String.init))
    }

    var childPID: String { String(child.processIdentifier) }

    /// Runs lsof and `sockwatch lsof` with `arguments`.
    func both(_ arguments: [String]) throws -> (lsof: BinaryRunner.Result, sockwatch: BinaryRunner.Result) {
        let lsof = try BinaryRunner.exec(try #require(LsofOracle.path), arguments)
        let sockwatch = try BinaryRunner.run(["lsof"] + arguments)
        return (lsof, sockwatch)
    }

    /// Runs both until `project` of their outputs agree (other processes' sockets may change the column
    /// widths between two runs), at most five times; returns the last pair of projections.
    func agree(
        _ arguments: [String], _ project: (BinaryRunner.Result) -> [String]
    ) throws -> (lsof: [String], sockwatch: [String], status: (Int32, Int32)) {
        var last: (lsof: [String], sockwatch: [String], status: (Int32, Int32)) = ([], [], (0, 0))
        for _ in 0..<5 {
            let (lsof, sockwatch) = try both(arguments)
            // Without -n, other sockets of the host may have addresses whose names the host's DNS does not give
            // in time: that one note is expected (lsof itself just waits).
            let said = sockwatch.stderr.split(separator: "\n").filter { !$0.contains(" had no name within ") }
            #expect(said.isEmpty, "sockwatch lsof \(arguments) said: \(sockwatch.stderr)")
            last = (project(lsof), project(sockwatch), (lsof.status, sockwatch.status))
            if last.lsof == last.sockwatch && last.status.0 == last.status.1 { break }
        }
        return last
    }

    /// The header and the table rows of the test's sockets (DEVICE is the sixth column), each as its words
    /// joined by one blank.
    ///
    /// A listing of the whole host sizes its columns to every process's sockets, which the tests running
    /// beside this suite open and close between lsof's run and sockwatch's; the widths are compared byte for
    /// byte by `compareAll`, on listings of the child alone.
    func rows(_ result: BinaryRunner.Result) -> [String] {
        let lines = result.lines.map { $0.split(separator: " ").joined(separator: " ") }
        guard let header = lines.first else { return [] }
        let mine = lines.dropFirst().filter { line in
            let words = line.split(separator: " ")
            return words.count > 5 && inodes.contains(String(words[5]))
        }
        return [header] + mine.sorted()
    }

    /// Compares the header and the rows of the test's sockets.
    func compareRows(_ arguments: [String], expectedRows: Int, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let (lsof, sockwatch, status) = try agree(arguments, rows)
        #expect(lsof.first?.hasPrefix("COMMAND") == true, "lsof \(arguments): \(lsof)", sourceLocation: sourceLocation)
        #expect(sockwatch.first == lsof.first, "header of \(arguments)", sourceLocation: sourceLocation)
        #expect(sockwatch == lsof, "rows of \(arguments)", sourceLocation: sourceLocation)
        #expect(lsof.count == expectedRows + 1, "\(arguments): \(lsof)", sourceLocation: sourceLocation)
        #expect(status.0 == 0 && status.1 == 0, "\(arguments)", sourceLocation: sourceLocation)
    }

    /// Compares the whole output, for listings of the child alone.
    func compareAll(
        _ arguments: [String], empty: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let (lsof, sockwatch, status) = try agree(arguments) { $0.lines.map(String.init) }
        #expect(lsof.isEmpty == empty, "lsof \(arguments): \(lsof)", sourceLocation: sourceLocation)
        #expect(sockwatch == lsof, "\(arguments)", sourceLocation: sourceLocation)
        #expect(status.0 == status.1, "exit status of \(arguments)", sourceLocation: sourceLocation)
    }

    // MARK: - The issue's invocations

    @Test func everyInternetSocket() throws {
        // Two holders (this process and the child) of 9 sockets.
        try compareRows(["-nPi"], expectedRows: 18)
    }

    @Test func listeningTCP() throws {
        try compareRows(["-nP", "-iTCP", "-sTCP:LISTEN"], expectedRows: 4)
    }

    @Test func oneIPv4TCPPort() throws {
        // The listener, both ends of the connection, and the mapped connection's two ends: the mapped client
        // is an IPv6 socket shown and matched as IPv4, as lsof does.
        try compareRows(["-nP", "-i4TCP:\(listener.localPort)"], expectedRows: 10)
        try compareAll(["-nP", "-i4TCP:\(listener.localPort)"])
    }

    @Test func oneProcessAndInternet() throws {
        try compareAll(["-nP", "-a", "-p", childPID, "-i"])
    }

    @Test func loopbackAddress() throws {
        // Every socket but the IPv6 ones on ::1.
        try compareRows(["-nP", "-i@127.0.0.1"], expectedRows: 14)
    }

    @Test func pidsOfAPort() throws {
        let (lsof, sockwatch, status) = try agree(["-t", "-iTCP:\(listener.localPort)"]) { $0.lines.map(String.init) }
        #expect(sockwatch == lsof)
        #expect(Set(lsof) == [String(getpid()), childPID])
        #expect(status == (0, 0))
    }

    @Test func udpSockets() throws {
        try compareRows(["-nP", "-iUDP"], expectedRows: 6)
    }

    @Test func fields() throws {
        // The child's process set in the listing of every Internet socket, and the child alone.
        let (lsof, sockwatch, _) = try agree(["-i", "-F", "pcnT"]) { result in
            let lines = result.lines.map(String.init)
            guard let start = lines.firstIndex(of: "p\(childPID)") else { return [] }
            let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("p") } ?? lines.endIndex
            return Array(lines[start..<end])
        }
        #expect(!lsof.isEmpty)
        #expect(sockwatch == lsof)
        #expect(lsof.contains("TST=LISTEN") && lsof.contains("TQR=0"))
        try compareAll(["-a", "-p", childPID, "-i", "-F", "pcnT"])
        try compareAll(["-a", "-p", childPID, "-i", "-F", "pcuLftdaolPnT0"])
    }

    // MARK: - More of lsof

    @Test func namesFromHostsAndServices() throws {
        // IPv4 only: lsof would ask DNS about ::1 where /etc/hosts does not name it.
        try compareAll(["-a", "-p", childPID, "-i4"])
        try compareAll(["-a", "-p", childPID, "-i4", "-P"])
    }

    @Test func selectionsCombine() throws {
        let port = String(listener.localPort)
        try compareAll(["-nP", "-a", "-p", childPID, "-c", "sle", "-i"])
        try compareAll(["-nP", "-a", "-c", "/^sl(e+)p$/", "-p", childPID, "-iTCP@127.0.0.1:\(port)", "-iUDP"])
        try compareAll(["-nP", "-a", "-p", childPID, "-i", "-sTCP:^ESTABLISHED,^LISTEN"])
        try compareAll(["-nP", "-a", "-p", childPID, "-i6", "-i4TCP"])
        // Nothing is both IPv6 and UDP with an IPv4 address, yet every search item was found: status 0.
        try compareAll(["-nP", "-a", "-p", childPID, "-i6", "-i4UDP"], empty: true)
        try compareAll(["-nP", "-a", "-p", childPID, "-i", "-sTCP:ESTABLISHED"])
        try compareAll(["-nP", "-a", "-u", "\(getuid())", "-p", childPID, "-i:\(udp.localPort)"])
        try compareRows(["-nP", "-i:\(port)", "-iUDP:\(udp.localPort)"], expectedRows: 14)
    }

    @Test func outputVariants() throws {
        try compareAll(["-nP", "-a", "-p", childPID, "-i", "-T"])
        try compareAll(["-nP", "-a", "-p", childPID, "-i", "-Tqs"])
        try compareAll(["-nPl", "-a", "-p", childPID, "-i", "+c", "3"])
        try compareAll(["-a", "-p", childPID, "-i", "-t"])
    }

    @Test func hostileCommandNames() throws {
        let name = "a b\tc\\d\u{1}\u{e9}xyz"
        let named = try HoldingChild.named(name, holding: [listener.fd], from: 40)
        defer { named.terminate() }
        let pid = String(named.processIdentifier)
        try compareAll(["-nP", "-a", "-p", pid, "-i"])
        try compareAll(["-nP", "-a", "-p", pid, "-i", "+c", "0"])
        try compareAll(["-nP", "-a", "-p", pid, "-i", "-F", "pcfn"])
    }

    // MARK: - Exit status

    @Test func nothingFoundIsStatusOne() throws {
        // A port that was just free: bound, then closed.
        let port: String = {
            let free = LiveSocket.tcpListener(v6: false)
            return String(free.localPort)
        }()
        let (lsof, sockwatch) = try both(["-nP", "-iTCP:\(port)"])
        #expect(lsof.status == 1 && sockwatch.status == 1)
        #expect(sockwatch.stdout.isEmpty && sockwatch.stderr.isEmpty)
        // One found, one not: lsof says 1, and -V names what was missing.
        let (mixedLsof, mixed) = try both(["-nP", "-V", "-a", "-p", childPID, "-i:\(listener.localPort)", "-i:0"])
        #expect(mixedLsof.status == 1 && mixed.status == 1)
        #expect(mixed.lines.last == "sockwatch: Internet address not located: :0")
        #expect(mixedLsof.lines.last == "lsof: Internet address not located: :0")
        #expect(Array(mixed.lines.dropLast()) == Array(mixedLsof.lines.dropLast()))
        // -Q: failed searches do not count.
        let (quietLsof, quiet) = try both(["-Q", "-nP", "-iTCP:\(port)", "-i:0"])
        #expect(quietLsof.status == 0 && quiet.status == 0)
    }

    @Test func refusedAndBadOptionsAreOneLineAndStatusTwo() throws {
        let cases: [[String]] = [
            ["-r", "1"], ["+D", "/tmp"], ["+d", "/tmp"], ["-d", "1,^2"], ["-d", "3-1"], ["-i", "foo"], ["-iTCP:"],
            ["-i@nosuchhost.invalid"], ["-sTCP:FOO"], ["-sUDP:Idle"], ["-s"], ["-p", "abc"], ["/etc/passwd"],
            ["-F", "g"], ["-F"], ["-t", "-F", "p"], ["-a"], ["-x"], ["-Tf"], ["-c", "/(/"], ["-c", "^a", "-c", "a"],
            ["-u", "no-such-user-here"], ["-K"], ["-R"], ["-N"], ["+c", "16"], ["-z"], ["-v"],
        ]
        for arguments in cases {
            let result = try BinaryRunner.run(["lsof"] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasPrefix("sockwatch: ") == true, "\(arguments): \(result.stderr)")
        }
    }

    @Test func helpListsTheOptions() throws {
        for flag in ["--help", "-h", "-?"] {
            let result = try BinaryRunner.run(["lsof", flag])
            #expect(result.status == 0, "\(flag)")
            for word in ["-i [46]", "-s TCP:", "-d FDS", "-F FIELDS", "+c W", "system resolver", "/etc/services", "Refused"] {
                #expect(result.stdout.contains(word), "\(flag) help lacks \(word)")
            }
        }
    }
}

/// Where real lsof is, if anywhere.
enum LsofOracle {
    static let path: String? = ["/usr/bin/lsof", "/usr/sbin/lsof", "/bin/lsof", "/sbin/lsof"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A socket made with raw calls, closed when released (for what LiveSocket does not open).
final class MappedSocket: @unchecked Sendable {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    var inode: UInt64 {
        var st = stat()
        precondition(fstat(fd, &st) == 0)
        return UInt64(st.st_ino)
    }

    /// An IPv6 TCP socket connected to `listener` (IPv4) at `::ffff:127.0.0.1`, and the accepted end.
    static func connect(to listener: LiveSocket) -> (client: MappedSocket, server: MappedSocket) {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0)
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = listener.localPort.bigEndian
        precondition(inet_pton(AF_INET6, "::ffff:127.0.0.1", &address.sin6_addr) == 1)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        precondition(rc == 0, "connect: \(errno)")
        let accepted = accept(listener.fd, nil, nil)
        precondition(accepted >= 0, "accept: \(errno)")
        _ = fcntl(accepted, F_SETFD, FD_CLOEXEC)
        return (MappedSocket(fd: fd), MappedSocket(fd: accepted))
    }
}

// MARK: - Parsing

/// Host and service names for the parser, instead of /etc/hosts and /etc/services.
struct FakeResolver: LsofResolver {
    var hosts: [String: [IPAddress]] = [
        "both": [IPAddress("::1")!, IPAddress("127.0.0.2")!], "four": [IPAddress("10.1.2.3")!],
    ]
    var services: [String: [String: Int]] = [
        "ssh": ["tcp": 22], "domain": ["tcp": 53, "udp": 53], "odd": ["tcp": 100, "udp": 200],
        "dns-ish": ["udp": 5353],
    ]

    func addresses(ofHost name: String, family: IPAddress.Family) -> [IPAddress] {
        (hosts[name] ?? []).filter { $0.family == family }
    }

    func port(ofService name: String, transport: String) -> Int? { services[name]?[transport] }
}

@Suite struct LsofArgumentTests {
    static func parse(_ arguments: [String]) throws -> LsofOptions {
        try LsofArguments.parse(arguments, resolver: FakeResolver())
    }

    static func spec(_ text: String, after earlier: [String] = []) throws -> LsofNetworkSpec? {
        var network = LsofNetwork()
        for argument in earlier { try network.add(argument, resolver: FakeResolver()) }
        return try LsofNetworkSpec.parse(text, network: &network, resolver: FakeResolver())
    }

    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            // ValidationError's description is its message.
            return String(describing: error)
        }
    }

    // MARK: -i

    @Test func selectorParts() throws {
        let tcp = try #require(try Self.spec("TCP:80"))
        #expect(tcp.transport == .tcp && tcp.ports == [80...80] && tcp.targets == [.init(family: nil, address: nil)])

        let full = try #require(try Self.spec("4udp@127.0.0.1:53,1000-2000,domain"))
        #expect(full.transport == .udp)
        #expect(full.targets == [.init(family: .inet, address: IPAddress("127.0.0.1"))])
        #expect(full.ports == [53...53, 1000...2000, 53...53])

        let v6 = try #require(try Self.spec("6@[::1]:1-ssh"))
        #expect(v6.targets == [.init(family: .inet6, address: IPAddress("::1"))] && v6.ports == [1...22])

        // A mapped address is IPv4 to lsof.
        let mapped = try #require(try Self.spec("@[::ffff:10.0.0.1]"))
        #expect(mapped.targets == [.init(family: .inet, address: IPAddress("10.0.0.1"))])

        // A host name: its IPv6 addresses, then its IPv4 ones.
        let named = try #require(try Self.spec("TCP@both"))
        #expect(named.targets.map(\.address) == [IPAddress("::1"), IPAddress("127.0.0.2")])
        #expect(try Self.spec("4@both")?.targets.map(\.address) == [IPAddress("127.0.0.2")])

        #expect(try Self.spec(":domain")?.ports == [53...53])
        #expect(try Self.spec(":dns-ish")?.ports == [5353...5353])  // UDP only: the one port
        #expect(try Self.spec("udplite")?.transport == .udplite)
        #expect(try Self.spec(":80,")?.ports == [80...80])
    }

    @Test func serviceListsAndRanges() throws {
        let list = try #require(try Self.spec("TCP:ssh,80-90,domain"))
        #expect(list.ports == [22...22, 80...90, 53...53])
    }

    @Test func versionsAloneAndInherited() throws {
        var network = LsofNetwork()
        try network.add("4", resolver: FakeResolver())
        #expect(network.all && network.allVersion == 4 && network.specs.isEmpty)
        // A later specification without a version inherits -i4.
        try network.add("TCP:80", resolver: FakeResolver())
        #expect(network.specs.first?.targets.first?.family == .inet)
        try network.add("6", resolver: FakeResolver())
        #expect(network.allVersion == 0)
        try network.add(nil, resolver: FakeResolver())
        #expect(network.all && network.allVersion == 0)
        // After a bare -i, -i6 narrows, as in lsof.
        try network.add("6", resolver: FakeResolver())
        #expect(network.allVersion == 6)
        #expect(try Self.spec("@127.0.0.1", after: []) != nil)
        #expect(Self.message { _ = try Self.spec("@127.0.0.1", after: ["6"]) } == "IPv4 addresses are prohibited: -i @127.0.0.1")
    }

    @Test(arguments: [
        ("sctp:80", "unknown protocol name (sctp) in: -i sctp:80"),
        ("@", "unacceptable Internet address in: -i @"),
        ("@:80", "unacceptable Internet address in: -i @:80"),
        ("@0.0.0.0", "unacceptable Internet address in: -i @0.0.0.0"),
        ("@[::]", "unacceptable Internet address in: -i @[::]"),
        ("@[::1", "unacceptable Internet address in: -i @[::1"),
        ("6@1.2.3.4", "IPv4 addresses are prohibited: -i 6@1.2.3.4"),
        ("6@[::ffff:1.2.3.4]", "IPv4 addresses are prohibited: -i 6@[::ffff:1.2.3.4]"),
        ("4@[::1]", "IPv6 addresses are prohibited: -i 4@[::1]"),
        ("@nowhere", "unknown host name (nowhere) in: -i @nowhere"),
        (":", "unacceptable port specification in: -i :"),
        ("TCP80", "unknown protocol name (TCP80) in: -i TCP80"),
        (":1-2-3", "unacceptable port specification in: -i :1-2-3"),
        (":9-1", "unacceptable port specification in: -i :9-1"),
        (":80-", "unacceptable port specification in: -i :80-"),
        (":8x", "unacceptable port specification in: -i :8x"),
        (":,", "invalid service name: -i :,"),
        (":nope", "unknown service nope in: -i :nope"),
        ("UDP:ssh", "unknown service ssh for udp in: -i UDP:ssh"),
        (":odd", "TCP=100 and UDP=200 odd ports conflict; specify \"tcp:odd\" or \"udp:odd\": -i :odd"),
        (":ssh-1", "unknown service ssh-1 in: -i :ssh-1"),
        ("", "incomplete Internet address specification: -i "),
    ])
    func selectorErrors(_ text: String, _ expected: String) {
        #expect(Self.message { _ = try Self.spec(text) } == expected)
    }

    @Test func matchingFollowsLsof() throws {
        let mappedClient = LsofSocket(
            netid: .tcp, family: .inet6, state: .established,
            local: InetEndpoint(address: IPAddress("::ffff:127.0.0.1")!, port: 40000),
            peer: InetEndpoint(address: IPAddress("::ffff:127.0.0.1")!, port: 80), inode: 1)
        let ends = mappedClient.ends
        func matches(_ text: String) throws -> Bool {
            let spec = try #require(try Self.spec(text))
            return [ends.local, ends.peer].contains { end in
                end.map { spec.matches(.tcp, $0, family: ends.family) } ?? false
            }
        }
        #expect(try matches("4TCP:80"))
        #expect(try matches("@127.0.0.1:40000"))
        #expect(try matches("@127.0.0.1:80-90"))
        #expect(try !matches("6TCP"))
        #expect(try !matches("UDP:80"))
        #expect(try !matches("@127.0.0.1:81-90"))
    }

    @Test func kernelExpressionKeepsEveryMatch() throws {
        let spec = try #require(try Self.spec("TCP@127.0.0.1:80-90"))
        func record(_ local: String, _ lport: UInt16, _ peer: String, _ pport: UInt16) -> SocketRecord {
            SocketRecord(
                netid: .tcp, family: .inet, state: .established,
                local: InetEndpoint(address: IPAddress(local)!, port: lport),
                peer: InetEndpoint(address: IPAddress(peer)!, port: pport))
        }
        #expect(spec.expression.matches(record("127.0.0.1", 85, "10.0.0.1", 5000)))
        #expect(spec.expression.matches(record("10.0.0.1", 5000, "127.0.0.1", 80)))
        #expect(!spec.expression.matches(record("127.0.0.1", 5000, "10.0.0.1", 85)))
        #expect(!spec.expression.matches(record("127.0.0.2", 85, "10.0.0.1", 85)))
        #expect(try Self.spec("TCP")?.expression == .all)
        // Compiles for the kernel.
        #expect(!BytecodeCompiler.plan(spec.expression).bytecode.isEmpty)
    }

    // MARK: -s

    @Test func states() throws {
        var states = LsofStates()
        try states.add("TCP:LISTEN,^close_wait")
        try states.add("tcp:Established")
        #expect(states.included == [10, 1] && states.excluded == [8])
        #expect(states.admits(.listen) && !states.admits(.closeWait) && !states.admits(.close))
        #expect(states.kernelStates == StateSet(.established, .listen, .newSynRecv))
        var exclusions = LsofStates()
        try exclusions.add("TCP:^CLOSE")
        #expect(!exclusions.admits(.close) && exclusions.admits(.established))
        for (spec, expected) in [
            ("UDP:Idle", "no UDP state names available: UDP:Idle"), ("TCP:", "no TCP state names in: TCP:"),
            ("TCP:FOO", "unknown TCP state name: FOO"), ("SCTP:x", "unknown -s protocol: \"SCTP:x\""),
            ("TCP:LISTEN,,CLOSE", "NULL TCP state name in: TCP:LISTEN,,CLOSE"),
        ] {
            var states = LsofStates()
            #expect(Self.message { try states.add(spec) } == expected)
        }
        #expect(
            Self.message { _ = try Self.parse(["-sTCP:LISTEN", "-sTCP:^LISTEN"]) }
                == "can't include and exclude TCP state: LISTEN")
    }

    // MARK: The command line

    @Test func lettersCombineAndValuesFollow() throws {
        let options = try Self.parse(["-nPi", ":80", "-a", "-p1,^2", "-ctest", "+c", "15", "-l"])
        #expect(options.numericHosts && options.numericPorts && options.numericUsers && options.and)
        #expect(options.network.specs.map(\.argument) == [":80"])
        #expect(options.pids.map(\.pid) == [1, 2] && options.pids.map(\.excluded) == [false, true])
        #expect(options.commands.prefixes == [.init(name: "test", excluded: false)])
        #expect(options.commandWidth == 15)
    }

    @Test func optionalValuesGiveBackOptions() throws {
        // -i's value is optional: a following option is read as one.
        let options = try Self.parse(["-i", "-n", "-T", "-P"])
        #expect(options.network.all && options.network.specs.isEmpty && options.numericHosts)
        #expect(!options.tcpState && options.numericPorts)
        // -S takes digits and gives back the rest.
        let stat = try Self.parse(["-S5n", "-i"])
        #expect(stat.numericHosts && stat.network.all)
        #expect(try Self.parse(["-i", "--"]).network.all)
        #expect(Self.message { _ = try Self.parse(["-i", "--", "name"]) }?.hasPrefix("file arguments") == true)
    }

    @Test func outputOptions() throws {
        let fields = try Self.parse(["-F", "pcnT0"])
        #expect(fields.output == .fields && fields.nulTerminated)
        #expect(fields.fields == [.pid, .command, .name, .tcpInfo] && fields.tcpState && fields.tcpQueues)
        // -F T's queues, then -T taking everything away, as in lsof: order matters.
        let order = try Self.parse(["-F", "nT", "-T"])
        #expect(!order.tcpState && !order.tcpQueues)
        let queues = try Self.parse(["-Tq"])
        #expect(!queues.tcpState && queues.tcpQueues)
        #expect(try Self.parse(["+T"]).tcpState)
        #expect(try Self.parse(["-t"]).output == .pids)
        #expect(try Self.parse(["-F", "pis"]).fields == [.pid, .inode, .size])
        #expect(try Self.parse(["-F", "pMS"]).fields == [.pid])
        #expect(try Self.parse(["-F", "?"]).fieldHelp)
        #expect(try Self.parse(["+c", "0"]).commandWidth == 0)
    }

    @Test func pidsAndUsers() throws {
        #expect(try Self.parse(["-p", "1,,2"]).pids.map(\.pid) == [1, 0, 2])  // lsof reads an empty item as 0
        #expect(Self.message { _ = try Self.parse(["-p", "1,^1"]) } == "PID 1 has been included and excluded.")
        #expect(Self.message { _ = try Self.parse(["-p", "1x"]) } == "illegal process ID: 1x")
        let users = try Self.parse(["-u", "root,^4242"])
        #expect(users.users.map(\.uid) == [0, 4242] && users.users.map(\.excluded) == [false, true])
        #expect(Self.message { _ = try Self.parse(["-a", "-p", "^1"]) } == "no select options to AND via -a")
        #expect(Self.message { _ = try Self.parse(["-c", "abcdefghijklmnop"]) }?.contains("> what system provides") == true)
    }

    // MARK: Selection

    @Test func selectionRules() throws {
        func kinds(_ arguments: [String], pid: Int32, command: String, uid: UInt32) throws -> LsofSelection.Kinds? {
            LsofSelection(try Self.parse(arguments), processes: LsofProcesses()).processKinds(
                pid: pid, command: command, uid: uid)
        }
        // Without -a any selection will do; with -a all must.
        #expect(try kinds(["-p", "5", "-c", "ng"], pid: 5, command: "x", uid: 0) == .pid)
        #expect(try kinds(["-p", "5", "-c", "ng"], pid: 6, command: "nginx", uid: 0) == .command)
        #expect(try kinds(["-a", "-p", "5", "-c", "ng"], pid: 5, command: "x", uid: 0) == nil)
        #expect(try kinds(["-a", "-p", "5", "-c", "ng"], pid: 5, command: "nginx", uid: 0) == [.pid, .command])
        #expect(try kinds(["-c", "/^NG/i"], pid: 7, command: "nginx", uid: 0) == .command)
        #expect(try kinds(["-c", "/^NG/"], pid: 7, command: "nginx", uid: 0) == nil)
        // Exclusions win; with nothing else selected, everything else is.
        #expect(try kinds(["-u", "^0"], pid: 5, command: "x", uid: 0) == nil)
        #expect(try kinds(["-u", "^0"], pid: 5, command: "x", uid: 1) == .all)
        #expect(try kinds(["-c", "^ng", "-i"], pid: 5, command: "nginx", uid: 1) == nil)
        // -i alone: processes are neither selected nor excluded; the sockets decide.
        #expect(try kinds(["-i"], pid: 5, command: "x", uid: 1) == [])

        let narrow = LsofSelection(try Self.parse(["-a", "-p", "1", "-iTCP:80"]), processes: LsofProcesses())
        #expect(narrow.onlySelectedProcesses)
        #expect(narrow.query.netids == [.tcp] && narrow.query.expression != .all)
        let wide = LsofSelection(try Self.parse(["-p", "1", "-iTCP:80"]), processes: LsofProcesses())
        // Without -a, pid 1's UNIX sockets are listed too, as lsof lists all its files.
        #expect(!wide.onlySelectedProcesses && wide.query.expression == .all && wide.query.netids == [.tcp, .udp, .unix])
        // -U: UNIX sockets, whole (states and -i do not apply to them), and Internet ones only where they can count.
        func query(_ arguments: [String]) throws -> SocketQuery {
            LsofSelection(try Self.parse(arguments), processes: LsofProcesses()).query
        }
        #expect(try query(["-U"]).netids == [.unix])
        #expect(try query(["-a", "-p", "1", "-U"]).netids == [.unix])
        #expect(try query(["-iTCP"]).netids == [.tcp])
        let both = try query(["-U", "-iTCP:80", "-sTCP:LISTEN"])
        #expect(both.netids == [.tcp, .unix] && both.expression == .all && both.states == .all)
        #expect(try query(["-a", "-U", "-iTCP"]).netids.isEmpty)
        let listening = LsofSelection(try Self.parse(["-i6TCP", "-sTCP:LISTEN"]), processes: LsofProcesses())
        #expect(listening.query.families == [.inet6] && listening.query.states == StateSet(.listen, .newSynRecv))
        // Where a socket the filter would drop could still count as found, nothing but the states is pushed.
        for arguments in [["-iTCP:80", "-sTCP:LISTEN,ESTABLISHED"], ["-a", "-i4", "-iTCP:80"]] {
            let query = LsofSelection(try Self.parse(arguments), processes: LsofProcesses()).query
            #expect(query.expression == .all && query.netids == [.tcp, .udp], "\(arguments)")
        }
    }
}
