import Glibc

/// glibc's `accept4`, which the Glibc module does not export (it is a `_GNU_SOURCE` declaration).
@_silgen_name("accept4")
private func acceptCloseOnExec(
    _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?,
    _ flags: Int32
) -> Int32

/// A real socket opened by a test, closed when the value is released.
public final class LiveSocket: @unchecked Sendable {
    /// The test's descriptor; -1 once `close()` has run.
    public private(set) var fd: Int32
    public let v6: Bool

    init(fd: Int32, v6: Bool) {
        self.fd = fd
        self.v6 = v6
    }

    deinit { close() }

    /// Closes the socket now, for a test that watches it go; releasing the value closes it otherwise.
    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    /// The socket's inode, from `fstat` of the test's own descriptor.
    public var inode: UInt64 {
        var st = stat()
        precondition(fstat(fd, &st) == 0, "fstat failed")
        return UInt64(st.st_ino)
    }

    /// The bound local port.
    public var localPort: UInt16 { Self.port(fd) { getsockname($0, $1, $2) } }
    /// The connected peer's port.
    public var peerPort: UInt16 { Self.port(fd) { getpeername($0, $1, $2) } }

    private static func port(
        _ fd: Int32, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> UInt16 {
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        precondition(rc == 0, "getsockname/getpeername failed: \(errno)")
        // sin_port and sin6_port sit at the same offset.
        return UInt16(bigEndian: storage.sin6_port)
    }

    // MARK: - Opening

    private static func make(_ type: Int32, v6: Bool) -> LiveSocket {
        let fd = socket(v6 ? AF_INET6 : AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket() failed: \(errno)")
        return LiveSocket(fd: fd, v6: v6)
    }

    /// Calls `body` with this socket's family's loopback address and `port`.
    private func withLoopback(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        Self.withLoopback(v6: v6, port: port, body)
    }

    /// Calls `body` with `127.0.0.1:port` (or `[::1]:port`) as a `sockaddr`, for bind and connect.
    public static func withLoopback(
        v6: Bool = false, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        if v6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            addr.sin6_addr = in6addr_loopback
            return withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    private func bindLoopback(port: UInt16 = 0) {
        let rc = withLoopback(port: port) { bind(fd, $0, $1) }
        precondition(rc == 0, "bind() failed: \(errno)")
    }

    private func connectLoopback(port: UInt16) {
        let rc = withLoopback(port: port) { Glibc.connect(fd, $0, $1) }
        precondition(rc == 0, "connect() failed: \(errno)")
    }

    /// A TCP listener on 127.0.0.1 or ::1, on an ephemeral port unless `port` is given; with `reusePort`,
    /// `SO_REUSEPORT` is set first, so several listeners can share the port.
    public static func tcpListener(v6: Bool, port: UInt16 = 0, reusePort: Bool = false, backlog: Int32 = 16)
        -> LiveSocket
    {
        let s = make(Int32(SOCK_STREAM.rawValue), v6: v6)
        if reusePort {
            var on: Int32 = 1
            precondition(setsockopt(s.fd, SOL_SOCKET, SO_REUSEPORT, &on, socklen_t(MemoryLayout<Int32>.size)) == 0)
        }
        s.bindLoopback(port: port)
        precondition(listen(s.fd, backlog) == 0, "listen() failed: \(errno)")
        return s
    }

    /// A TCP client connected to loopback `port` (the handshake completes in the kernel, accepted or not).
    public static func tcpClient(v6: Bool = false, port: UInt16) -> LiveSocket {
        let client = make(Int32(SOCK_STREAM.rawValue), v6: v6)
        client.connectLoopback(port: port)
        return client
    }

    /// A TCP connection to `listener`, and the accepted end.
    public static func tcpConnection(to listener: LiveSocket) -> (client: LiveSocket, server: LiveSocket) {
        let client = tcpClient(v6: listener.v6, port: listener.localPort)
        return (client, listener.acceptOne())
    }

    /// Accepts one connection on this listener.
    public func acceptOne() -> LiveSocket {
        // Close-on-exec from the start: children spawned by other tests must not inherit it.
        let accepted = acceptCloseOnExec(fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
        precondition(accepted >= 0, "accept4() failed: \(errno)")
        return LiveSocket(fd: accepted, v6: v6)
    }

    /// A UDP socket bound to loopback; connected to `peer` when given.
    public static func udp(v6: Bool, connectedTo peer: LiveSocket? = nil) -> LiveSocket {
        let s = make(Int32(SOCK_DGRAM.rawValue), v6: v6)
        s.bindLoopback()
        if let peer { s.connectLoopback(port: peer.localPort) }
        return s
    }

    /// Sends `count` bytes (for queue tests).
    public func send(count: Int) {
        let bytes = [UInt8](repeating: 0x61, count: count)
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        precondition(n == count, "send() failed: \(errno)")
    }
}
