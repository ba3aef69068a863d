import CSockDiag
import Glibc

/// Descriptors that are neither files nor sockets, for the tests that list every file of a process.
public enum AnonymousFiles {
    /// An eventfd (close-on-exec): lsof's `a_inode` `[eventfd:ID]`.
    public static func eventCounter() -> Int32 {
        let fd = csd_eventfd(0)
        precondition(fd >= 0, "eventfd failed: \(errno)")
        return fd
    }

    /// Both ends of a pipe, close-on-exec.
    public static func pipe() -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        precondition(Glibc.pipe(&ends) == 0, "pipe failed: \(errno)")
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }
}
