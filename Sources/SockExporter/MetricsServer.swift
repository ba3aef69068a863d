import ExporterArguments
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// The exporter's HTTP/1.1 server (swift-nio): one event loop for the connections, one pool thread for scrapes.
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
    public static func start(_ exporter: Exporter, listen address: ListenAddress) throws -> MetricsServer {
        try start(exporter) { bootstrap in
            bootstrap.bind(to: try SocketAddress(ipAddress: address.host, port: address.port))
        }
    }

    /// Serves `exporter` on an already bound and listening socket (systemd socket activation passes fd 3).
    public static func start(_ exporter: Exporter, boundSocket descriptor: Int32) throws -> MetricsServer {
        try start(exporter) { $0.withBoundSocket(descriptor) }
    }

    private static func start(
        _ exporter: Exporter, _ bind: (ServerBootstrap) throws -> EventLoopFuture<any Channel>
    ) throws -> MetricsServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(exporter: exporter, pool: pool))
                }
            }
        do {
            let channel = try bind(bootstrap).wait()
            return MetricsServer(group: group, pool: pool, channel: channel)
        } catch {
            try? group.syncShutdownGracefully()
            try? pool.syncShutdownGracefully()
            throw error
        }
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
