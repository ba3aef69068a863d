extension FilterExpression {
    /// Evaluates the expression on a decoded socket, exactly as the kernel's inet_diag bytecode interpreter
    /// (`inet_diag_bc_run`) would on the same socket.
    public func matches(_ record: borrowing SocketRecord) -> Bool {
        matches(record, holderCgroups: nil)
    }

    /// `matches(_:)`, where a socket the kernel gives no cgroup id (UNIX, netlink, packet…) is in the cgroups
    /// of its holders, `holderCgroups`; without them it is in none.
    public func matches(_ record: borrowing SocketRecord, holderCgroups: [UInt64]?) -> Bool {
        switch self {
        case .all:
            return true
        case let .port(side, comparison, port):
            // Ports and addresses belong to INET sockets: no other kind matches a condition on them.
            guard record.netid.isInet else { return false }
            let value = side == .source ? record.local.port : record.peer.port
            switch comparison {
            case .equal: return value == port
            case .notEqual: return value != port
            case .less: return value < port
            case .greater: return value > port
            case .lessOrEqual: return value <= port
            case .greaterOrEqual: return value >= port
            }
        case let .host(side, pattern):
            guard record.netid.isInet else { return false }
            return pattern.matches(side == .source ? record.local : record.peer)
        case let .cgroup(condition):
            if let id = record.cgroupID { return condition.contains(id) }
            return holderCgroups?.contains(where: condition.contains) ?? false
        case let .and(a, b):
            return a.matches(record, holderCgroups: holderCgroups) && b.matches(record, holderCgroups: holderCgroups)
        case let .or(a, b):
            return a.matches(record, holderCgroups: holderCgroups) || b.matches(record, holderCgroups: holderCgroups)
        case let .not(a):
            return !a.matches(record, holderCgroups: holderCgroups)
        }
    }
}

extension HostPattern {
    /// The kernel's `INET_DIAG_BC_S_COND`/`D_COND`: port (unless any), then family, then the address prefix.
    /// An IPv4 pattern also matches an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
    public func matches(_ endpoint: InetEndpoint) -> Bool {
        if let port, port != endpoint.port { return false }
        guard let address else { return true }
        if address.family != endpoint.address.family {
            guard endpoint.address.family == .inet6, address.family == .inet else { return false }
            return withUnsafeBytes(of: (endpoint.address.high, endpoint.address.low)) { mapped in
                guard mapped[0..<10].allSatisfy({ $0 == 0 }), mapped[10] == 0xFF, mapped[11] == 0xFF else {
                    return false
                }
                return withUnsafeBytes(of: address.high) { wanted in
                    Self.prefixMatches(UnsafeRawBufferPointer(rebasing: mapped[12..<16]), wanted, bits: prefixLength)
                }
            }
        }
        if prefixLength == 0 { return true }
        return withUnsafeBytes(of: (endpoint.address.high, endpoint.address.low)) { have in
            withUnsafeBytes(of: (address.high, address.low)) { want in
                Self.prefixMatches(have, want, bits: prefixLength)
            }
        }
    }

    /// Whether the first `bits` bits (network order, most significant first) of `a` and `b` agree.
    static func prefixMatches(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, bits: UInt8) -> Bool {
        let whole = Int(bits) / 8
        for i in 0..<whole where a[i] != b[i] { return false }
        let rest = Int(bits) % 8
        guard rest > 0 else { return true }
        let mask = UInt8(0xFF) << (8 - rest)
        return a[whole] & mask == b[whole] & mask
    }
}
