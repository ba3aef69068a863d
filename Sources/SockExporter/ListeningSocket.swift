import CommandSupport
import ExporterArguments
import Glibc
import NIOCore

/// Binds and listens with plain syscalls, so that a failure is one line naming the address and the errno.
enum ListeningSocket {
    /// A listening, non-blocking socket on `address`.
    /// - Throws: `CommandFailure`, e.g. `cannot listen on 127.0.0.1:9477: address in use (EADDRINUSE)`.
    static func open(_ address: ListenAddress, backlog: Int32) throws(CommandFailure) -> Int32 {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure(address, errno) }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var rc: Int32 = -1
        if let socketAddress = try? SocketAddress(ipAddress: address.host, port: address.port) {
            rc = socketAddress.withSockAddr { bind(fd, $0, socklen_t($1)) }
        } else {
            errno = EINVAL
        }
        if rc == 0 { rc = listen(fd, backlog) }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw failure(address, code)
        }
        return fd
    }

    static func failure(_ address: ListenAddress, _ code: Int32) -> CommandFailure {
        CommandFailure("cannot listen on \(address): \(reason(code))")
    }

    /// The errno in words and by name: `address in use (EADDRINUSE)`.
    static func reason(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: "address in use (EADDRINUSE)"
        case EADDRNOTAVAIL: "no such address on this host (EADDRNOTAVAIL)"
        case EACCES: "permission denied (EACCES; ports below 1024 need CAP_NET_BIND_SERVICE)"
        case EAFNOSUPPORT: "address family not supported (EAFNOSUPPORT)"
        case EMFILE: "too many open files (EMFILE)"
        default: "\(String(cString: strerror(code))) (errno \(code))"
        }
    }
}
