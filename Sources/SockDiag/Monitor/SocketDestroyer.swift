import CSockDiag
import Glibc
import SystemPackage

/// Closes other processes' sockets from outside, as `ss -K` does.
///
/// The kernel's request is `SOCK_DESTROY` with an `inet_diag_req_v2` naming one socket by its addresses and
/// cookie; the kernel aborts it (`ECONNABORTED` to its owner, a reset to a TCP peer). It needs
/// `CAP_NET_ADMIN` and a kernel built with `CONFIG_INET_DIAG_DESTROY`.
public final class SocketDestroyer {
    private let fd: Int32
    private var sequence: UInt32 = 0

    public init() throws {
        let fd = csd_monitor_open(0, 0)
        guard fd >= 0 else { throw DiagError.system(Errno(rawValue: -fd), operation: "socket(NETLINK_SOCK_DIAG)") }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Destroys the socket `record` names; only that very socket (the cookie must match).
    ///
    /// - Throws: `DiagError.kernel` with the kernel's errno: `EOPNOTSUPP` (no `CONFIG_INET_DIAG_DESTROY`, or a
    ///   transport without destroy), `EPERM` (no `CAP_NET_ADMIN`), `ENOENT` (the socket is gone).
    public func destroy(_ record: borrowing SocketRecord) throws {
        var id = SocketID(local: record.local, peer: record.peer, interface: record.interface)
            .kernelID(for: record.netid)
        id.idiag_cookie = (UInt32(truncatingIfNeeded: record.cookie), UInt32(truncatingIfNeeded: record.cookie >> 32))
        sequence &+= 1
        let rc = csd_sock_destroy(fd, sequence, record.family.rawValue, record.netid.requestProtocol.byte, &id)
        if rc < 0 { throw DiagError.kernel(Errno(rawValue: -rc), request: "\(record.netid.rawValue) destroy") }
    }
}
