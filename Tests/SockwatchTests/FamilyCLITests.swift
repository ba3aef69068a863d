import Foundation
import SockTestSupport
import Testing

/// UNIX, netlink, raw, UDP-Lite, SCTP and vsock through the CLI, checked against ss on the test's own sockets.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct FamilyCLITests {
    /// sockwatch's JSON objects, by inode.
    func objects(_ arguments: [String]) throws -> [Int: [String: Any]] {
        let result = try BinaryRunner.run(arguments + ["--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let objects = try #require(result.objects, "output is not NDJSON")
        return Dictionary(objects.map { (($0["inode"] as? Int) ?? -1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One socket as `ss -xan` prints it: `u_str LISTEN 0 16 /path 123 * 0`.
    struct SSUnix: Equatable {
        var type: String
        var state: String
        var path: String
        var peerInode: Int
    }

    /// `ss -xan`'s rows by inode.
    func ssUnix() throws -> [Int: SSUnix] {
        let result = try BinaryRunner.exec("/usr/bin/env", ["ss", "-xan"])
        #expect(result.status == 0)
        var rows: [Int: SSUnix] = [:]
        for line in result.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard f.count >= 8, let inode = Int(f[5]), let peer = Int(f[7]) else { continue }
            rows[inode] = SSUnix(type: f[0], state: f[1], path: f[4], peerInode: peer)
        }
        return rows
    }

    static func ssState(_ json: String) -> String {
        switch json {
        case "established": "ESTAB"
        case "listen": "LISTEN"
        case "close": "UNCONN"
        default: json
        }
    }

    @Test func unixSocketsEqualSSAndShowBothEndsOwners() throws {
        let path = "/tmp/sockwatch-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { unlink(path) }
        let listener = LiveSocket.unixListener(path)
        let client = LiveSocket.unixClient(to: path)
        let accepted = listener.acceptOne()
        let abstract = LiveSocket.unixListener("@sockwatch-cli-abstract-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let datagram = LiveSocket.unixDatagram("@sockwatch-cli-dgram-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        // A socketpair whose right end lives only in a child, so -p must show a different process on each side.
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        defer { close(pair[0]) }
        let child = try HoldingChild.sleep(holding: [pair[1]], from: 3)
        defer { child.terminate() }
        func inode(_ fd: Int32) -> Int {
            var st = stat()
            fstat(fd, &st)
            return Int(st.st_ino)
        }
        let (leftInode, rightInode) = (inode(pair[0]), inode(pair[1]))
        close(pair[1])
        let mine = [listener, client, accepted, abstract, datagram].map { Int($0.inode) } + [leftInode, rightInode]

        let listed = try objects(["-x", "-a", "-p"])
        let ss = try ssUnix()
        for inode in mine {
            let object = try #require(listed[inode], "inode \(inode) not listed")
            let row = try #require(ss[inode], "inode \(inode) not in ss -xan")
            #expect(object["netid"] as? String == "unix")
            let types = ["stream": "u_str", "dgram": "u_dgr", "seqpacket": "u_seq"]
            #expect(types[object["type"] as? String ?? ""] == row.type)
            #expect(Self.ssState(object["state"] as? String ?? "") == row.state)
            #expect((object["path"] as? String ?? "*") == row.path)
            #expect((object["peer_inode"] as? Int ?? 0) == row.peerInode)
        }
        #expect(listed[Int(listener.inode)]?["path"] as? String == path)
        #expect(listed[Int(client.inode)]?["peer_inode"] as? Int == Int(accepted.inode))
        #expect(listed[Int(datagram.inode)]?["type"] as? String == "dgram")
        #expect(listed[Int(abstract.inode)]?["state"] as? String == "listen")

        func pids(_ value: Any?) -> Set<Int> { Set(((value as? [[String: Any]]) ?? []).compactMap { $0["pid"] as? Int }) }
        let left = try #require(listed[leftInode])
        #expect(pids(left["processes"]) == [Int(getpid())])
        #expect(pids(left["peer_processes"]) == [Int(child.processIdentifier)])
        #expect(pids(listed[rightInode]?["processes"]) == [Int(child.processIdentifier)])
        #expect(pids(listed[rightInode]?["peer_processes"]) == [Int(getpid())])

        // The table names both ends too.
        let table = try BinaryRunner.run(["-x", "-p"])
        // Proto Recv-Q Send-Q Local(path inode) Peer(* inode) State PID/Program
        let line = try #require(table.stdout.split(separator: "\n").first {
            let fields = $0.split(separator: " ")
            return fields.count > 4 && fields[4] == "\(leftInode)"
        })
        #expect(line.contains("\(getpid())/") && line.contains("->\(child.processIdentifier)/sleep"), "\(line)")
    }

    @Test func queryListNarrowsFamiliesAndTypes() throws {
        let (left, _) = LiveSocket.unixPair()
        let datagram = LiveSocket.unixDatagram()
        let listener = LiveSocket.tcpListener(v6: false)
        let dgrams = try objects(["-A", "unix_dgram", "-a"])
        #expect(dgrams[Int(datagram.inode)] != nil && dgrams[Int(left.inode)] == nil)
        #expect(dgrams.values.allSatisfy { $0["netid"] as? String == "unix" && $0["type"] as? String == "dgram" })
        let noUnix = try objects(["-A", "all,!unix", "-a"])
        #expect(noUnix[Int(listener.inode)] != nil && noUnix[Int(datagram.inode)] == nil)
        // Plain `unix` beside a type means every type again.
        let both = try objects(["-A", "unix_dgram,unix", "-a"])
        #expect(both[Int(datagram.inode)] != nil && both[Int(left.inode)] != nil)
        // `all` lists what the kernel has without a note for what it lacks (SCTP, vsock here).
        let all = try BinaryRunner.run(["-A", "all", "-a"])
        #expect(all.status == 0 && !all.stderr.contains("note: no "), "\(all.stderr)")
        let bad = try BinaryRunner.run(["-A", "tcp,bogus"])
        #expect(bad.status == 2 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("bogus"))
    }

    @Test func everyFamilyIsListedWithoutAFamilyFlag() throws {
        let netlink = LiveSocket.netlink()
        let udplite = LiveSocket.udplite()
        let (left, _) = LiveSocket.unixPair()
        let listener = LiveSocket.tcpListener(v6: true)
        let all = try objects(["-a"])
        #expect(all[Int(netlink.inode)]?["netid"] as? String == "netlink")
        #expect(all[Int(netlink.inode)]?["portid"] as? Int == Int(netlink.netlinkPortID))
        #expect(all[Int(udplite.inode)]?["netid"] as? String == "udplite")
        #expect(all[Int(left.inode)]?["netid"] as? String == "unix")
        #expect(all[Int(listener.inode)]?["family"] as? String == "inet6")
        // -4 keeps to the INET kinds, as ss does.
        let inet = try objects(["-a", "-4"])
        #expect(inet[Int(left.inode)] == nil && inet[Int(netlink.inode)] == nil)
    }

    @Test func rawSocketIsListedThroughTheProcFallback() throws {
        guard let raw = LiveSocket.rawICMP() else {
            print("skipped: raw sockets need CAP_NET_RAW (run the tests as root)")
            return
        }
        let listed = try objects(["-w", "-a", "-p"])
        let object = try #require(listed[Int(raw.inode)])
        #expect(object["netid"] as? String == "raw" && object["local_port"] as? Int == 1)
        #expect(((object["processes"] as? [[String: Any]])?.first?["pid"] as? Int) == Int(getpid()))
        // --pid looks INET sockets up one by one; raw ones have no addresses for that and come from the dump.
        let selected = try objects(["-w", "-a", "--pid", "\(getpid())"])
        #expect(selected[Int(raw.inode)]?["netid"] as? String == "raw")
        let table = try BinaryRunner.run(["-w", "-a", "-e"])
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("raw ") && $0.contains(" \(raw.inode) ") })
    }

    @Test func mptcpAndNetlinkAreListedByTheirFlags() throws {
        let netlink = LiveSocket.netlink()
        let nl = try BinaryRunner.run(["--netlink", "-a", "-e"])
        #expect(nl.stdout.split(separator: "\n").contains { $0.hasPrefix("nl ") && $0.contains("rtnl:\(netlink.netlinkPortID) ") })
        guard let listener = LiveSocket.mptcpListener(), let (client, _) = LiveSocket.mptcpConnection(to: listener) else {
            print("skipped: this kernel has no MPTCP, or net.mptcp.enabled is 0")
            return
        }
        let listed = try objects(["-M", "-a", "-i", "-p"])
        #expect(listed[Int(listener.inode)]?["state"] as? String == "listen")
        let connection = try #require(listed[Int(client.inode)])
        #expect(connection["netid"] as? String == "mptcp" && connection["peer_port"] as? Int == Int(listener.localPort))
        #expect(connection["mptcp_info"] as? [String: Any] != nil)
        #expect(((connection["processes"] as? [[String: Any]])?.first?["pid"] as? Int) == Int(getpid()))
    }

    @Test(arguments: [["--sctp"], ["--vsock"], ["-A", "sctp,vsock"]])
    func absentFamiliesGiveANoteAndStatusZero(arguments: [String]) throws {
        let result = try BinaryRunner.run(arguments + ["-a"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("note: no "), "stderr: \(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 1)  // the header only
    }

    @Test func summaryCountsTheTestsSockets() throws {
        // The host's own counts move under the parallel tests; a UNIX socket type only this test makes is exact.
        let before = try BinaryRunner.run(["-s", "-A", "unix_seqpacket", "--json"])
        let pairs = (0..<3).map { _ in LiveSocket.unixPair(type: Int32(SOCK_SEQPACKET.rawValue)) }
        let after = try BinaryRunner.run(["-s", "-A", "unix_seqpacket", "--json"])
        func established(_ r: BinaryRunner.Result) -> Int {
            (r.objects?.first?["states"] as? [String: Int])?["established"] ?? 0
        }
        #expect(after.status == 0)
        #expect(established(after) - established(before) == 6)
        #expect(after.objects?.first?["netid"] as? String == "unix")
        let table = try BinaryRunner.run(["-s"])
        #expect(table.stdout.hasPrefix("Netid") && table.stdout.contains("\ntotal "))
        _ = pairs
    }
}
