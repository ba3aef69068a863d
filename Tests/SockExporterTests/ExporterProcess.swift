import Glibc
import SockTestSupport

/// A `sockwatch-exporter` child on an ephemeral loopback port, started through a wrapper (`prlimit`,
/// `setpriv`) when given; its stderr is read by the test, its port taken from the "serving metrics" line.
final class ExporterProcess {
    let pid: pid_t
    private(set) var port = 0
    private let stderrPipe: Int32
    private(set) var stderr = ""

    init(wrapper: [String] = [], arguments: [String]) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SpawnError("pipe: errno \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null); close(fds[1]) }
        let program = TestBinaries.path(of: "sockwatch-exporter")
        let command = wrapper + [program, "--listen", "127.0.0.1:0"] + arguments
        pid = try ChildProcess.spawn(command[0], command, holding: [(null, 0), (null, 1), (fds[1], 2)])
        stderrPipe = fds[0]
        let prefix = "sockwatch: serving metrics on http://127.0.0.1:"
        while port == 0, readStderr(timeout: 10_000) {
            for line in stderr.split(separator: "\n") where line.hasPrefix(prefix) {
                port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
            }
        }
    }

    /// Reads what stderr has (waiting up to `timeout` ms); false at its end or when nothing came.
    @discardableResult
    func readStderr(timeout: Int32) -> Bool {
        var entry = pollfd(fd: stderrPipe, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, timeout) == 1 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(stderrPipe, $0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        stderr += String(decoding: chunk[0..<n], as: UTF8.self)
        return true
    }

    /// CPU time used so far (utime + stime from /proc/PID/stat), in clock ticks.
    func cpuTicks() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return -1 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the comm: state is field 3, utime 14 and stime 15 of the whole line.
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// Kills the child (once) and reaps it.
    func stop() {
        kill(pid, SIGKILL)
        ChildProcess.wait(pid)
        while readStderr(timeout: 0) {}
        close(stderrPipe)
    }
}

/// Raw loopback connections for the abuse tests.
enum RawClient {
    /// A non-blocking TCP connection to 127.0.0.1:`port`, the handshake possibly still under way.
    static func connecting(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket: errno \(errno)")
        _ = LiveSocket.withLoopback(port: UInt16(port)) { connect(fd, $0, $1) }
        return fd
    }

    /// Sends `text` in full, ignoring failures (the server may have closed).
    static func send(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Whether the server has closed the connection (an end of file or an error waits to be read).
    static func isClosed(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)
    }

    /// Reads until the server closes or `timeout` ms pass; the bytes, and whether it closed.
    static func readToClose(_ fd: Int32, timeout: Int) -> (bytes: String, closed: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        let end = clock.tv_sec * 1000 + clock.tv_nsec / 1_000_000 + timeout
        while true {
            clock_gettime(CLOCK_MONOTONIC, &clock)
            let left = end - (clock.tv_sec * 1000 + clock.tv_nsec / 1_000_000)
            guard left > 0 else { return (String(decoding: out, as: UTF8.self), false) }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(left)) == 1 else { continue }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                out += chunk[0..<n]
            } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                return (String(decoding: out, as: UTF8.self), true)
            }
        }
    }
}
