import Foundation
import Glibc
import SockTestSupport

/// Sockets and child processes the exporter tests set up themselves.
enum TestSockets {
    /// A TCP listener on 127.0.0.1, ephemeral port, with `backlog`, never accepting.
    static func listener(backlog: Int32) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket() failed: \(errno)")
        precondition(withLoopback(port: 0) { bind(fd, $0, $1) } == 0, "bind() failed: \(errno)")
        precondition(listen(fd, backlog) == 0, "listen() failed: \(errno)")
        return fd
    }

    /// A client connected to 127.0.0.1:`port` (the handshake completes in the kernel, accepted or not).
    static func connect(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket() failed: \(errno)")
        precondition(withLoopback(port: port) { Glibc.connect(fd, $0, $1) } == 0, "connect() failed: \(errno)")
        return fd
    }

    /// Accepts one connection on `listener`.
    static func accept(_ listener: Int32) -> Int32 {
        let fd = Glibc.accept(listener, nil, nil)
        precondition(fd >= 0, "accept() failed: \(errno)")
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// The bound port of `fd`.
    static func port(_ fd: Int32) -> UInt16 {
        var addr = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        precondition(rc == 0)
        return UInt16(bigEndian: addr.sin_port)
    }

    static func withLoopback(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        LiveSocket.withLoopback(port: port, body)
    }

    /// Starts `sleep 60` holding `descriptors` (as fds 3, 4, …) and nothing else of ours; waits until it does.
    static func child(holding descriptors: [Int32]) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // From copies above every target: a source may be another's target, or its own (close-on-exec kept).
        let copies = descriptors.map { fcntl($0, F_DUPFD_CLOEXEC, 1000) }
        defer { copies.forEach { close($0) } }
        for (i, fd) in copies.enumerated() {
            precondition(fd >= 0, "cannot copy descriptor \(descriptors[i]): errno \(errno)")
            precondition(posix_spawn_file_actions_adddup2(&actions, fd, Int32(3 + i)) == 0)
        }
        var pid: pid_t = 0
        let words: [String] = ["/bin/sleep", "60"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // Only the dup2'd descriptors survive: every other fd of the test runner is (or is made) close-on-exec.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        precondition(posix_spawn(&pid, "/bin/sleep", &actions, nil, argv, environ) == 0)
        for _ in 0..<300 {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            if comm == "sleep\n" && (0..<descriptors.count).allSatisfy({ fds.contains(String(3 + $0)) }) { break }
            usleep(10_000)
        }
        return pid
    }

    static func kill(_ pid: pid_t) {
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
