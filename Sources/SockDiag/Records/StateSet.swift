/// A set of socket states, as the kernel's `idiag_states` bitmask.
public struct StateSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ states: SocketState...) {
        self.init(rawValue: states.reduce(0) { $0 | $1.bit })
    }

    public func contains(_ state: SocketState) -> Bool { rawValue & state.bit != 0 }

    /// Every state.
    public static let all = StateSet(rawValue: SocketState.allCases.reduce(0) { $0 | $1.bit })
    /// `ss`'s "connected": all but listening and closed.
    public static let connected = all.subtracting(StateSet(.listen, .close))
    /// `ss`'s "synchronized": connected, but not syn-sent.
    public static let synchronized = connected.subtracting(StateSet(.synSent))
    /// `ss`'s "bucket": the states kept as minisockets.
    public static let bucket = StateSet(.synRecv, .timeWait)
    /// `ss`'s "big": the opposite of bucket.
    public static let big = all.subtracting(bucket)
    /// What `ss` lists when no state is named: connected, without time-wait and syn-recv.
    public static let `default` = all.subtracting(StateSet(.listen, .close, .timeWait, .synRecv))
    /// `-l`: listening TCP and unconnected UDP.
    public static let listening = StateSet(.listen, .close)

    /// The states in ascending kernel order.
    public var states: [SocketState] { SocketState.allCases.filter { contains($0) } }

    /// Parses one name or group, as `--state` takes them; nil when unknown.
    public init?(name: String) {
        switch name.lowercased() {
        case "all": self = .all
        case "connected": self = .connected
        case "synchronized": self = .synchronized
        case "bucket": self = .bucket
        case "big": self = .big
        case "closed": self = StateSet(.close)
        case "listening": self = StateSet(.listen)
        case let other:
            guard let state = SocketState.allCases.first(where: { $0.name == other }) else { return nil }
            self = StateSet(state)
        }
    }

    /// Every name `init(name:)` accepts, for error messages and help.
    public static let acceptedNames: [String] =
        SocketState.allCases.map(\.name) + ["closed", "listening", "all", "connected", "synchronized", "bucket", "big"]
}
