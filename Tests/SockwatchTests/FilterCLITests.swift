import Foundation
import SockTestSupport
import Testing

/// Filters and process selection through the binary, with `ss` as the oracle.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct FilterCLITests {
    /// Sockets on several ports over both loopback families, kept open for the whole test.
    final class Fixture {
        let listeners = [false, false, true].map { LiveSocket.tcpListener(v6: $0) }
        lazy var connections = listeners.map { LiveSocket.tcpConnection(to: $0) }
        let udp = [LiveSocket.udp(v6: false), LiveSocket.udp(v6: true)]
        /// The fixture's sockets by inode: ports are no key, since another test's connection may take one of
        /// them as its ephemeral port (a TCP connection on a fixture UDP port failed a CI run).
        var inodes: Set<UInt64> {
            Set((listeners + connections.flatMap { [$0.client, $0.server] } + udp).map(\.inode))
        }
    }

    /// `(netid local peer)` of the fixture's sockets, from sockwatch's JSON.
    static func sockwatchSet(_ arguments: [String], inodes: Set<UInt64>) throws -> Set<String> {
        let result = try BinaryRunner.run(arguments + ["--json"])
        #expect(result.status == 0, "sockwatch \(arguments): \(result.stderr)")
        var set = Set<String>()
        for o in result.objects ?? [] {
            guard let inode = o["inode"] as? Int, inodes.contains(UInt64(inode)) else { continue }
            let lp = o["local_port"] as? Int ?? -1, pp = o["peer_port"] as? Int ?? -1
            let v6 = o["family"] as? String == "inet6"
            func endpoint(_ address: String, _ port: Int) -> String {
                (v6 ? "[\(address)]" : address) + ":" + (port == 0 ? "*" : String(port))
            }
            set.insert("\(o["netid"]!) \(endpoint(o["local_addr"] as! String, lp)) \(endpoint(o["peer_addr"] as! String, pp))")
        }
        return set
    }

    /// The same from `ss -tuanHe EXPRESSION` (`-e` adds `ino:N`).
    static func ssSet(_ expression: [String], inodes: Set<UInt64>) throws -> Set<String> {
        let result = try BinaryRunner.exec("/usr/bin/env", ["ss", "-tuanHe"] + expression)
        #expect(result.status == 0, "ss \(expression): \(result.stderr)")
        var set = Set<String>()
        for line in result.lines {
            // Netid [State] Recv-Q Send-Q Local Peer ...: ss drops the State column when one state is asked for.
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, let ino = BinaryRunner.ssInode(f), inodes.contains(ino) else { continue }
            let base = Int(f[1]) == nil ? 2 : 1
            set.insert("\(f[0]) \(f[base + 2]) \(f[base + 3])")
        }
        return set
    }

    @Test func expressionsSelectWhatSSSelects() throws {
        try #require(try BinaryRunner.exec("/usr/bin/env", ["ss", "-V"]).status == 0, "ss is not installed")
        let fixture = Fixture()
        _ = fixture.connections
        let l = fixture.listeners.map(\.localPort)
        let c = fixture.connections.map(\.client.localPort)
        let lo = min(l[0], l[1]), hi = max(l[0], l[1])
        let expressions: [[String]] = [
            ["sport = :\(l[0])"],
            ["dport", "=", ":\(l[1])"],
            ["( sport = :\(l[0]) or sport = :\(l[2]) )"],
            ["not", "sport = :\(l[0])"],
            ["sport >= :\(lo) and sport <= :\(hi)"],
            ["sport ge :\(lo) sport le :\(hi)"],
            ["src 127.0.0.0/8"],
            ["src [::1]"],
            ["dst 127.0.0.1:\(l[1])"],
            ["not ( sport = :\(l[0]) or dport = :\(l[0]) )"],
            ["src 127.0.0.1 and ! dport = :\(l[1])"],
            ["( src ::1/128 or not ( dport > :\(c[0]) || sport < :\(c[1]) ) ) and not dst 10.0.0.0/8"],
            ["state", "listening", "sport = :\(l[0]) or sport = :\(l[2])"],
            ["state", "established", "( dport = :\(l[0]) or dport = :\(l[1]) )"],
            ["exclude", "established", "src *:\(l[1])"],
            ["dst *"],
            ["sport != :\(l[0]) and sport neq :\(l[1])"],
        ]
        for expression in expressions {
            let ss = try Self.ssSet(expression, inodes: fixture.inodes)
            let ours = try Self.sockwatchSet(["-a"] + expression, inodes: fixture.inodes)
            #expect(!(ss.isEmpty && ours.isEmpty) || expression.contains("established"), "\(expression) selects nothing")
            #expect(ours == ss, "\(expression.joined(separator: " "))")
            // Evaluating in Swift gives the same answer as the kernel.
            let swift = try Self.sockwatchSet(["-a", "--no-kernel-filter"] + expression, inodes: fixture.inodes)
            #expect(swift == ours, "--no-kernel-filter \(expression.joined(separator: " "))")
        }
    }

    @Test func sugarOptionsMatchTheirExpressions() throws {
        let fixture = Fixture()
        let l = fixture.listeners.map(\.localPort)
        let inodes = fixture.inodes
        #expect(
            try Self.sockwatchSet(["-a", "--port", "\(l[0])"], inodes: inodes)
                == Self.sockwatchSet(["-a", "( sport = :\(l[0]) or dport = :\(l[0]) )"], inodes: inodes))
        #expect(
            try Self.sockwatchSet(["-a", "--sport", "\(l[1])", "--dst", "*"], inodes: inodes)
                == Self.sockwatchSet(["-a", "sport = :\(l[1])"], inodes: inodes))
        #expect(
            try Self.sockwatchSet(["-a", "--src", "[::1]", "--dport", ":\(l[2])"], inodes: inodes)
                == Self.sockwatchSet(["-a", "src [::1] and dport = :\(l[2])"], inodes: inodes))
        #expect(try Self.sockwatchSet(["-a", "--port", "\(l[0])"], inodes: inodes).count == 3)
    }

    @Test func explainShowsTheKernelProgram() throws {
        let result = try BinaryRunner.run(["--explain", "-t", "state", "established", "( dport = :443 or dport = :80 )"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("states: established\n"))
        #expect(result.stdout.contains("D_EQ 443"))
        #expect(result.stdout.contains("D_EQ 80"))
        #expect(result.stdout.contains("swift residual: none"))
    }

    @Test(arguments: [
        (["( sport = :80"], "unbalanced '('", "position 1"),
        (["sport = :80 )"], "unbalanced ')'", "position 13"),
        (["sprot = :80"], "unknown keyword", "'sprot'"),
        (["src 10.0.0.300"], "bad address", "'10.0.0.300'"),
        (["src 10.0.0.0/33"], "bad prefix length", "'10.0.0.0/33'"),
        (["dport = :70000"], "bad port", "':70000'"),
        (["dport = :nosuchservice"], "bad port", "':nosuchservice'"),
        (["dport =< :80"], "unknown comparison", "'=<'"),
        (["src < 10.0.0.1"], "addresses compare only", "'<'"),
        (["state", "bogus"], "unknown state", "'bogus'"),
        (["dport ="], "expected a port", "end of the expression"),
        (["--port", "99999"], "bad port", "99999"),
        (["--src", "10.0.0.300"], "bad address", "'10.0.0.300'"),
        // A host name goes to the resolver (.invalid never resolves, RFC 6761).
        (["--src", "no-such-host.invalid"], "does not resolve", "'no-such-host.invalid'"),
        (["dst no-such-host.invalid:80"], "does not resolve", "'no-such-host.invalid:80'"),
        // 60,000 levels: one argument holds at most 128 KiB (MAX_ARG_STRLEN); the parser's test goes to 100,000.
        ([String(repeating: "(", count: 60_000) + "sport = :1" + String(repeating: ")", count: 60_000)],
         "nested too deeply", "position 257"),
    ])
    func malformedExpressionsNameTheTokenAndExitTwo(arguments: [String], message: String, where token: String) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains(token), "\(result.stderr)")
    }

    @Test func pidOfAChildListsExactlyItsSockets() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let udp = LiveSocket.udp(v6: true)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        // The child holds the listener as fd 40 and the UDP socket as fd 41, nothing else.
        let child = try HoldingChild.sleep(holding: [listener.fd, udp.fd], from: 40)
        defer { child.terminate() }
        let result = try BinaryRunner.run(["-a", "--pid", "\(child.processIdentifier)", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try #require(result.objects)
        // The truth is the child's own fd table: a socket another test thread opened without close-on-exec
        // at the moment of the spawn would be inherited and must be listed too.
        let fdDir = "/proc/\(child.processIdentifier)/fd"
        var truth: [Int: Int] = [:]  // inode -> fd
        for name in try FileManager.default.contentsOfDirectory(atPath: fdDir) {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDir)/\(name)")) ?? ""
            if target.hasPrefix("socket:["), let inode = Int(target.dropFirst(8).dropLast()), let fd = Int(name) {
                truth[inode] = fd
            }
        }
        #expect(truth[Int(listener.inode)] == 40 && truth[Int(udp.inode)] == 41)
        // Only INET sockets are listed (a stray UNIX socket would not be).
        let listed = Set(objects.compactMap { $0["inode"] as? Int })
        #expect(listed.isSuperset(of: [Int(listener.inode), Int(udp.inode)]), "\(result.stdout)")
        #expect(listed.isSubset(of: Set(truth.keys)), "\(result.stdout)")
        try BinaryRunner.expectHeld(objects, onlyBy: child.processIdentifier, at: truth)
        // Our own pid lists the connection too, and a comma list ORs.
        let both = try BinaryRunner.run(["-a", "--pid", "\(getpid()),\(child.processIdentifier)", "--json"])
        let inodes = Set((both.objects ?? []).compactMap { $0["inode"] as? Int })
        #expect(inodes.isSuperset(of: [Int(client.inode), Int(server.inode), Int(listener.inode), Int(udp.inode)]))
    }

    @Test func missingPidsExitOneUnlessAnotherMatched() throws {
        let missing = try BinaryRunner.run(["--pid", "2147483600"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no process with pid 2147483600"))
        let mixed = try BinaryRunner.run(["-a", "--pid", "2147483600,\(getpid())", "-H"])
        #expect(mixed.status == 0)
        #expect(mixed.stderr.contains("no process with pid 2147483600"))
        #expect(try BinaryRunner.run(["--pid", "12x"]).status == 2)
        #expect(try BinaryRunner.run(["--pid", "/etc/passwd"]).status == 2)
        #expect(try BinaryRunner.run(["--command", "/[unclosed/"]).status == 2)
        #expect(try BinaryRunner.run(["--user", "no-such-user-here"]).status == 2)
    }

    @Test func commandAndUserSelectProcesses() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let child = try HoldingChild.sleep(holding: [listener.fd], from: 40)
        defer { child.terminate() }
        let bySleep = try BinaryRunner.run(["-l", "--command", "sleep", "--json", "--user", "\(getuid())"])
        let holders = (bySleep.objects ?? []).filter { ($0["inode"] as? Int) == Int(listener.inode) }
            .flatMap { ($0["processes"] as? [[String: Any]]) ?? [] }
        #expect(holders.map { $0["pid"] as? Int } == [Int(child.processIdentifier)])
        let byRegex = try BinaryRunner.run(["-l", "--command", "/^sl[e]+p$/", "--json"])
        #expect((byRegex.objects ?? []).contains { ($0["inode"] as? Int) == Int(listener.inode) })
        let nobody = try BinaryRunner.run(["-l", "--command", "sleep", "--user", "65534", "--json"])
        #expect(!(nobody.objects ?? []).contains { ($0["inode"] as? Int) == Int(listener.inode) })
    }
}
