import Foundation
import Glibc

/// Cgroups laid out as systemd, docker, containerd, CRI-O, podman, nspawn and LXC lay them out, under one
/// test cgroup of the real cgroup2 mount, with real processes holding sockets in them.
public final class CgroupLab {
    /// The cgroup2 mount, from /proc/self/mountinfo (never assumed: `/sys/fs/cgroup/unified` on a hybrid host).
    public static let mount: String? = {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[dash + 1] == "cgroup2" else {
                continue
            }
            return String(fields[4])
        }
        return nil
    }()

    /// Why the lab cannot run here; nil when it can (root, a writable cgroup2 mount, python3).
    public static let unavailable: String? = {
        guard getuid() == 0 else { return "cgroups need root (skipped)" }
        guard let mount else { return "no cgroup2 mount in /proc/self/mountinfo (skipped)" }
        guard access(mount, W_OK) == 0 else { return "the cgroup2 mount \(mount) is not writable (skipped)" }
        guard access("/usr/bin/env", X_OK) == 0 else { return "no /usr/bin/env (skipped)" }
        return nil
    }()

    /// The test's own cgroup, relative to the mount: `/sockwatch-test-PID-N`.
    public let root: String
    private var made: [String] = []
    private var children: [pid_t] = []
    /// A temporary directory laid out as `/`, for the runtimes' state files.
    public let stateRoot: String

    public init(tag: String) throws {
        root = "/sockwatch-test-\(tag)-\(getpid())"
        stateRoot = NSTemporaryDirectory() + "sockwatch-state-\(tag)-\(getpid())"
        try? FileManager.default.removeItem(atPath: stateRoot)
        try make("")
    }

    deinit {
        for pid in children {
            kill(pid, SIGKILL)
            _ = ChildProcess.wait(pid)
        }
        for path in made.reversed() { rmdir(Self.mount! + path) }
        try? FileManager.default.removeItem(atPath: stateRoot)
    }

    /// Creates `root + relative` and every cgroup above it; returns its path relative to the mount.
    @discardableResult
    public func make(_ relative: String) throws -> String {
        var path = ""
        for component in (root + relative).split(separator: "/") {
            path += "/" + component
            if mkdir(Self.mount! + path, 0o755) == 0 {
                made.append(path)
            } else if errno != EEXIST {
                throw SpawnError("mkdir \(path) in the cgroup2 mount: errno \(errno)")
            }
        }
        return path
    }

    /// What a workload process opened: a TCP listener, a bound UDP socket and a listening UNIX socket.
    public struct Workload {
        public var pid: pid_t
        public var tcpPort: Int
        public var udpPort: Int
        public var tcpInode: UInt64
        public var udpInode: UInt64
        public var unixInode: UInt64
        /// Where it created its sockets, and where it lives now (different after `movingTo`).
        public var createdIn: String
        public var livesIn: String
    }

    /// Starts a process in cgroup `relative` (under the lab's root) that opens its sockets there, then moves to
    /// `movingTo` when given (its sockets stay the first cgroup's, as the kernel recorded at creation).
    public func start(in relative: String, movingTo: String? = nil) throws -> Workload {
        let created = try make(relative)
        let lives = try movingTo.map { try make($0) } ?? created
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SpawnError("pipe: errno \(errno)") }
        defer { close(fds[0]) }
        let script = """
            import os, socket, sys, time
            def enter(path): open(path + '/cgroup.procs', 'w').write(str(os.getpid()))
            enter(sys.argv[1])
            t = socket.socket(); t.bind(('127.0.0.1', 0)); t.listen(8)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))
            x = socket.socket(socket.AF_UNIX); x.bind('\\0sockwatch-cgroup-%d' % os.getpid()); x.listen(1)
            if sys.argv[2] != sys.argv[1]: enter(sys.argv[2])
            ino = lambda s: os.fstat(s.fileno()).st_ino
            print(t.getsockname()[1], u.getsockname()[1], ino(t), ino(u), ino(x), flush=True)
            time.sleep(900)
            """
        let mount = Self.mount!
        let pid = try ChildProcess.spawn(
            "/usr/bin/env", ["env", "python3", "-c", script, mount + created, mount + lives],
            holding: [(fds[1], 1)])
        close(fds[1])
        children.append(pid)
        let line = try Self.readLine(fds[0], seconds: 60)
        let numbers = line.split(separator: " ").compactMap { UInt64($0) }
        guard numbers.count == 5 else { throw SpawnError("workload in \(created) said '\(line)'") }
        return Workload(
            pid: pid, tcpPort: Int(numbers[0]), udpPort: Int(numbers[1]), tcpInode: numbers[2],
            udpInode: numbers[3], unixInode: numbers[4], createdIn: created, livesIn: lives)
    }

    /// Ends `workload`'s process and removes the cgroup it lived in (a container gone).
    public func stop(_ workload: Workload) {
        kill(workload.pid, SIGKILL)
        _ = ChildProcess.wait(workload.pid)
        children.removeAll { $0 == workload.pid }
        rmdir(Self.mount! + workload.livesIn)
        if workload.createdIn != workload.livesIn { rmdir(Self.mount! + workload.createdIn) }
    }

    /// Writes `text` to `relative` under the state root, creating directories.
    public func writeState(_ relative: String, _ text: String) throws {
        let path = stateRoot + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// One line from `fd`, waiting at most `seconds` (a bound, not a timing: the child normally answers at once).
    public static func readLine(_ fd: Int32, seconds: Int) throws -> String {
        var bytes: [UInt8] = []
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while !bytes.contains(0x0A) {
            guard Date() < deadline else { throw SpawnError("no line within \(seconds) s") }
            guard poll(&poller, 1, 1000) >= 0 else { continue }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &chunk, 256)
            guard n > 0 else { throw SpawnError("the child closed its output: '\(String(decoding: bytes, as: UTF8.self))'") }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes.prefix { $0 != 0x0A }, as: UTF8.self)
    }
}
