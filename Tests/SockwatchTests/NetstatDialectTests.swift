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

        /// "ADDRESS:PORT " for every local end the fixture owns, as netstat prints endpoints.
        var markers: [String] {
            let sockets = listeners + connections.map(\.client) + udp + connectedUDP
            return sockets.map { "\($0.v6 ? "::1" : "127.0.0.1"):\($0.localPort) " }
        }
    }

    /// The heading lines and the fixture's rows (time-wait leftovers of other tests excluded), sorted.
    /// netstat reads /proc/net/tcp in pieces while other tests change the table, so it can print a row
    /// twice: compare sets, and check separately that sockwatch never does.
    static func lines(_ program: String, _ arguments: [String], markers: [String]) throws -> [String] {
        let result = try BinaryRunner.exec(program, arguments)
        #expect(result.status == 0, "\(program) \(arguments): \(result.stderr)")
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { line in
                if line.hasPrefix("Active ") || line.hasPrefix("Proto ") { return true }
                return markers.contains { line.contains($0) } && !line.contains("TIME_WAIT")
            }
            .sorted()
    }

    @Test(.serialized, arguments: [
        "-tn", "-tan", "-tanp", "-tulpn", "-uan", "-tane", "-tano", "-tanW", "-ltn4", "-ltn6", "-tanpeo", "-tl",
        "-tulp", "-ua", "-taupe",
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
        (["-r"], "ip route"), (["-i"], "ip -s link"), (["-s"], "nstat"), (["-g"], "ip maddr"), (["-M"], "conntrack"),
        (["-x"], "ss -x"), (["-tulpnZ"], "unknown option -Z"), (["--bogus"], "unknown option '--bogus'"),
        (["tcp"], "unexpected argument"),
    ])
    func refusedFlagsPointElsewhere(arguments: [String], hint: String) throws {
        let result = try BinaryRunner.run(["netstat"] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains(hint), "\(result.stderr)")
    }

    @Test func headingsFollowTheSelection() throws {
        #expect(try BinaryRunner.run(["netstat", "-tn"]).lines.first == "Active Internet connections (w/o servers)")
        #expect(try BinaryRunner.run(["netstat", "-tln"]).lines.first == "Active Internet connections (only servers)")
        #expect(
            try BinaryRunner.run(["netstat", "-tan"]).lines.first
                == "Active Internet connections (servers and established)")
    }
}
