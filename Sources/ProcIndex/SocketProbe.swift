import CSockDiag
import Glibc
import SystemPackage

/// Reads another process's socket addresses through a duplicate of its descriptor, closed at once.
///
/// The kernel calls are `pidfd_open(2)` and `pidfd_getfd(2)` (Linux 5.6+, ptrace rights over the target),
/// then `getsockopt(SO_DOMAIN/SO_PROTOCOL)`, `getsockname` and `getpeername` on the duplicate. Nothing is read
/// from or written to the socket and no option is set.
public final class SocketProbe {
    /// One end of an INET socket as the kernel stores it: 16 address bytes (IPv4 in the first 4), a port.
    public struct Endpoint: Sendable, Equatable {
        public var high: UInt64
        public var low: UInt64
        public var port: UInt16

        public init(high: UInt64, low: UInt64, port: UInt16) {
            self.high = high
            self.low = low
            self.port = port
        }
    }

    /// What the duplicate says about an INET socket.
    public struct Inet: Sendable, Equatable {
        /// `AF_INET` or `AF_INET6`.
        public var family: Int32
        /// `IPPROTO_TCP`, `IPPROTO_UDP`…
        public var ipProtocol: Int32
        public var local: Endpoint
        /// All zero when the socket is not connected.
        public var peer: Endpoint
    }

    private var pidfds: [Int32: Int32] = [:]

    public init() {}

    deinit { for fd in pidfds.values { close(fd) } }

    /// The addresses of `fd` in `pid`; nil when it is not an INET socket. Throws the errno when the
    /// descriptor cannot be duplicated (`EPERM` without ptrace rights, `ESRCH`/`EBADF` when gone).
    public func inet(pid: Int32, fd: Int32) throws(Errno) -> Inet? {
        let dup = try duplicate(pid: pid, fd: fd)
        defer { close(dup) }

        guard let family = Self.int(dup, SOL_SOCKET, SO_DOMAIN), family == AF_INET || family == AF_INET6,
            case let .inet(_, local)? = Self.name(dup, family: family, getsockname)
        else { return nil }
        var peer = Endpoint(high: 0, low: 0, port: 0)
        if case let .inet(_, remote)? = Self.name(dup, family: family, getpeername) { peer = remote }
        return Inet(family: family, ipProtocol: Self.int(dup, SOL_SOCKET, SO_PROTOCOL) ?? -1, local: local, peer: peer)
    }

    /// A close-on-exec duplicate of `fd` in `pid`; the caller closes it.
    func duplicate(pid: Int32, fd: Int32) throws(Errno) -> Int32 {
        let pidfd: Int32
        if let known = pidfds[pid] {
            pidfd = known
        } else {
            pidfd = csd_pidfd_open(pid)
            guard pidfd >= 0 else { throw Errno(rawValue: errno) }
            pidfds[pid] = pidfd
        }
        let dup = csd_pidfd_getfd(pidfd, fd)
        guard dup >= 0 else { throw Errno(rawValue: errno) }
        return dup
    }
}
