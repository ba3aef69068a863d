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
