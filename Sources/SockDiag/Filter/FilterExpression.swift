/// A parsed `ss`-style filter over INET sockets: ports, addresses, and the boolean operators around them.
///
/// `state` and `exclude` are not part of the tree: as in `ss`, they fold into the request's state mask.
public indirect enum FilterExpression: Sendable, Equatable, CustomStringConvertible {
    /// Which end of the socket a condition looks at.
    public enum Side: Sendable, Equatable {
        case source       // the local end: `sport`, `src`
        case destination  // the remote end: `dport`, `dst`
    }

    /// How a port is compared.
    public enum Comparison: Sendable, Equatable {
        case equal, notEqual, less, greater, lessOrEqual, greaterOrEqual
    }

    /// Always true (an empty expression).
    case all
    /// `sport >= :1024`.
    case port(Side, Comparison, UInt16)
    /// `src 10.0.0.0/8`, `dst [::1]:443`, `src *:80`.
    case host(Side, HostPattern)
    /// `cgroup /system.slice/nginx.service`, `cgroup /kubepods.slice/*`: the socket's cgroup v2 id is one of
    /// the condition's ids (resolved from the path before the query runs).
    case cgroup(CgroupCondition)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)

    public var description: String {
        switch self {
        case .all: "all"
        case let .port(side, comparison, port):
            "\(side == .source ? "sport" : "dport") \(comparison.symbol) :\(port)"
        case let .host(side, pattern): "\(side == .source ? "src" : "dst") \(pattern)"
        case let .cgroup(condition): "\(condition)"
        case let .and(a, b): "(\(a) and \(b))"
        case let .or(a, b): "(\(a) or \(b))"
        case let .not(a): "not \(a)"
        }
    }
}

extension FilterExpression.Comparison {
    var symbol: String {
        switch self {
        case .equal: "="
        case .notEqual: "!="
        case .less: "<"
        case .greater: ">"
        case .lessOrEqual: "<="
        case .greaterOrEqual: ">="
        }
    }
}

/// An address condition: an optional address prefix and an optional port, as the kernel's hostcond holds them.
///
/// The kernel struct is `inet_diag_hostcond`. A nil address is the wildcard `*`.
public struct HostPattern: Sendable, Equatable, CustomStringConvertible {
    public var address: IPAddress?
    /// Prefix length in bits; 0 matches every address of the family.
    public var prefixLength: UInt8
    public var port: UInt16?

    public init(address: IPAddress?, prefixLength: UInt8, port: UInt16?) {
        self.address = address
        self.prefixLength = prefixLength
        self.port = port
    }

    public var description: String {
        var text: String
        if let address {
            text = address.family == .inet6 ? "[\(address.description)]" : address.description
            let full: UInt8 = address.family == .inet6 ? 128 : 32
            if prefixLength != full { text += "/\(prefixLength)" }
        } else {
            text = "*"
        }
        if let port { text += ":\(port)" }
        return text
    }
}

/// A cgroup condition: a path as the user wrote it, whether it means the subtree below it, and the cgroup ids
/// it stands for.
///
/// The kernel compares one id per `INET_DIAG_BC_CGROUP_COND` op; several ids compile to an OR of them.
public struct CgroupCondition: Sendable, Equatable, CustomStringConvertible {
    /// The path relative to the cgroup2 mount (`/system.slice/nginx.service`), or what `--container`,
    /// `--pod` or `--unit` named.
    public var path: String
    /// `PATH/*`: the cgroup and every cgroup below it.
    public var subtree: Bool
    /// The ids, ascending; empty until resolved (and when the path names no cgroup, which matches nothing).
    public private(set) var ids: [UInt64]
    /// Whether `ids` was filled in.
    public private(set) var isResolved: Bool

    public init(path: String, subtree: Bool) {
        self.path = path
        self.subtree = subtree
        ids = []
        isResolved = false
    }

    public init(path: String, subtree: Bool, ids: [UInt64]) {
        self.path = path
        self.subtree = subtree
        self.ids = Array(Set(ids)).sorted()
        isResolved = true
    }

    /// Whether `id` is one of the condition's.
    @inline(__always)
    public func contains(_ id: UInt64) -> Bool {
        var low = 0
        var high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < ids.count && ids[low] == id
    }

    public var description: String { subtree ? "cgroup \(path == "/" ? "" : path)/*" : "cgroup \(path)" }
}

extension FilterExpression {
    /// Whether any condition names a cgroup.
    public var hasCgroupCondition: Bool {
        switch self {
        case .cgroup: true
        case let .and(a, b), let .or(a, b): a.hasCgroupCondition || b.hasCgroupCondition
        case let .not(a): a.hasCgroupCondition
        default: false
        }
    }

    /// The expression with each unresolved cgroup condition's ids filled in by `resolve(path, subtree)`.
    public func resolvingCgroups<E: Error>(
        _ resolve: (String, Bool) throws(E) -> [UInt64]
    ) throws(E) -> FilterExpression {
        switch self {
        case let .cgroup(condition) where !condition.isResolved:
            return .cgroup(CgroupCondition(
                path: condition.path, subtree: condition.subtree, ids: try resolve(condition.path, condition.subtree)))
        case let .and(a, b): return .and(try a.resolvingCgroups(resolve), try b.resolvingCgroups(resolve))
        case let .or(a, b): return .or(try a.resolvingCgroups(resolve), try b.resolvingCgroups(resolve))
        case let .not(a): return .not(try a.resolvingCgroups(resolve))
        default: return self
        }
    }
}
