import Foundation
import Glibc
import Testing

/// Names through a real DNS server: `Scripts/dns-sandbox` runs dnsmasq in a private network namespace and the
/// commands below in a mount namespace whose resolv.conf points at it. A holder process there opens TCP
/// connections between addresses that have A, AAAA and PTR records, and one (10.53.9.9) whose PTR query is
/// never answered. Real netstat and lsof run beside sockwatch on that table: the namespace holds nothing else.
@Suite(
    .serialized,
    .enabled(if: getuid() == 0, "needs root: the DNS sandbox makes network and mount namespaces"),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/dnsmasq"),
        "dnsmasq is not installed (Scripts/setup-deps installs dnsmasq-base)"),
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/netstat")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/lsof"),
        "net-tools netstat or lsof is not installed"))
struct DNSDialectTests {
    /// The repository's Scripts/ directory.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts").path

    /// Runs in the sandbox: the holder, then each command between `=== NAME` and `=== status N` lines.
    static let workload = #"""
        B=$1
        ready=$(mktemp)
        python3 -c '
        import socket, sys, time
        keep = []
        for fam, srv, clients in ((socket.AF_INET, "10.53.1.1", ["10.53.1.2", "10.53.9.9"]),
                                  (socket.AF_INET6, "fd53::1:1", ["fd53::1:2"])):
            l = socket.socket(fam); l.bind((srv, 0)); l.listen(8); keep.append(l)
            for c in clients:
                s = socket.socket(fam); s.bind((c, 0)); s.connect(l.getsockname()[:2])
                keep.append(s); keep.append(l.accept()[0])
        open(sys.argv[1], "w").write("ready")
        time.sleep(600)
        ' "$ready" &
        holder=$!
        trap 'kill $holder 2>/dev/null; rm -f "$ready"' EXIT
        for _ in $(seq 1 400); do [ -s "$ready" ] && break; sleep 0.05; done
        section() { name=$1; shift; echo "=== $name"; "$@" 2>"$ready.err"; s=$?; echo "=== stderr"; cat "$ready.err"; echo "=== status $s"; }
        section netstat-t netstat -t
        section ours-netstat-t "$B" netstat -t
        section netstat-tn netstat -tn
        section ours-netstat-tn "$B" netstat -tn
        section lsof lsof -i -a -p $holder
        section ours-lsof "$B" lsof -i -a -p $holder
        section lsof-n lsof -n -i -a -p $holder
        section ours-lsof-n "$B" lsof -n -i -a -p $holder
        section lsof-P lsof -P -i -a -p $holder
        section ours-lsof-P "$B" lsof -P -i -a -p $holder
        section lsof-at lsof -i@beta.sw.test
        section ours-lsof-at "$B" lsof -i@beta.sw.test
        section ours-dst "$B" -t -H dst alpha.sw.test
        section ours-dst-option "$B" -t -H --dst beta.sw.test
        section ours-slow "$B" -t dst slow.sw.test
        section ours-r "$B" -t -r -H --json
        """#

    struct Section {
        var stdout: [String] = []
        var stderr: [String] = []
        var status: Int32 = -1
    }

    /// Runs the workload once in the sandbox; sections by name.
    static func run() throws -> [String: Section] {
        let result = try BinaryRunner.exec(
            "/bin/bash", ["\(scripts)/dns-sandbox", "--", "bash", "-c", workload, "bash", BinaryRunner.binary])
        #expect(result.status == 0, "dns-sandbox: \(result.stderr)")
        var sections: [String: Section] = [:]
        var name: String?
        var inStderr = false
        for line in result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("=== status "), let current = name {
                sections[current]?.status = Int32(line.dropFirst(11)) ?? -1
                name = nil
            } else if line == "=== stderr" {
                inStderr = true
            } else if line.hasPrefix("=== ") {
                name = String(line.dropFirst(4))
                sections[name!] = Section()
                inStderr = false
            } else if let current = name, !line.isEmpty {
                if inStderr { sections[current]?.stderr.append(line) } else { sections[current]?.stdout.append(line) }
            }
        }
        return sections
    }

    @Test func namesAsTheRealToolsPrintThem() throws {
        let s = try Self.run()
        func section(_ name: String) throws -> Section { try #require(s[name], "no section \(name)") }

        // netstat: the same heading and rows (row order aside), names included; the silent PTR stays numeric.
        for (real, ours) in [("netstat-t", "ours-netstat-t"), ("netstat-tn", "ours-netstat-tn")] {
            let r = try section(real), o = try section(ours)
            #expect(r.stdout.count == 8, "\(real): \(r.stdout)")
            #expect(o.stdout.prefix(2) == r.stdout.prefix(2), "\(ours)")
            #expect(o.stdout.dropFirst(2).sorted() == r.stdout.dropFirst(2).sorted(), "\(ours): \(o.stdout) vs \(r.stdout)")
            #expect(o.status == 0)
            // netstat's order: every tcp row before the tcp6 ones.
            let protocols = o.stdout.dropFirst(2).map { $0.prefix(4) }
            #expect(protocols == protocols.sorted { $0 == "tcp " && $1 == "tcp6" } && protocols.first == "tcp ", "\(ours)")
        }
        let named = try section("ours-netstat-t")
        #expect(named.stdout.filter { $0.contains("alpha.sw.test:") && $0.contains("beta.sw.test:") }.count == 4)
        #expect(named.stdout.filter { $0.contains("10.53.9.9:") }.count == 2)
        // The one address whose name never came: one note.
        #expect(named.stderr.count == 1 && named.stderr[0].contains("1 address had no name"), "\(named.stderr)")
        #expect(try section("ours-netstat-tn").stderr.isEmpty)

        // lsof: byte for byte, with and without -n and -P.
        for name in ["lsof", "lsof-n", "lsof-P", "lsof-at"] {
            let r = try section(name), o = try section("ours-" + name)
            #expect(r.stdout.count > 1, "\(name): \(r.stdout)")
            #expect(o.stdout == r.stdout, "\(name)")
            #expect(o.status == r.status, "\(name)")
        }
        #expect(try section("lsof").stdout.contains { $0.contains("beta.sw.test:") && $0.contains("->alpha.sw.test:") })
        #expect(try section("lsof-P").stdout.contains { $0.contains("10.53.9.9:") })
        #expect(try section("lsof-n").stdout.allSatisfy { !$0.contains(".sw.test") })

        // dst NAME: the rows whose peer is any address of alpha (10.53.1.1 twice, fd53::1:1 once).
        let dst = try section("ours-dst")
        #expect(dst.status == 0)
        let peers = dst.stdout.map { $0.split(separator: " ", omittingEmptySubsequences: true)[4] }
        #expect(peers.count == 3, "\(dst.stdout)")
        #expect(peers.filter { $0.hasPrefix("10.53.1.1:") }.count == 2 && peers.filter { $0.hasPrefix("[fd53::1:1]:") }.count == 1)
        let option = try section("ours-dst-option")
        let optionPeers = option.stdout.map { $0.split(separator: " ", omittingEmptySubsequences: true)[4] }
        #expect(optionPeers.count == 2 && optionPeers.allSatisfy { $0.hasPrefix("10.53.1.2:") || $0.hasPrefix("[fd53::1:2]:") })

        // A name that never resolves: one line, exit 2.
        let slow = try section("ours-slow")
        #expect(slow.status == 2 && slow.stdout.isEmpty && slow.stderr.count == 1, "\(slow)")
        #expect(slow.stderr.first?.contains("slow.sw.test") == true)

        // -r --json: names beside the numbers.
        let json = try section("ours-r")
        let objects = json.stdout.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == 6)
        for object in objects {
            let address = object["peer_addr"] as? String
            let name = object["peer_name"] as? String
            switch address {
            case "10.53.1.1", "fd53::1:1": #expect(name == "alpha.sw.test")
            case "10.53.1.2", "fd53::1:2": #expect(name == "beta.sw.test")
            default: #expect(address == "10.53.9.9" && object["peer_name"] is NSNull, "\(object)")
            }
        }
    }
}
