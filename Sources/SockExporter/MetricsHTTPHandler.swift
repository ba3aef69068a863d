import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers `GET /metrics` (and `HEAD`) with a scrape; 404 for any other path, 405 for other methods.
///
/// The scrape blocks (netlink dump, /proc scan), so it runs on the thread pool and the answer is written back
/// on the channel's event loop.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let exporter: Exporter
    private let pool: NIOThreadPool
    private let auth: BasicAuth
    private var head: HTTPRequestHead?

    init(exporter: Exporter, pool: NIOThreadPool, auth: BasicAuth = BasicAuth(users: [:])) {
        self.exporter = exporter
        self.pool = pool
        self.auth = auth
    }

    /// A scrape without valid credentials, when `basic_auth_users` is set.
    struct Unauthorized: Error {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            context.triggerUserOutboundEvent(ConnectionGuard.Event.requestRead, promise: nil)
            answer(request, context: context)
        }
    }

    private func answer(_ request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else {
            return respond(context, request, status: .notFound, body: Array("not found: try /metrics\n".utf8))
        }
        guard request.method == .GET || request.method == .HEAD else {
            return respond(context, request, status: .methodNotAllowed, body: Array("use GET\n".utf8))
        }
        let exporter = exporter
        let auth = auth
        let authorization = request.headers.first(name: "Authorization")
        // bcrypt is slow by design: checked on the pool thread, not the event loop.
        pool.runIfActive(eventLoop: context.eventLoop) { () throws -> [UInt8] in
            if auth.isRequired && !auth.allows(authorization) { throw Unauthorized() }
            return try exporter.scrape()
        }
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let text):
                    self.respond(context, request, status: .ok, body: text, type: Self.contentType)
                case .failure(is Unauthorized):
                    self.respond(
                        context, request, status: .unauthorized, body: Array("Unauthorized\n".utf8),
                        extra: [("WWW-Authenticate", "Basic")])
                case .failure(let error):
                    self.respond(
                        context, request, status: .internalServerError, body: Array("scrape failed: \(error)\n".utf8))
                }
            }
    }

    private func respond(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, status: HTTPResponseStatus, body: [UInt8],
        type: String = "text/plain; charset=utf-8", extra: [(String, String)] = []
    ) {
        var headers = HTTPHeaders()
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        done.futureResult.assumeIsolated().whenComplete { _ in
            if keepAlive {
                context.triggerUserOutboundEvent(ConnectionGuard.Event.responseSent, promise: nil)
            } else {
                context.close(promise: nil)
            }
        }
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
