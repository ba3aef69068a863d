import Glibc
import SystemPackage

/// What can go wrong between sockwatch and the kernel.
public enum DiagError: Error, Equatable, CustomStringConvertible {
    /// A system call failed: opening the netlink socket, sending or receiving.
    case system(Errno, operation: String)
    /// The kernel answered the request with `NLMSG_ERROR` (or a negative `NLMSG_DONE`).
    case kernel(Errno, request: String)
    /// The bytes received do not make a well-formed netlink message.
    case malformed(String)

    public var description: String {
        switch self {
        case let .system(errno, operation):
            "netlink \(operation) failed: \(errno) (\(errnoName(errno)))"
        case let .kernel(errno, request):
            "kernel refused \(request): \(errno) (\(errnoName(errno)))"
        case let .malformed(what):
            "malformed netlink data: \(what)"
        }
    }

    /// True when the kernel lacks this family, protocol or request type (module not loaded, not built in): a
    /// request to skip with a note, or to send another way, not a failure. `EOPNOTSUPP` is sock_diag's answer
    /// to the compatibility request `TCPDIAG_GETSOCK` when it has no handler for it.
    public var isUnsupported: Bool {
        guard case let .kernel(errno, _) = self else { return false }
        return [
            .noSuchFileOrDirectory, .invalidArgument, .protocolNotSupported, .addressFamilyNotSupported,
            Errno(rawValue: EOPNOTSUPP),
        ].contains(errno)
    }

    /// The errno carried, if any.
    public var errno: Errno? {
        switch self {
        case let .system(e, _), let .kernel(e, _): e
        case .malformed: nil
        }
    }
}

/// The C name of an errno (`EPERM`), for one-line messages.
public func errnoName(_ errno: Errno) -> String {
    switch errno.rawValue {
    case EPERM: "EPERM"
    case ENOENT: "ENOENT"
    case ESRCH: "ESRCH"
    case EINTR: "EINTR"
    case EACCES: "EACCES"
    case EINVAL: "EINVAL"
    case ENOBUFS: "ENOBUFS"
    case EPROTONOSUPPORT: "EPROTONOSUPPORT"
    case EAFNOSUPPORT: "EAFNOSUPPORT"
    case EOPNOTSUPP: "EOPNOTSUPP"
    case EPIPE: "EPIPE"
    case ENOMEM: "ENOMEM"
    case EMSGSIZE: "EMSGSIZE"
    case ECANCELED: "ECANCELED"
    case EBADF: "EBADF"
    default: "errno \(errno.rawValue)"
    }
}
