import Foundation
import SockTestSupport

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

    /// Runs a shell pipeline; `$SW` names the binary.
    static func shell(_ script: String) throws -> Result {
        try exec("/bin/sh", ["-c", "SW='\(binary)'; \(script)"])
    }
}

/// A child process holding some of the test's sockets, killed by `terminate()`.
struct HoldingChild {
    let processIdentifier: pid_t

    func terminate() {
        kill(processIdentifier, SIGKILL)
        ChildProcess.wait(processIdentifier)
    }
}

extension BinaryRunner {
    /// Starts `program` with `arguments` (argv[0] included), holding the test's descriptors at the given
    /// numbers (`[ourFD: childFD]`) and no other.
    static func spawn(_ program: String, _ arguments: [String], holding descriptors: [Int32: Int32]) throws -> pid_t {
        try ChildProcess.spawn(program, arguments, holding: descriptors.map { (ours: $0.key, theirs: $0.value) })
    }

    /// Waits (up to 10 s) until `pid`'s comm reads `comm` and each of its descriptors (`[ourFD: childFD]`) is
    /// the same open file as ours; throws (after killing the child) when it never is.
    static func waitFor(_ pid: pid_t, comm: String, holding descriptors: [Int32: Int32]) throws {
        func identity(_ st: stat) -> [UInt64] { [UInt64(st.st_dev), UInt64(st.st_ino)] }
        let wanted = descriptors.map { ours, theirs -> (Int32, [UInt64]) in
            var st = stat()
            return (theirs, fstat(ours, &st) == 0 ? identity(st) : [])
        }
        var current = ""
        var missing: [Int32] = []
        for _ in 0..<1000 {
            current = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            missing = wanted.filter { theirs, object in
                var st = stat()
                return stat("/proc/\(pid)/fd/\(theirs)", &st) != 0 || identity(st) != object
            }.map(\.0)
            if current == comm + "\n" && missing.isEmpty { return }
            usleep(10_000)
        }
        HoldingChild(processIdentifier: pid).terminate()
        throw SpawnError(
            "child \(pid) (comm \(current.debugDescription)) does not hold descriptors \(missing.sorted())")
    }

    /// Starts `sleep 60` holding the test's descriptors at the given numbers (`[ourFD: childFD]`).
    static func spawnHolding(_ descriptors: [Int32: Int32]) throws -> HoldingChild {
        let pid = try spawn("/bin/sleep", ["/bin/sleep", "60"], holding: descriptors)
        try waitFor(pid, comm: "sleep", holding: descriptors)
        return HoldingChild(processIdentifier: pid)
    }

    /// Starts a shell that renames itself to `name` (as `prctl(PR_SET_NAME)` would) and then waits, holding
    /// the given descriptors.
    static func spawnNamed(_ name: String, holding descriptors: [Int32: Int32]) throws -> HoldingChild {
        let file = "/tmp/sockwatch-comm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try name.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // The shell writes its own comm with a builtin (only its own thread group may), then stays: an exec
        // would reset the name. argv[0] carries the name too: netstat names a program by its first word.
        let script = "n=$(cat '\(file)'); printf '%s' \"$n\" > /proc/$$/comm; while :; do sleep 1; done"
        let pid = try spawn("/bin/sh", [name, "-c", script], holding: descriptors)
        try waitFor(pid, comm: String(name.prefix(15)), holding: descriptors)
        return HoldingChild(processIdentifier: pid)
    }
}
