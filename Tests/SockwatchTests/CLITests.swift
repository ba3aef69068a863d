import Foundation
import SockTestSupport
import Testing

/// The built `sockwatch` binary, end to end, on sockets the test opens itself.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct CLITests {
    /// The JSON objects of the test's own sockets, picked by inode: another test's connection may share a port
    /// number (an ephemeral port is reused towards other peers).
    func objects(_ arguments: [String], inodes: Set<UInt64>) throws -> [[String: Any]] {
        let result = try BinaryRunner.run(arguments + ["--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let objects = try #require(result.objects, "output is not NDJSON")
        return objects.filter { ($0["inode"] as? Int).map { inodes.contains(UInt64($0)) } ?? false }
    }

    @Test func establishedJSONWithProcessesShowsTheTestsConnection() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let found = try objects(["--state", "established", "-p"], inodes: [client.inode, server.inode])
        #expect(found.count == 2)
        let mine = try #require(found.first { ($0["inode"] as? Int) == Int(client.inode) })
        #expect(mine["netid"] as? String == "tcp")
        #expect(mine["family"] as? String == "inet")
        #expect(mine["state"] as? String == "established")
        #expect(mine["local_addr"] as? String == "127.0.0.1")
        #expect(mine["peer_addr"] as? String == "127.0.0.1")
        #expect(mine["peer_port"] as? Int == Int(listener.localPort))
        #expect(mine["uid"] as? Int == Int(getuid()))
        #expect((mine["cookie"] as? Int).map { $0 > 0 } == true)
        #expect(mine["recv_q"] as? Int == 0)
        #expect(mine["send_q"] as? Int == 0)
        let processes = try #require(mine["processes"] as? [[String: Any]])
        #expect(processes.count == 1)
        #expect(processes.first?["pid"] as? Int == Int(getpid()))
        #expect(processes.first?["fd"] as? Int == Int(client.fd))
        #expect((processes.first?["comm"] as? String)?.isEmpty == false)
        // Keys that were not asked for stay out.
        #expect(mine["tcp_info"] == nil && mine["skmem"] == nil && mine["timer"] == nil)
        _ = server
    }

    @Test func exactKeysAndOptionalGroups() throws {
        let listener = LiveSocket.tcpListener(v6: true)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        defer { withExtendedLifetime(server) {} }
        let found = try objects(["-t", "-6", "-i", "-m", "-o"], inodes: [client.inode])
        let object = try #require(found.first)
        let always: Set<String> = [
            "netid", "family", "type", "state", "recv_q", "send_q", "local_addr", "local_port", "peer_addr", "peer_port",
            "uid", "inode", "cookie",
        ]
        #expect(always.isSubset(of: Set(object.keys)))
        #expect(Set(object.keys).subtracting(always) == ["tcp_info", "skmem", "timer", "cong"])
        #expect(object["family"] as? String == "inet6")
        #expect(object["local_addr"] as? String == "::1")
        let info = try #require(object["tcp_info"] as? [String: Any])
        for key in ["rtt", "rttvar", "snd_cwnd", "total_retrans", "bytes_acked", "delivery_rate"] {
            #expect(info[key] is Int, "tcp_info.\(key)")
        }
        #expect(info["state"] as? Int == 1)
        let skmem = try #require(object["skmem"] as? [String: Any])
        #expect(skmem["rcvbuf"] is Int)
        #expect((object["timer"] as? [String: Any])?["name"] is String)
    }

    @Test func statesFamiliesAndTransportsSelectWhatTheKernelSends() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let udp = LiveSocket.udp(v6: true)
        let mine = Set([listener, client, server, udp].map(\.inode))
        func inodes(_ args: [String]) throws -> Set<Int> {
            Set(try objects(args, inodes: mine).compactMap { $0["inode"] as? Int })
        }
        let l = Int(listener.inode), c = Int(client.inode), s = Int(server.inode), u = Int(udp.inode)
        #expect(try inodes([]) == [c, s])  // default: connected
        #expect(try inodes(["-l"]) == [l, u])  // listening TCP + unconnected UDP
        #expect(try inodes(["-a"]) == [l, c, s, u])
        #expect(try inodes(["-ua"]) == [u])
        #expect(try inodes(["-ta"]) == [l, c, s])
        #expect(try inodes(["-a", "-6"]) == [u])
        #expect(try inodes(["-a", "-4"]) == [l, c, s])
        #expect(try inodes(["--state", "listen,established"]) == [l, c, s])
        #expect(try inodes(["--state", "listening", "--state", "closed"]) == [l, u])
        #expect(try inodes(["-a", "--exclude-state", "established"]) == [l, u])
        #expect(try inodes(["--state", "connected"]) == [c, s])
        #expect(try inodes(["--state", "time-wait"]) == [])
    }

    @Test func tableIsAlignedAndBracketsIPv6() throws {
        let v4 = LiveSocket.tcpListener(v6: false)
        let v6 = LiveSocket.tcpListener(v6: true)
        let udp = LiveSocket.udp(v6: false)
        let result = try BinaryRunner.run(["-l", "-e", "-p"])
        #expect(result.status == 0)
        let lines = result.lines
        let header = try #require(lines.first)
        #expect(header.hasPrefix("Proto Recv-Q Send-Q Local Address"))
        #expect(header.contains("State") && header.contains("Inode") && header.hasSuffix("PID/Program"))
        let localColumn = try #require(header.range(of: "Local Address")).lowerBound
        let offset = header.distance(from: header.startIndex, to: localColumn)
        for line in lines.dropFirst() {
            // Every row's Local Address starts where the header's does, after the numeric columns.
            let index = line.index(line.startIndex, offsetBy: offset)
            #expect(line[line.index(before: index)] == " " && line[index] != " ", "misaligned: \(line)")
        }
        let v6Row = try #require(lines.first { $0.contains("[::1]:\(v6.localPort) ") })
        #expect(v6Row.hasPrefix("tcp6 "))
        #expect(v6Row.contains("[::]:*") && v6Row.contains("LISTEN"))
        #expect(v6Row.contains("\(getpid())/"))
        let v4Row = try #require(lines.first { $0.contains("127.0.0.1:\(v4.localPort) ") })
        #expect(v4Row.contains("0.0.0.0:*") && v4Row.contains(" \(v4.inode) "))
        let udpRow = try #require(lines.first { $0.contains("127.0.0.1:\(udp.localPort) ") })
        #expect(udpRow.hasPrefix("udp ") && udpRow.contains("UNCONN"))
        #expect(try BinaryRunner.run(["-l", "-H"]).lines.first?.hasPrefix("Proto") == false)
    }

    @Test func detailLinesForInfoAndMemory() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        defer { withExtendedLifetime(server) {} }
        let result = try BinaryRunner.run(["-t", "-i", "-m", "-H"])
        let lines = result.lines
        // Columns may be padded wider by other sockets: compare fields, not spacing.
        let row = try #require(lines.firstIndex {
            let fields = $0.split(separator: " ")
            return fields.count >= 5 && fields[3] == "127.0.0.1:\(client.localPort)"
                && fields[4] == "127.0.0.1:\(listener.localPort)"
        })
        let detail = lines[lines.index(after: row)]
        #expect(detail.hasPrefix("\t"))
        #expect(detail.contains("skmem:(r") && detail.contains("rtt:") && detail.contains("cwnd:"))
    }

    @Test func agreesWithSSOnTheTestsOwnSockets() throws {
        let ss = try BinaryRunner.exec("/usr/bin/env", ["ss", "-V"])
        try #require(ss.status == 0, "ss (iproute2) is not installed")
        let listeners = [LiveSocket.tcpListener(v6: false), LiveSocket.tcpListener(v6: true)]
        let connections = listeners.map { LiveSocket.tcpConnection(to: $0) }
        let inodes = Set((listeners + connections.flatMap { [$0.client, $0.server] }).map(\.inode))

        func key(_ state: String, _ local: String, _ peer: String) -> String { "\(state) \(local) \(peer)" }

        let ssStates = ["ESTAB": "established", "LISTEN": "listen", "TIME-WAIT": "time-wait"]
        var fromSS = Set<String>()
        for line in try BinaryRunner.exec("/usr/bin/env", ["ss", "-tanHe"]).lines {
            // State Recv-Q Send-Q Local Peer ... ino:N ...: the test's own sockets by inode.
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, let ino = BinaryRunner.ssInode(f), inodes.contains(ino) else { continue }
            let peer = f[4].replacingOccurrences(of: "*", with: "0")
            fromSS.insert(key(ssStates[String(f[0])] ?? String(f[0]), String(f[3]), peer))
        }
        var fromSockwatch = Set<String>()
        for o in try objects(["-ta", "--exclude-state", "time-wait"], inodes: inodes) {
            let v6 = o["family"] as? String == "inet6"
            func endpoint(_ a: String, _ p: String) -> String {
                let addr = o[a] as? String ?? "?"
                return v6 ? "[\(addr)]:\(o[p] as? Int ?? -1)" : "\(addr):\(o[p] as? Int ?? -1)"
            }
            fromSockwatch.insert(
                key(o["state"] as? String ?? "?", endpoint("local_addr", "local_port"), endpoint("peer_addr", "peer_port")))
        }
        #expect(fromSS.count == 6)
        #expect(fromSockwatch == fromSS)
    }

    @Test(arguments: [
        ["--state", "bogus"], ["--bogus-flag"], ["-Z"], ["-l", "-a"], ["-4", "-6"], ["--state"],
        ["--state", "listen,"], ["--state", "/etc/passwd"],
    ])
    func badUsageIsOneLineAndStatusTwo(arguments: [String]) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(lines.first?.hasPrefix("sockwatch: ") == true)
    }

    @Test(arguments: [
        (["--port", "-1"], "bad port"), (["--pid", "-5"], "--pid takes process ids"),
        (["watch", "-d", "-1"], "-d/--delay takes seconds"), (["watch", "-n", "-1"], "-n/--interval takes seconds"),
        (["watch", "-c", "-1"], "-c/--count takes a number"), (["events", "--interval", "-1"], "--interval takes seconds"),
        (["exporter", "--top", "-1"], "--top: -1 is out of range"),
    ])
    func negativeNumbersAreNamedAsWrongNotMissing(arguments: [String], message: String) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("Missing value"), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test(arguments: ["--help", "watch --help", "list --help"])
    func helpThatCannotBeWrittenIsAFailure(arguments: String) throws {
        let result = try BinaryRunner.shell(#""$SW" \#(arguments) >/dev/full"#)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("No space left"), "\(result.stderr)")
    }

    @Test func eventsAcceptsJSON() throws {
        let result = try BinaryRunner.run(["events", "--json", "--help"])
        #expect(result.status == 0, "\(result.stderr)")
        let refused = try BinaryRunner.run(["events", "--json", "--interval", "0"])
        #expect(refused.stderr.contains("--interval"), "--json itself is accepted: \(refused.stderr)")
    }

    @Test func helpExitsZero() throws {
        let result = try BinaryRunner.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--state"))
    }

    @Test func closedPipeEndsQuietly() throws {
        // Enough rows (with -i detail lines) to overflow the pipe before `head` goes away.
        let listener = LiveSocket.tcpListener(v6: false)
        let connections = (0..<300).map { _ in LiveSocket.tcpConnection(to: listener) }
        let result = try BinaryRunner.shell(#""$SW" -tai | head -1; echo "status=${PIPESTATUS:-}""#)
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
        for mode in ["-tai --json", "-taip", "-taip --json", "-ta --pid \(getpid())", "-tai -m -e -o"] {
            let status = try BinaryRunner.exec(
                "/bin/bash", ["-c", "'\(BinaryRunner.binary)' \(mode) | head -1 >/dev/null; echo ${PIPESTATUS[0]}"])
            #expect(status.stdout == "0\n", "\(mode)")
            #expect(status.stderr.isEmpty, "\(mode) stderr: \(status.stderr)")
        }
        _ = (result, connections)
    }

    @Test(.enabled(if: getuid() == 0, "needs root to run sockwatch as another user"))
    func unprivilegedUserStillSeesSocketsButNotOwners() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let result = try BinaryRunner.runAsNobody(["-l", "-p", "--json"])
        try #require(result.status == 0, "run as nobody failed: \(result.stderr)")
        let objects = try #require(result.objects)
        let mine = try #require(objects.first { ($0["inode"] as? Int) == Int(listener.inode) })
        #expect(mine["state"] as? String == "listen")
        #expect((mine["processes"] as? [Any])?.isEmpty == true)
        // One note says why owners are missing.
        let notes = result.stderr.split(separator: "\n")
        #expect(notes.count == 1 && notes.first?.contains("could not be read (not permitted)") == true, "\(result.stderr)")
        // The table says "-" for the unknown owner.
        let table = try BinaryRunner.runAsNobody(["-l", "-p"])
        #expect(table.status == 0)
        let row = try #require(table.lines.first { $0.contains("127.0.0.1:\(listener.localPort) ") })
        #expect(row.hasSuffix(" -"))
    }

    @Test func missingKernelSupportIsANoteNotAFailure() throws {
        // SCTP's diag module is absent on this kind of machine; where it exists the listing just works.
        let result = try BinaryRunner.run(["--sctp", "-a"])
        #expect(result.status == 0)
        #expect(result.lines.first?.hasPrefix("Proto") == true)
        if !result.stderr.isEmpty {
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains("note: no sctp sockets listed"))
        }
        let udplite = try BinaryRunner.run(["--udplite", "-a", "--json"])
        #expect(udplite.status == 0)
        #expect(udplite.objects != nil)
    }

    /// A process whose name holds a newline, a tab, quotes and a fake row must stay on its own line.
    @Test func hostileCommandNamesStayOnOneLine() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let hostile = "x\ntcp 0 0 \"\t"  // 14 bytes: comm keeps at most 15
        let child = try HoldingChild.named(hostile, holding: [listener.fd], from: 40)
        defer { child.terminate() }

        // --all-owners: the test process holds the listener too and would satisfy an early-stopping scan.
        // TCP only: a UDP socket of another test may have the same port number.
        let json = try BinaryRunner.run(["-tl", "-p", "--all-owners", "--json", "sport = :\(listener.localPort)"])
        #expect(json.status == 0)
        let objects = try #require(json.objects, "not NDJSON: \(json.stdout)")
        #expect(objects.count == 1)
        let comms = (objects.first?["processes"] as? [[String: Any]] ?? []).compactMap { $0["comm"] as? String }
        #expect(comms.contains(hostile))

        let table = try BinaryRunner.run(["-tl", "-p", "-H", "--all-owners", "sport = :\(listener.localPort)"])
        #expect(table.status == 0)
        #expect(table.lines.count == 1, "\(table.stdout)")
        #expect(table.stdout.contains(#"x\ntcp 0 0 "\t"#))
        #expect(!table.stdout.dropLast().contains("\t"))

        // The netstat dialect names the program from argv[0], escaped the same way, still one row. netstat
        // shows one holder (the lowest pid), so this listener is held by the hostile process alone.
        var own: LiveSocket? = LiveSocket.tcpListener(v6: false)
        let port = own!.localPort
        let holder = try HoldingChild.named(hostile, holding: [own!.fd], from: 41)
        defer { holder.terminate() }
        own = nil
        let netstat = try BinaryRunner.run(["netstat", "-tlnp"])
        let rows = netstat.lines.filter { $0.contains("127.0.0.1:\(port) ") }
        #expect(rows.count == 1, "\(netstat.stdout)")
        #expect(rows.first?.contains(#"\#(holder.processIdentifier)/x\ntcp 0 0"#) == true, "\(rows)")
    }
}
