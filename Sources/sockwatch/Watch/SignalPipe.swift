import Glibc
import SystemPackage

/// The write end of the signal pipe, read by the handler (set before any handler is installed).
nonisolated(unsafe) private var signalPipeWriter: Int32 = -1

/// Hands signals to the main loop through a pipe (the self-pipe trick): the handler only writes the signal's
/// number, which is async-signal-safe; the loop polls the read end and acts on it in ordinary code.
final class SignalPipe {
    /// Poll this for `POLLIN`.
    let readFD: Int32
    private let writeFD: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw Errno(rawValue: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readFD = fds[0]
        writeFD = fds[1]
        signalPipeWriter = writeFD
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Routes `signals` into the pipe, and unblocks them: a parent may have started sockwatch with them
    /// blocked (the mask survives exec), and a blocked SIGTERM would never reach the loop.
    func catchSignals(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signo in signals { sigaddset(&set, signo) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for signo in signals {
            signal(signo) { signo in
                let saved = errno
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(signalPipeWriter, &byte, 1)
                errno = saved
            }
        }
    }

    /// The signals that arrived since the last call, in order.
    func drain() -> [Int32] {
        var out: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n].map { Int32($0) }
        }
        return out
    }
}
