import NIOCore

/// How long and how many connections the HTTP server tolerates, so idle or slow clients cannot starve scrapes.
public struct ServerLimits: Sendable {
    /// Time a request has, from its first byte, to arrive whole (slowloris clients dribble headers forever).
    public var readTimeout: TimeAmount
    /// Time a kept-alive connection may wait with no request before it is closed.
    public var idleTimeout: TimeAmount
    /// Connections served at once; past it the oldest idle one is closed (see `ConnectionTable`).
    public var maxConnections: Int

    /// The defaults of `sockwatch exporter`: 10 s to send a request, 10 s idle, 512 connections.
    public static let standard = ServerLimits(readTimeout: .seconds(10), idleTimeout: .seconds(10), maxConnections: 512)

    public init(readTimeout: TimeAmount, idleTimeout: TimeAmount, maxConnections: Int) {
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// Limits given in seconds, as the command line gives them.
    public init(readTimeoutSeconds: Double, idleTimeoutSeconds: Double, maxConnections: Int) {
        self.init(
            readTimeout: .nanoseconds(Int64(readTimeoutSeconds * 1e9)),
            idleTimeout: .nanoseconds(Int64(idleTimeoutSeconds * 1e9)), maxConnections: maxConnections)
    }

    /// Descriptors kept free of connections for the scrape (netlink, /proc directories) and the server itself.
    static let descriptorHeadroom = 64

    /// `maxConnections`, lowered so that the connections alone cannot use up `RLIMIT_NOFILE`.
    func connectionCap(descriptorLimit: Int) -> Int {
        max(1, min(maxConnections, descriptorLimit - Self.descriptorHeadroom))
    }
}
