import Foundation
import SockTestSupport
import Testing

/// Names that are not plain text: bytes that are not UTF-8, C1 controls and bidi overrides, in a real
/// process's comm and a real UNIX socket's path. The process lives in a network namespace of its own, so no
/// other test's listing meets these names.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: geteuid() == 0, "unshare -n needs root"))
struct HostileNameTests {
    /// The path's last component and the comm, as bytes: `bad\xff`, CSI (U+009B), RLO (U+202E).
    static let name: [UInt8] = Array("bad".utf8) + [0xFF] + [0xC2, 0x9B] + Array("x".utf8) + [0xE2, 0x80, 0xAE]

    /// Runs `body` with a python process in its own network namespace whose comm is `name`, bound to a UNIX
    /// socket at a path ending in `name`: its pid and the path's bytes.
    private func withHostileProcess(ownNamespace: Bool = true, _ body: (Int32, [UInt8]) throws -> Void) throws {
        let directory = "/tmp/sockwatch-names-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hex = Self.name.map { String(format: "%02x", $0) }.joined()
        let ready = "\(directory)/ready"
        let program = "import socket, time, os; n = bytes.fromhex('\(hex)'); "
            + "s = socket.socket(socket.AF_UNIX); s.bind(b'\(directory)/' + n); s.listen(); "
            + "open('/proc/self/comm', 'wb').write(n); open('\(ready)', 'w').close(); time.sleep(120)"
        let pid =
            ownNamespace
            ? try ChildProcess.spawn("/usr/bin/unshare", ["unshare", "-n", "python3", "-c", program], holding: [])
            : try ChildProcess.spawn("/usr/bin/python3", ["python3", "-c", program], holding: [])
        defer {
            kill(pid, SIGKILL)
            ChildProcess.wait(pid)
        }
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: ready) && Date() < deadline { usleep(20_000) }
        try #require(FileManager.default.fileExists(atPath: ready), "the process did not start")
        try body(pid, Array("\(directory)/".utf8) + Self.name)
    }

    @Test func tableEscapesInvalidBytesC1AndBidi() throws {
        try withHostileProcess { pid, _ in
            let result = try BinaryRunner.run(["-xlp", "--netns", "\(pid)"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let escaped = #"bad\xff\u009bx\u202e"#
            // Before: U+FFFD for the byte, and the CSI and RLO written raw.
            #expect(result.stdout.contains("/" + escaped), "stdout: \(result.stdout)")
            #expect(result.stdout.contains("\(pid)/" + escaped), "stdout: \(result.stdout)")
            for raw in ["\u{FFFD}", "\u{9B}", "\u{202E}"] { #expect(!result.stdout.contains(raw)) }
        }
    }

    @Test func jsonStaysValidAndKeepsTheBytesBeside() throws {
        try withHostileProcess { pid, path in
            let result = try BinaryRunner.run(["-xlp", "--netns", "\(pid)", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            // Every line parses (a lone surrogate escape would not, in Foundation or serde_json).
            let objects = try #require(result.objects, "not NDJSON: \(result.stdout)")
            let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
            let socket = try #require(objects.first { ($0["path_hex"] as? String) == hex(path) }, "\(result.stdout)")
            #expect(socket["path"] as? String == String(decoding: path, as: UTF8.self))
            let holder = try #require((socket["processes"] as? [[String: Any]])?.first)
            #expect(holder["comm_hex"] as? String == hex(Self.name))
            #expect(holder["comm"] as? String == "bad\u{FFFD}\u{9B}x\u{202E}")
        }
    }

    @Test func lsofPrintsInvalidBytesAsLsofDoes() throws {
        try withHostileProcess(ownNamespace: false) { pid, _ in
            let ours = try BinaryRunner.run(["lsof", "-U", "-a", "-p", "\(pid)"])
            let real = try BinaryRunner.exec("/usr/bin/lsof", ["-U", "-a", "-p", "\(pid)"])
            let command = { (text: String) in text.split(separator: "\n").dropFirst().first.map { String($0.prefix { $0 != " " }) } }
            // Before: `bad\xef` (the first byte of U+FFFD) where lsof prints `bad\xff`.
            #expect(command(ours.stdout)?.hasPrefix(#"bad\xff"#) == true, "stdout: \(ours.stdout)")
            #expect(command(ours.stdout) == command(real.stdout), "ours: \(ours.stdout)\nlsof: \(real.stdout)")
        }
    }
}
