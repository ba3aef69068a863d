import CSockDiag
import Glibc
import SystemPackage

/// Reads another process's socket addresses through a duplicate of its descriptor, closed at once.
///
/// The kernel calls are `pidfd_open(2)` and `pidfd_getfd(2)` (Linux 5.6+, ptrace rights over the target),
/// then `getsockname`, `getpeername` and `getsockopt(SO_PROTOCOL)` on the duplicate. Nothing is read
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
    ///
    /// - Parameter assumed: a protocol to report without asking the socket (`SO_PROTOCOL`), for a caller that
    ///   checks the answer another way (a lookup by these addresses finds this socket only if it has that
    ///   protocol: its inode says so).
    public func inet(pid: Int32, fd: Int32, assuming assumed: Int32? = nil) throws(Errno) -> Inet? {
        let dup = try duplicate(pid: pid, fd: fd)
        defer { close(dup) }
        // getsockname names the family (no SO_DOMAIN), and fails with ENOTSOCK on anything else.
        guard let (family, local) = Self.inetName(dup, getsockname) else { return nil }
        let peer = Self.inetName(dup, getpeername)?.endpoint ?? Endpoint(high: 0, low: 0, port: 0)
        let ipProtocol = assumed ?? Self.int(dup, SOL_SOCKET, SO_PROTOCOL) ?? -1
        return Inet(family: family, ipProtocol: ipProtocol, local: local, peer: peer)
    }

    /// `getsockname`/`getpeername` of an INET socket; nil for other families or on failure.
    static func inetName(
        _ fd: Int32, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> (family: Int32, endpoint: Endpoint)? {
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafeBytes(of: storage) { inetEndpoint($0) }
    }

    /// The family and end in a `sockaddr_in` or `sockaddr_in6`; nil for another family.
    static func inetEndpoint(_ raw: UnsafeRawBufferPointer) -> (family: Int32, endpoint: Endpoint)? {
        let port = UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        switch Int32(raw.loadUnaligned(as: sa_family_t.self)) {
        case AF_INET:
            let high = UInt64(raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            return (AF_INET, Endpoint(high: high, low: 0, port: port))
        case AF_INET6:
            return (AF_INET6, Endpoint(
                high: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                low: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), port: port))
        default:
            return nil
        }
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
