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
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)

    public var description: String {
        switch self {
        case .all: "all"
        case let .port(side, comparison, port):
            "\(side == .source ? "sport" : "dport") \(comparison.symbol) :\(port)"
        case let .host(side, pattern): "\(side == .source ? "src" : "dst") \(pattern)"
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
