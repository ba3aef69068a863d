extension FilterExpression {
    /// The one port every socket matching this expression has on `side`, when the expression pins it.
    ///
    /// `sport = :80`, `src 10.0.0.1:80` and conjunctions containing either pin it; a disjunction pins it only
    /// when both branches pin the same port. The port goes into a dump request's `id` so the kernel can skip
    /// the other sockets before running the bytecode (see `InetRequest.localPort`). Port 0 pins nothing.
    public func pinnedPort(_ side: Side) -> UInt16? {
        switch self {
        case .all, .not, .cgroup:
            return nil
        case let .port(portSide, .equal, port):
            return portSide == side && port != 0 ? port : nil
        case .port:
            return nil
        case let .host(hostSide, pattern):
            guard hostSide == side, let port = pattern.port, port != 0 else { return nil }
            return port
        case let .and(a, b):
            return a.pinnedPort(side) ?? b.pinnedPort(side)
        case let .or(a, b):
            guard let port = a.pinnedPort(side), b.pinnedPort(side) == port else { return nil }
            return port
        }
    }
}
