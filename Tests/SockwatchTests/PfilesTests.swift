import Foundation
import Glibc
import SockTestSupport
import Testing

/// The python3 that runs the test server, if there is one.
let pfilesPython: String? = ["/usr/bin/python3", "/usr/local/bin/python3"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }
    ?? (try? BinaryRunner.exec("/bin/sh", ["-c", "command -v python3"]))
        .map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }

/// `sockwatch pfiles` on a real server process that sets known socket options.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: pfilesPython != nil, "python3 is needed for the server process"))
struct PfilesTests {
    static var python: String? { pfilesPython }

    /// A Python server: a listener with SO_REUSEADDR, a connection with keepalive, nodelay, a 64 KiB send
    /// buffer, linger 5 s and keepidle 30 s, an IPv6-only listener and an abstract UNIX listener.
    static let server = #"""
        import os, socket, struct, sys
        S = socket
        l = S.socket(); l.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1); l.bind(("127.0.0.1", 0)); l.listen()
        c = S.create_connection(("127.0.0.1", l.getsockname()[1])); s, _ = l.accept()
        c.setsockopt(S.SOL_SOCKET, S.SO_KEEPALIVE, 1); c.setsockopt(S.IPPROTO_TCP, S.TCP_NODELAY, 1)
        c.setsockopt(S.SOL_SOCKET, S.SO_SNDBUF, 65536); c.setsockopt(S.SOL_SOCKET, S.SO_LINGER, struct.pack("ii", 1, 5))
        c.setsockopt(S.IPPROTO_TCP, S.TCP_KEEPIDLE, 30)
        v6 = S.socket(S.AF_INET6); v6.setsockopt(S.IPPROTO_IPV6, S.IPV6_V6ONLY, 1); v6.bind(("::1", 0)); v6.listen()
        u = S.socket(S.AF_UNIX); u.bind("\0sockwatch-pfiles-%d" % os.getpid()); u.listen()
        print(os.getpid(), l.fileno(), c.fileno(), s.fileno(), v6.fileno(), u.fileno(), l.getsockname()[1], c.getsockname()[1], flush=True)
        sys.stdin.readline()
        c.sendall(b"ping"); print(s.recv(4).decode(), flush=True)
        sys.stdin.readline()
        """#

    /// The running server and what it printed about itself.
    final class Server {
        let pid: pid_t
        /// Our ends of its stdin and stdout.
        let input: Int32
        let output: Int32
        var numbers: [Int] = []

        init(launcher: [String] = []) throws {
            var stdin: [Int32] = [-1, -1]
            var stdout: [Int32] = [-1, -1]
            guard pipe(&stdin) == 0, pipe(&stdout) == 0 else { throw POSIXError(.EMFILE) }
            let arguments = launcher.isEmpty ? [PfilesTests.python!] : launcher + [PfilesTests.python!]
            defer { close(stdin[0]); close(stdout[1]) }
            do {
                let stdio = [(ours: stdin[0], theirs: Int32(0)), (stdout[1], 1), (2, 2)]
                pid = try ChildProcess.spawn(arguments[0], arguments + ["-c", PfilesTests.server], holding: stdio)
            } catch {
                close(stdin[1])
                close(stdout[0])
                throw error
            }
            (input, output) = (stdin[1], stdout[0])
            numbers = readLine().split(separator: " ").compactMap { Int($0) }
        }

        /// One line from the server, read byte by byte with EINTR retried.
        func readLine() -> String {
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while true {
                let n = Glibc.read(output, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 || byte == 0x0A { break }
                line.append(byte)
            }
            return String(decoding: line, as: UTF8.self)
        }

        func send(_ text: String) {
            var text = text
            _ = text.withUTF8 { write(input, $0.baseAddress, $0.count) }
        }

        deinit {
            kill(pid, SIGTERM)
            ChildProcess.wait(pid)
            close(input)
            close(output)
        }
    }

    /// pfiles's block for one descriptor: its lines, up to the next descriptor.
    static func block(_ output: String, fd: Int) -> String {
        var lines: [Substring] = []
        var inside = false
        for line in output.split(separator: "\n") {
            let header = line.trimmingCharacters(in: .whitespaces)
            if let colon = header.firstIndex(of: ":"), let number = Int(header[..<colon]), line.hasPrefix(" ") {
                inside = number == fd
            }
            if inside { lines.append(line) }
        }
        return lines.joined(separator: "\n")
    }

    @Test func reportsTheOptionsTheServerSetAndLeavesItsSocketsWorking() throws {
        let server = try Server()
        try #require(server.numbers.count == 8, "server did not start")
        let (pid, listener, client, accepted, v6, unix) = (
            server.numbers[0], server.numbers[1], server.numbers[2], server.numbers[3], server.numbers[4],
            server.numbers[5])
        let (listenPort, clientPort) = (server.numbers[6], server.numbers[7])

        let result = try BinaryRunner.run(["pfiles", "\(pid)"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.hasPrefix("\(pid):\t"))
        #expect(out.contains("  Current rlimit: "))

        let l = Self.block(out, fd: listener)
        #expect(l.contains("S_IFSOCK") && l.contains("SOCK_STREAM"))
        #expect(l.contains("SO_ACCEPTCONN") && l.contains("SO_REUSEADDR"))
        #expect(!l.contains("SO_KEEPALIVE"))
        #expect(l.contains("sockname: AF_INET 127.0.0.1  port: \(listenPort)"))
        #expect(l.contains("sock_diag: LISTEN"))

        let c = Self.block(out, fd: client)
        for option in ["SO_KEEPALIVE", "TCP_NODELAY", "SO_SNDBUF(131072)", "SO_LINGER(5)", "TCP_KEEPIDLE(30)"] {
            #expect(c.contains(option), "client socket lacks \(option):\n\(c)")
        }
        #expect(!c.contains("SO_REUSEADDR") && !c.contains("SO_ACCEPTCONN") && !c.contains("SO_BROADCAST"))
        #expect(c.contains("sockname: AF_INET 127.0.0.1  port: \(clientPort)"))
        #expect(c.contains("peername: AF_INET 127.0.0.1  port: \(listenPort)"))
        #expect(c.contains("sock_diag: ESTABLISHED") && c.contains("rtt:"))

        let a = Self.block(out, fd: accepted)
        #expect(!a.contains("SO_KEEPALIVE") && !a.contains("TCP_NODELAY") && !a.contains("SO_LINGER"))
        #expect(a.contains("peername: AF_INET 127.0.0.1  port: \(clientPort)"))

        #expect(Self.block(out, fd: v6).contains("IPV6_V6ONLY"))
        #expect(Self.block(out, fd: v6).contains("sockname: AF_INET6 ::1"))
        #expect(Self.block(out, fd: unix).contains("sockname: AF_UNIX @sockwatch-pfiles-\(pid)"))

        // The server's connection still carries data after pfiles looked at it.
        server.send("go\n")
        #expect(server.readLine() == "ping")
        server.send("done\n")
    }

    @Test(.enabled(if: getuid() == 0, "needs root to run the server and sockwatch as other users"))
    func withoutPtraceRightsTheSocketsAreStillListed() throws {
        // The server runs as nobody. sockwatch runs with effective (and so filesystem) uid nobody, which may
        // read /proc/PID/fd, but real uid 4242, which pidfd_getfd's ptrace check (REALCREDS) refuses.
        let server = try Server(launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        try #require(server.numbers.count == 8, "server did not start")
        let (pid, client, listenPort) = (server.numbers[0], server.numbers[2], server.numbers[6])
        let directory = "/tmp/sockwatch-pfiles-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: BinaryRunner.binary, toPath: "\(directory)/sockwatch")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)

        let result = try BinaryRunner.exec(
            "/usr/bin/setpriv",
            ["--ruid=4242", "--euid=65534", "--regid=65534", "--clear-groups", "\(directory)/sockwatch", "pfiles", "\(pid)"])
        #expect(result.status == 0, "\(result.stderr)")
        let c = Self.block(result.stdout, fd: client)
        #expect(c.contains("S_IFSOCK"))
        #expect(c.contains("options unavailable: EPERM: no ptrace rights over pid \(pid)"), "\(c)")
        // What sock_diag still knows: the addresses, the keepalive timer, the buffers.
        #expect(c.contains("peername: AF_INET 127.0.0.1  port: \(listenPort)"))
        #expect(c.contains("SO_KEEPALIVE") && c.contains("(from sock_diag)"))
        #expect(c.contains("sock_diag: ESTABLISHED"))
        server.send("go\n")
        #expect(server.readLine() == "ping")
        server.send("done\n")
    }

    @Test func sockoptsInTheTableAndJSONUseTheSameReader() throws {
        let server = try Server()
        try #require(server.numbers.count == 8, "server did not start")
        let (pid, clientPort) = (server.numbers[0], server.numbers[7])
        let json = try BinaryRunner.run(["-ta", "--sockopts", "--json", "--pid", "\(pid)"])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try #require(json.objects)
        let client = try #require(objects.first { $0["local_port"] as? Int == clientPort })
        let options = try #require(client["sockopts"] as? [String: Any])
        #expect(options["SO_KEEPALIVE"] as? Bool == true)
        #expect(options["TCP_NODELAY"] as? Bool == true)
        #expect(options["SO_SNDBUF"] as? Int == 131072)
        #expect(options["SO_LINGER"] as? Int == 5)
        #expect(options["TCP_KEEPIDLE"] as? Int == 30)
        #expect(options["SO_REUSEADDR"] == nil)
        #expect((options["TCP_CONGESTION"] as? String)?.isEmpty == false)

        let table = try BinaryRunner.run(["-ta", "--sockopts", "--pid", "\(pid)"])
        #expect(table.lines.first?.contains("Options") == true)
        let row = try #require(table.lines.first { $0.contains("127.0.0.1:\(clientPort) ") })
        #expect(row.contains("SO_KEEPALIVE,SO_LINGER(5),SO_SNDBUF(131072)"))
        server.send("go\n")
        #expect(server.readLine() == "ping")
        server.send("done\n")
    }

    @Test(arguments: [["pfiles"], ["pfiles", "abc"], ["pfiles", "/etc/passwd"], ["pfiles", "--command", "/[/"]])
    func badArgumentsExitTwo(arguments: [String]) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func missingPidExitsOne() throws {
        let result = try BinaryRunner.run(["pfiles", "2147483600"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no process with pid 2147483600"))
    }
}
