import Foundation
import SockTestSupport
import Testing

/// Runs the built `sockwatch` binary (the one next to this test bundle) and captures what it says.
struct BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout split into non-empty lines.
        var lines: [Substring] { stdout.split(separator: "\n") }

        /// stdout parsed as NDJSON; nil when any line is not a JSON object.
        var objects: [[String: Any]]? {
            var out: [[String: Any]] = []
            for line in lines {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                else { return nil }
                out.append(object)
            }
            return out
        }
    }

    /// The path of the `sockwatch` executable built beside the tests.
    static let binary = TestBinaries.path(of: "sockwatch")

    static var available: Bool { TestBinaries.isAvailable("sockwatch") }

    /// Runs `sockwatch ARGS` directly.
    static func run(_ arguments: [String]) throws -> Result {
        try exec(binary, arguments)
    }

    /// Runs any program and captures stdout and stderr.
    static func exec(_ program: String, _ arguments: [String]) throws -> Result {
        let output = try ChildProcess.run(program, arguments)
        return Result(
            status: output.status,
            stdout: String(decoding: output.stdout, as: UTF8.self),
            stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    /// Runs a world-readable copy of the binary as nobody (uid and gid 65534) through setpriv (root only): the
    /// build directory may sit under a private home.
    static func runAsNobody(_ arguments: [String]) throws -> Result {
        let directory = "/tmp/sockwatch-nobody-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let copy = "\(directory)/sockwatch"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: binary, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        return try exec("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + arguments)
    }

    /// The inode in the fields of one `ss -e` line (`ino:N`); nil when there is none.
    static func ssInode(_ fields: [Substring]) -> UInt64? {
        fields.first { $0.hasPrefix("ino:") }.flatMap { UInt64($0.dropFirst(4)) }
    }

    /// Every inode in `ss -e` output.
    static func ssInodes(_ text: String) -> [UInt64] {
        text.split(separator: "\n").compactMap { ssInode($0.split(separator: " ")) }
    }

    /// Expects each socket in `objects` (`--json`) to have one holder: `pid`, at the descriptor `fds` gives its inode.
    static func expectHeld(
        _ objects: [[String: Any]], onlyBy pid: pid_t, at fds: [Int: Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for object in objects {
            let holders = try #require(object["processes"] as? [[String: Any]], sourceLocation: sourceLocation)
            #expect(holders.count == 1, sourceLocation: sourceLocation)
            #expect(holders.first?["pid"] as? Int == Int(pid), sourceLocation: sourceLocation)
            #expect(holders.first?["fd"] as? Int == fds[object["inode"] as? Int ?? -1], sourceLocation: sourceLocation)
        }
    }

    /// Runs a shell pipeline; `$SW` names the binary.
    static func shell(_ script: String) throws -> Result {
        try exec("/bin/sh", ["-c", "SW='\(binary)'; \(script)"])
    }
}
