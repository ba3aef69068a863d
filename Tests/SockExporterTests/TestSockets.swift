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
        let numbers = descriptors.enumerated().map { (ours: $0.element, theirs: Int32(3 + $0.offset)) }
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn("/bin/sleep", ["/bin/sleep", "60"], holding: numbers)
        } catch {
            preconditionFailure("\(error)")
        }
        // posix_spawn returns once the exec is done; the name says so.
        for _ in 0..<300 {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            if comm == "sleep\n" { break }
            usleep(10_000)
        }
        return pid
    }

    static func kill(_ pid: pid_t) {
        Glibc.kill(pid, SIGKILL)
        ChildProcess.wait(pid)
    }
}
