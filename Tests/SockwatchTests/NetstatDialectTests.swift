import Foundation
import SockTestSupport
import Testing

/// `sockwatch netstat` against real net-tools netstat, on sockets the test opens.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/netstat"), "net-tools netstat is not installed"))
struct NetstatDialectTests {
    /// Listeners on both families, a connection on each, bound and connected UDP sockets.
    final class Fixture {
        let listeners = [LiveSocket.tcpListener(v6: false), LiveSocket.tcpListener(v6: true)]
        lazy var connections = listeners.map { LiveSocket.tcpConnection(to: $0) }
        let udp = [LiveSocket.udp(v6: false), LiveSocket.udp(v6: true)]
        lazy var connectedUDP = [LiveSocket.udp(v6: false, connectedTo: udp[0])]

        /// "PROTO|ADDRESS:PORT " for every local end the fixture owns, as netstat prints endpoints (TCP and UDP
        /// ports are separate spaces: another test's TCP socket may have a UDP port of ours). A client's port
        /// is ephemeral, which the kernel also gives connections to other peers: its marker names the peer too.
        var markers: [String] {
            func end(_ s: LiveSocket, _ port: UInt16) -> String { "\(s.v6 ? "::1" : "127.0.0.1"):\(port) " }
            return listeners.map { "tcp|" + end($0, $0.localPort) }
                + connections.map { "tcp|" + end($0.client, $0.client.localPort) + "|" + end($0.client, $0.client.peerPort) }
                + (udp + connectedUDP).map { "udp|" + end($0, $0.localPort) }
        }
    }

    /// The heading lines and the fixture's rows (time-wait leftovers of other tests excluded), sorted. A marker
    /// `PROTO|TEXT[|TEXT…]` matches the lines of that protocol that contain every TEXT.
    /// netstat reads /proc/net/tcp in pieces while other tests change the table, so it can print a row
    /// twice: compare sets, and check separately that sockwatch never does.
    static func lines(_ program: String, _ arguments: [String], markers: [String]) throws -> [String] {
        let result = try BinaryRunner.exec(program, arguments)
        #expect(result.status == 0, "\(program) \(arguments): \(result.stderr)")
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { line in
                if line.hasPrefix("Active ") || line.hasPrefix("Proto ") { return true }
                return markers.contains { marker in
                    let parts = marker.split(separator: "|").map(String.init)
                    return line.hasPrefix(parts[0]) && parts.dropFirst().allSatisfy { line.contains($0) }
                } && !line.contains("TIME_WAIT")
            }
            .sorted()
    }

    @Test(.serialized, arguments: [
        "-tn", "-tan", "-tanp", "-tulpn", "-uan", "-tane", "-tano", "-tanW", "-ltn4", "-ltn6", "-tanpeo", "-tl",
        "-tulp", "-ua", "-taupe", "-Ainet6", "--protocol=inet,inet6", "-vNtan",
    ])
    func sameLinesAsNetstat(flags: String) throws {
        let fixture = Fixture()
        _ = (fixture.connections, fixture.connectedUDP)
        let markers = fixture.markers
        let real = try Self.lines("/usr/bin/netstat", [flags], markers: markers)
        let ours = try Self.lines(BinaryRunner.binary, ["netstat", flags], markers: markers)
        #expect(real.count > 2, "netstat \(flags) showed none of the test's sockets")
        #expect(Set(ours) == Set(real), "netstat \(flags)")
        #expect(Set(ours).count == ours.count, "sockwatch netstat \(flags) printed a row twice")
    }

    @Test(arguments: [
        (["-C"], "ip route show cache"), (["-M"], "conntrack"),
        (["-tulpnZ"], "unknown option -Z"), (["--bogus"], "unknown option '--bogus'"),
        (["tcp"], "unexpected argument"),
    ])
    func refusedFlagsPointElsewhere(arguments: [String], hint: String) throws {
        let result = try BinaryRunner.run(["netstat"] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains(hint), "\(result.stderr)")
    }

    /// Raw sockets (root only): netstat's `raw`/`raw6` rows, the protocol where the port goes (named from
    /// /etc/protocols without -n) and the kernel's state number.
    @Test(.enabled(if: getuid() == 0, "raw sockets need root"), arguments: ["-wae", "-wane", "-wle", "-we", "-wlpe"])
    func rawSocketsAsNetstat(flags: String) throws {
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for (family, proto) in [(AF_INET, IPPROTO_ICMP), (AF_INET6, IPPROTO_ICMPV6)] {
            let fd = socket(family, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(proto))
            try #require(fd >= 0, "socket: \(errno)")
            fds.append(fd)
        }
        // A connected one: state 1, listed without -a or -l; protocol 253 (for experiments) has no traffic and no
        // name in /etc/protocols.
        let connected = socket(AF_INET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 253)
        try #require(connected >= 0)
        fds.append(connected)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(connected, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(rc == 0)
        let inodes: [String] = fds.map { fd in
            var st = stat()
            _ = fstat(fd, &st)
            return " \(st.st_ino) "
        }
        let markers = inodes.map { "raw|" + $0 }
        let real = try Self.lines("/usr/bin/netstat", [flags], markers: markers)
        let ours = try Self.lines(BinaryRunner.binary, ["netstat", flags], markers: markers)
        #expect(ours == real, "netstat \(flags)")
        let expected = flags.contains("a") ? 3 : flags.contains("l") ? 2 : 1
        #expect(real.filter { $0.hasPrefix("raw") }.count == expected, "netstat \(flags): \(real)")
    }

    @Test func headingsFollowTheSelection() throws {
        #expect(try BinaryRunner.run(["netstat", "-tn"]).lines.first == "Active Internet connections (w/o servers)")
        #expect(try BinaryRunner.run(["netstat", "-tln"]).lines.first == "Active Internet connections (only servers)")
        #expect(
            try BinaryRunner.run(["netstat", "-tan"]).lines.first
                == "Active Internet connections (servers and established)")
    }
}
