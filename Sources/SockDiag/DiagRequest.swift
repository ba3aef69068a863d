import SystemPackage

/// Any sock_diag dump sockwatch makes: INET (with bytecode and extensions) or another family.
public enum DiagRequest: Sendable, Hashable {
    case inet(InetRequest)
    case family(FamilyRequest)

    public var netid: NetID {
        switch self {
        case .inet(let request): request.netid
        case .family(let request): request.netid
        }
    }

    /// A short name for messages: "tcp/inet dump", "unix dump".
    public var label: String {
        switch self {
        case .inet(let request): request.label
        case .family(let request): request.label
        }
    }
}

extension DiagRequest {
    /// Runs `body` for each request in order; a transport the kernel cannot report (`DiagError.isUnsupported`:
    /// no `sctp_diag`, no vsock…) is skipped from then on and told to `unsupported` once, with the errno.
    /// Transports in `known` are skipped from the start. Other errors are thrown.
    /// - Returns: the transports skipped, `known` included.
    @discardableResult
    public static func forEach(
        _ requests: [DiagRequest], skipping known: Set<NetID> = [], _ body: (DiagRequest) throws -> Void,
        unsupported: (NetID, Errno) -> Void
    ) throws -> Set<NetID> {
        var skipped = known
        for request in requests where !skipped.contains(request.netid) {
            do {
                try body(request)
            } catch let error as DiagError where error.isUnsupported {
                skipped.insert(request.netid)
                unsupported(request.netid, error.errno ?? .invalidArgument)
            }
        }
        return skipped
    }
}
