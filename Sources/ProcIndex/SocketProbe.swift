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

        let family = Self.option(dup, SO_DOMAIN)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let ipProtocol = Self.option(dup, SO_PROTOCOL)
        guard let local = Self.endpoint(dup, getsockname) else { return nil }
        let peer = Self.endpoint(dup, getpeername) ?? Endpoint(high: 0, low: 0, port: 0)
        return Inet(family: family, ipProtocol: ipProtocol, local: local, peer: peer)
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

    private static func option(_ fd: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 else { return -1 }
        return value
    }

    private static func endpoint(
        _ fd: Int32, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> Endpoint? {
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafeBytes(of: storage) { raw -> Endpoint in
            // sin_port and sin6_port share an offset; the address follows at 4 (IPv4) or 8 (IPv6).
            let port = UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            if storage.sin6_family == sa_family_t(AF_INET) {
                let v4 = UInt64(raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                return Endpoint(high: v4, low: 0, port: port)
            }
            return Endpoint(
                high: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                low: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), port: port)
        }
    }
}
