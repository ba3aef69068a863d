import CommandSupport
import ExporterArguments
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The exporter's HTTP/1.1 server (swift-nio): one event loop for the connections, one pool thread for scrapes.
///
/// Connections are bounded (`ServerLimits`: read and idle timeouts, a cap closing the oldest idle ones), and
/// `accept` failing for want of descriptors backs off instead of spinning, so clients that connect and wait
/// cannot keep Prometheus out.
public final class MetricsServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let pool: NIOThreadPool
    private let channel: any Channel

    /// Where the server listens, as bound (with the real port when 0 was asked for).
    public var localAddress: SocketAddress? { channel.localAddress }
    /// The bound port.
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(group: MultiThreadedEventLoopGroup, pool: NIOThreadPool, channel: any Channel) {
        self.group = group
        self.pool = pool
        self.channel = channel
    }

    /// Binds `address` and starts serving `exporter`.
    /// - Throws: `CommandFailure` naming the address and the errno when it cannot be bound.
    public static func start(
        _ exporter: Exporter, listen address: ListenAddress, limits: ServerLimits = .standard, web: WebConfig = WebConfig()
    ) throws -> MetricsServer {
        let descriptor = try ListeningSocket.open(address, backlog: backlog)
        let server = try start(exporter, boundSocket: descriptor, limits: limits, web: web)
        // NIO listens again with its own backlog (128) on a socket it is handed: ours again.
        listen(descriptor, backlog)
        return server
    }

    /// Serves `exporter` on an already bound and listening socket (systemd socket activation passes fd 3).
    /// With `web.tls`, every connection speaks TLS first; with `web.users`, a scrape needs basic auth (401).
    public static func start(
        _ exporter: Exporter, boundSocket descriptor: Int32, limits: ServerLimits = .standard, web: WebConfig = WebConfig()
    ) throws -> MetricsServer {
        let auth = BasicAuth(users: web.users)
        let tls = web.tls
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let table = ConnectionTable(eventLoop: group.next(), cap: limits.connectionCap(descriptorLimit: descriptorLimit()))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoffHandler())
                    try channel.pipeline.syncOperations.addHandler(AcceptReserve(listener: descriptor))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let guardian = ConnectionGuard(channel: channel, limits: limits, table: table)
                    guard table.admit(guardian) else { throw ChannelError.inputClosed }
                    let handlers = channel.pipeline.syncOperations
                    if let tls { try handlers.addHandler(NIOSSLServerHandler(context: tls)) }
                    try handlers.addHandler(guardian)
                    try handlers.configureHTTPServerPipeline(withErrorHandling: false)
                    try handlers.addHandler(BadRequestHandler())
                    try handlers.addHandler(MetricsHTTPHandler(exporter: exporter, pool: pool, auth: auth))
                }
            }
        do {
            let channel = try bootstrap.withBoundSocket(descriptor).wait()
            return MetricsServer(group: group, pool: pool, channel: channel)
        } catch {
            try? group.syncShutdownGracefully()
            try? pool.syncShutdownGracefully()
            throw error
        }
    }

    /// The accept queue's length.
    static let backlog: Int32 = 64

    /// The soft `RLIMIT_NOFILE`: the descriptors this process may hold.
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max / 2 }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int.max / 2)))
    }

    /// Blocks until the server is closed.
    public func wait() throws {
        try channel.closeFuture.wait()
    }

    /// Stops listening, then stops the threads.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        try? pool.syncShutdownGracefully()
    }
}
