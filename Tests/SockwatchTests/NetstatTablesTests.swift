import Foundation
import SockTestSupport
import Testing

/// glibc's `setns`, which the Glibc module does not export (a `_GNU_SOURCE` declaration).
@_silgen_name("setns")
private func enterNamespace(_ fd: Int32, _ type: Int32) -> Int32

/// `sockwatch netstat -r/-i/-s/-g` against real net-tools netstat, byte for byte, inside a private network
/// namespace each test builds: veth interfaces, IPv4 and IPv6 addresses (one an alias label), a default route,
/// a host route with MSS/window/irtt, unreachable, prohibit and blackhole routes, IPv6 routes, multicast groups
/// joined by the kernel (`autojoin`), and TCP/UDP traffic on its loopback so that -s has counters.
///
/// Names: `ip netns exec` binds `/etc/netns/NAME/hosts` and `resolv.conf` over `/etc`, so the namespace's
/// gateway and hosts have names in its own hosts file, and DNS asks 127.0.0.1 there (nothing listens: a
/// reverse lookup fails at once instead of waiting for a server behind the namespace's made-up gateway).
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/netstat"), "net-tools netstat is not installed"),
    .enabled(if: getuid() == 0, "network namespaces need root"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), "iproute2 is not installed"))
struct NetstatTablesTests {
    /// A network namespace of the test's own, removed (with its /etc/netns files) when released.
    final class Lab {
        let name = "swtab-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var etc: String { "/etc/netns/\(name)" }

        init() throws {
            try Self.ip(["netns", "add", name])
            do {
                try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
                try """
                127.0.0.1 localhost
                10.9.0.1 gw.sockwatch.test
                10.8.0.5 far.sockwatch.test
                fd42::1 gw6.sockwatch.test
                239.1.2.3 group.sockwatch.test

                """.write(toFile: etc + "/hosts", atomically: true, encoding: .utf8)
                try "nameserver 127.0.0.1\n".write(toFile: etc + "/resolv.conf", atomically: true, encoding: .utf8)
                try build()
            } catch {
                remove()
                throw error
            }
        }

        deinit { remove() }

        private func remove() {
            _ = try? Self.ip(["netns", "del", name])
            try? FileManager.default.removeItem(atPath: etc)
        }

        /// Runs `ip ARGS` and requires success.
        @discardableResult
        static func ip(_ arguments: [String]) throws -> String {
            let result = try BinaryRunner.exec("/usr/sbin/ip", arguments)
            guard result.status == 0 else {
                throw LabFailure(description: "ip \(arguments.joined(separator: " ")): \(result.stderr)")
            }
            return result.stdout
        }

        /// Runs `program ARGS` inside the namespace.
        func run(_ program: String, _ arguments: [String]) throws -> BinaryRunner.Result {
            try BinaryRunner.exec("/usr/sbin/ip", ["netns", "exec", name, program] + arguments)
        }

        private func build() throws {
            let commands: [[String]] = [
                ["link", "set", "lo", "up"],
                ["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                ["link", "set", "v1", "mtu", "1280"],
                ["link", "set", "v0", "up"], ["link", "set", "v1", "up"],
                ["link", "add", "br0", "type", "bridge"],  // down: listed by -ia only
                ["addr", "add", "10.9.0.2/24", "dev", "v0"],
                ["addr", "add", "10.9.1.2/24", "dev", "v0", "label", "v0:1"],
                ["addr", "add", "169.254.3.4/16", "dev", "v1"],  // /etc/networks names it link-local
                ["-6", "addr", "add", "fd42::2/64", "dev", "v0", "nodad"],
                ["route", "add", "default", "via", "10.9.0.1"],
                ["route", "add", "10.8.0.5", "via", "10.9.0.1", "advmss", "1360", "window", "8000", "rtt", "30ms"],
                ["route", "add", "unreachable", "10.7.0.0/16"],
                ["route", "add", "prohibit", "10.5.0.0/16", "metric", "7"],
                ["route", "add", "blackhole", "10.6.0.0/16"],
                ["-6", "route", "add", "default", "via", "fd42::1"],
                ["-6", "route", "add", "fd43::/64", "via", "fd42::5", "metric", "77"],
                ["-6", "route", "add", "unreachable", "fd44::/64"],
                ["addr", "add", "239.1.2.3/32", "dev", "v0", "autojoin"],
                ["-6", "addr", "add", "ff05::1:3/128", "dev", "v0", "autojoin"],
            ]
            for command in commands { try Self.ip(["-n", name] + command) }
        }

        /// TCP and UDP on the namespace's loopback, from a thread that entered it: connections opened, data
        /// sent, datagrams to a closed port (NoPorts), all closed again.
        func traffic() throws {
            let path = "/run/netns/\(name)"
            let failure = ResultBox()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                defer { done.signal() }
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0, enterNamespace(fd, 0x4000_0000) == 0 else {  // CLONE_NEWNET
                    failure.message = "setns \(path): errno \(errno)"
                    return
                }
                close(fd)
                for v6 in [false, true] {
                    let listener = LiveSocket.tcpListener(v6: v6)
                    let (client, server) = LiveSocket.tcpConnection(to: listener)
                    let bytes = [UInt8](repeating: 0x61, count: 4000)
                    _ = bytes.withUnsafeBytes { write(client.fd, $0.baseAddress, $0.count) }
                    var buffer = [UInt8](repeating: 0, count: 8192)
                    _ = read(server.fd, &buffer, buffer.count)
                    let udp = LiveSocket.udp(v6: v6)
                    let peer = LiveSocket.udp(v6: v6, connectedTo: udp)
                    _ = bytes.withUnsafeBytes { write(peer.fd, $0.baseAddress, 100) }
                    udp.close()  // the next datagram finds no port
                    _ = bytes.withUnsafeBytes { write(peer.fd, $0.baseAddress, 100) }
                    [client, server, listener, peer].forEach { $0.close() }
                }
            }
            thread.start()
            done.wait()
            if let message = failure.message { throw LabFailure(description: message) }
        }

        /// `netstat ARGS`, then `sockwatch netstat ARGS`, then netstat again, until the two netstat runs agree
        /// (counters moved in between otherwise: IPv6 neighbour discovery, delayed ACKs); then netstat's
        /// output and sockwatch's. Bounded: after 20 tries the last triple is returned.
        func sandwich(_ arguments: [String]) throws -> (real: BinaryRunner.Result, ours: BinaryRunner.Result) {
            var last: (BinaryRunner.Result, BinaryRunner.Result)?
            for _ in 0..<20 {
                let before = try run("/usr/bin/netstat", arguments)
                let ours = try run(BinaryRunner.binary, ["netstat"] + arguments)
                let after = try run("/usr/bin/netstat", arguments)
                last = (before, ours)
                if before.stdout == after.stdout { return (before, ours) }
                usleep(200_000)
            }
            return last!
        }
    }

    struct LabFailure: Error, CustomStringConvertible {
        let description: String
    }

    final class ResultBox: @unchecked Sendable {
        var message: String?
    }

    static let tables: [[String]] = [
        ["-rn"], ["-r"], ["-rne"], ["-re"], ["-rnee"], ["-rn", "-A", "inet6"], ["-r", "-6"], ["-rn6"],
        ["-rn", "-4", "-6"], ["-r", "-A", "inet6,inet"], ["--route", "--numeric"], ["-rN"],
        ["-i"], ["-ia"], ["-in"], ["--interfaces", "--all"], ["-ie"], ["-iea"],
        ["-g"], ["-gn"], ["-gn4"], ["-g", "-6"], ["--groups", "--numeric"],
        ["-s"], ["-st"], ["-su"], ["-sw"], ["-s", "-t", "-u"], ["-s6"], ["-st6"], ["-su", "-A", "inet6"],
        ["--statistics"],
    ]

    @Test(arguments: tables)
    func sameAsNetstat(arguments: [String]) throws {
        let lab = try Lab()
        try lab.traffic()
        let (real, ours) = try lab.sandwich(arguments)
        #expect(real.status == 0, "netstat \(arguments): \(real.stderr)")
        #expect(ours.status == 0, "sockwatch netstat \(arguments): \(ours.stderr)")
        #expect(ours.stderr.isEmpty, "sockwatch netstat \(arguments): \(ours.stderr)")
        #expect(real.stdout.split(separator: "\n").count > 3, "netstat \(arguments) printed almost nothing")
        #expect(ours.stdout == real.stdout, "netstat \(arguments)\n--- netstat\n\(real.stdout)--- sockwatch\n\(ours.stdout)")
    }

    /// What the lab put in place shows, so that equality above is about real rows: the routes, the names from
    /// the namespace's hosts and networks files, the alias, the groups, non-zero counters.
    @Test func tablesShowTheLab() throws {
        let lab = try Lab()
        try lab.traffic()
        let routes = try lab.run(BinaryRunner.binary, ["netstat", "-r"]).stdout
        #expect(routes.contains("default         gw.sockwatch.te 0.0.0.0         UG"))
        #expect(routes.contains("far.sockwatch.t gw.sockwatch.te 255.255.255.255 UGH    1400 8000      30 v0"))
        #expect(routes.contains("10.7.0.0        -               255.255.0.0     !         - -          - -"))
        #expect(routes.contains("link-local      0.0.0.0         255.255.0.0     U"))
        let numeric = try lab.run(BinaryRunner.binary, ["netstat", "-rn"]).stdout
        #expect(numeric.contains("0.0.0.0         10.9.0.1        0.0.0.0         UG"))
        let routes6 = try lab.run(BinaryRunner.binary, ["netstat", "-r6"]).stdout
        #expect(routes6.contains("[::]/0                         gw6.sockwatch.test         UG   1024"))
        #expect(routes6.contains("fd44::/64                      [::]                       !n"))
        let interfaces = try lab.run(BinaryRunner.binary, ["netstat", "-ia"]).stdout
        #expect(interfaces.contains("v0:1             1500      - no statistics available -"))
        #expect(interfaces.contains("v1               1280"))
        #expect(interfaces.contains("br0              1500        0      0      0 0             0      0      0      0 BM\n"))
        let groups = try lab.run(BinaryRunner.binary, ["netstat", "-g"]).stdout
        #expect(groups.contains("v0              1      group.sockwatch.test"))
        #expect(groups.contains("v0              1      ff05::1:3"))
        let statistics = try lab.run(BinaryRunner.binary, ["netstat", "-st"]).stdout
        #expect(statistics.contains("Tcp:\n    2 active connection openings\n    2 passive connection openings\n"))
        #expect(!statistics.contains("Udp:"))
        // The closed port's datagram, and the DNS queries of the name lookups (nothing listens on port 53).
        let udp = try lab.run(BinaryRunner.binary, ["netstat", "-su"]).stdout
        let noPorts = udp.split(separator: "\n").first { $0.hasSuffix(" packets to unknown port received") }
        #expect((noPorts?.split(separator: " ").first).flatMap { Int($0) } ?? 0 > 0, "\(udp)")
    }

    @Test(arguments: [
        (["-ri"], "cannot be combined"), (["-r", "-s"], "cannot be combined"), (["-is"], "cannot be combined"),
        (["-rr"], "each given once"), (["-s", "--statistics"], "each given once"),
        (["-s", "-4", "-6"], "no statistics for the address family 'inet,inet6'"),
        (["-s", "-A", "unix"], "no statistics for the address family 'unix'"),
        (["-rx"], "no routing table for the address family 'unix'"),
        (["-rC"], "ip route show cache"), (["-M"], "conntrack"),
        (["-A", "ipx", "-r"], "unsupported address family 'ipx'"),
    ])
    func badCombinationsAreOneLine(arguments: [String], hint: String) throws {
        let result = try BinaryRunner.run(["netstat"] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(hint), "\(result.stderr)")
    }
}

/// A table the kernel does not have (IPv6 disabled, no IPv4): sockwatch's reads of it fail with ENOENT through an
/// `LD_PRELOAD` shim the test compiles, which fails `open` for paths containing `SOCKWATCH_TEST_HIDE`. (Hiding
/// the file in a mount namespace does not work: `/proc/PID/net` entries are looked up afresh, dropping a mount
/// over them, and a tmpfs over all of `/proc` leaves the Swift runtime without its arguments.)
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cc"), "no C compiler (cc) for the open() shim"))
struct NetstatMissingTableTests {
    static let shimSource = """
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdarg.h>
        #include <stdlib.h>
        #include <string.h>
        static int hidden(const char *path) {
            const char *hide = getenv("SOCKWATCH_TEST_HIDE");
            return hide && path && strstr(path, hide);
        }
        int open(const char *path, int flags, ...) {
            va_list list; va_start(list, flags); int mode = va_arg(list, int); va_end(list);
            if (hidden(path)) { errno = ENOENT; return -1; }
            int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
            return real(path, flags, mode);
        }
        int openat(int dir, const char *path, int flags, ...) {
            va_list list; va_start(list, flags); int mode = va_arg(list, int); va_end(list);
            if (hidden(path)) { errno = ENOENT; return -1; }
            int (*real)(int, const char *, int, ...) = dlsym(RTLD_NEXT, "openat");
            return real(dir, path, flags, mode);
        }

        """

    /// Builds the shim once per test, in a directory of its own; returns its path.
    static func shim() throws -> (library: String, directory: String) {
        let directory = "/tmp/sockwatch-hide-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try shimSource.write(toFile: directory + "/hide.c", atomically: true, encoding: .utf8)
        let build = try BinaryRunner.exec(
            "/usr/bin/cc", ["-shared", "-fPIC", "-o", directory + "/hide.so", directory + "/hide.c", "-ldl"])
        try #require(build.status == 0, "cc: \(build.stderr)")
        return (directory + "/hide.so", directory)
    }

    @Test(arguments: [
        (["-rn6"], "ipv6_route", "/proc/net/ipv6_route", "INET6 (IPv6) not configured in this system.\n", 1),
        (["-r", "-A", "inet6"], "ipv6_route", "/proc/net/ipv6_route", "INET6 (IPv6) not configured in this system.\n", 1),
        (["-rn"], "net/route", "/proc/net/route", "INET (IPv4) not configured in this system.\n", 1),
        (["-s"], "net/snmp", "/proc/net/snmp", "", 1),
        (["-s6"], "snmp6", "/proc/net/snmp6", "", 1),
    ])
    func missingTableIsANote(arguments: [String], hide: String, path: String, stdout: String, status: Int32) throws {
        let (library, directory) = try Self.shim()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try ChildProcess.run(
            BinaryRunner.binary, ["netstat"] + arguments,
            environment: ["LD_PRELOAD=\(library)", "SOCKWATCH_TEST_HIDE=\(hide)", "PATH=/usr/bin:/bin"])
        let stderr = String(decoding: output.stderr, as: UTF8.self)
        #expect(output.status == status, "\(stderr)")
        #expect(String(decoding: output.stdout, as: UTF8.self) == stdout)
        let lines = stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(stderr)")
        #expect(lines.first?.hasPrefix("sockwatch: note: \(path): No such file or directory") == true, "\(stderr)")
    }

    /// Without `/proc/net/dev`, -i lists what `SIOCGIFCONF` knows (interfaces with an IPv4 address, loopback at
    /// least) without counters, as netstat does, after one note.
    @Test func interfacesWithoutCounters() throws {
        let (library, directory) = try Self.shim()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try ChildProcess.run(
            BinaryRunner.binary, ["netstat", "-i"],
            environment: ["LD_PRELOAD=\(library)", "SOCKWATCH_TEST_HIDE=net/dev", "PATH=/usr/bin:/bin"])
        let stdout = String(decoding: output.stdout, as: UTF8.self)
        #expect(output.status == 0)
        #expect(stdout.contains("\nlo              65536      - no statistics available -"), "\(stdout)")
        #expect(String(decoding: output.stderr, as: UTF8.self).contains("note: /proc/net/dev: No such file"))
    }
}
