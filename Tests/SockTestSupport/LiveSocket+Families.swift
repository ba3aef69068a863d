import CSockDiag
import Glibc

/// Sockets of the other families, for the UNIX, netlink, packet, raw, MPTCP and UDP-Lite tests.
extension LiveSocket {
    private static func open(_ domain: Int32, _ type: Int32, _ proto: Int32) -> LiveSocket? {
        let fd = socket(domain, type | Int32(SOCK_CLOEXEC.rawValue), proto)
        return fd >= 0 ? LiveSocket(fd: fd, v6: domain == AF_INET6) : nil
    }

    /// Calls `body` with a `sockaddr_un` for `name`; a leading `@` means the abstract namespace.
    private static func withUnixAddress(_ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if bytes.first == 0x40 { bytes[0] = 0 }
        precondition(bytes.count < MemoryLayout.size(ofValue: addr.sun_path), "UNIX name too long")
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }

    /// A UNIX stream (or seqpacket) listener bound to `name` (`@name` for abstract).
    public static func unixListener(_ name: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) -> LiveSocket {
        let s = open(AF_UNIX, type, 0)!
        precondition(withUnixAddress(name) { bind(s.fd, $0, $1) } == 0, "bind(\(name)) failed: \(errno)")
        precondition(listen(s.fd, 16) == 0, "listen() failed: \(errno)")
        return s
    }

    /// A UNIX client connected to `name`, not yet accepted.
    public static func unixClient(to name: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) -> LiveSocket {
        let s = open(AF_UNIX, type, 0)!
        precondition(withUnixAddress(name) { Glibc.connect(s.fd, $0, $1) } == 0, "connect(\(name)) failed: \(errno)")
        return s
    }

    /// Both ends of a UNIX `socketpair`.
    public static func unixPair(type: Int32 = Int32(SOCK_STREAM.rawValue)) -> (LiveSocket, LiveSocket) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0, "socketpair failed")
        return (LiveSocket(fd: fds[0], v6: false), LiveSocket(fd: fds[1], v6: false))
    }

    /// A UNIX datagram socket, bound to `name` when given.
    public static func unixDatagram(_ name: String? = nil) -> LiveSocket {
        let s = open(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)!
        if let name { precondition(withUnixAddress(name) { bind(s.fd, $0, $1) } == 0, "bind(\(name)) failed") }
        return s
    }

    /// A bound netlink socket of `protocol` (`NETLINK_ROUTE` by default); its port id is the kernel's choice.
    public static func netlink(protocol number: Int32 = 0) -> LiveSocket {
        let s = open(AF_NETLINK, Int32(SOCK_RAW.rawValue), number)!
        var addr = sockaddr_nl()
        addr.nl_family = sa_family_t(AF_NETLINK)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s.fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        precondition(rc == 0, "bind(netlink) failed: \(errno)")
        return s
    }

    /// The netlink port id the kernel gave this socket.
    public var netlinkPortID: UInt32 {
        var addr = sockaddr_nl()
        var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return addr.nl_pid
    }

    /// A packet socket for every EtherType (root only; nil otherwise).
    public static func packet() -> LiveSocket? {
        open(AF_PACKET, Int32(SOCK_RAW.rawValue), Int32(UInt16(0x0003).bigEndian))  // ETH_P_ALL
    }

    /// A raw ICMP socket (root only; nil otherwise).
    public static func rawICMP(v6: Bool = false) -> LiveSocket? {
        open(v6 ? AF_INET6 : AF_INET, Int32(SOCK_RAW.rawValue), v6 ? 58 : 1)
    }

    /// An MPTCP listener on loopback (nil where the kernel has no MPTCP or it is disabled).
    public static func mptcpListener() -> LiveSocket? {
        guard let s = open(AF_INET, Int32(SOCK_STREAM.rawValue), 262) else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(s.fd, 16) == 0 else { return nil }
        return s
    }

    /// An MPTCP connection to `listener` and its accepted end.
    public static func mptcpConnection(to listener: LiveSocket) -> (client: LiveSocket, server: LiveSocket)? {
        guard let c = open(AF_INET, Int32(SOCK_STREAM.rawValue), 262) else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = listener.localPort.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(c.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { return nil }
        return (c, listener.acceptOne())
    }

    /// A UDP-Lite socket bound to loopback.
    public static func udplite() -> LiveSocket {
        let s = open(AF_INET, Int32(SOCK_DGRAM.rawValue), 136)!
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        precondition(rc == 0, "bind(udplite) failed: \(errno)")
        return s
    }
}
