import NIOCore

/// Closes a connection whose request is too slow to arrive, or which stays idle too long between requests.
///
/// It sits first in the pipeline, so it sees every received byte: a request must be whole within
/// `readTimeout` of its first byte (more bytes do not extend it, so a slowloris client cannot either), and a
/// connection with no request in flight is closed after `idleTimeout`. The HTTP handler tells it, with
/// `Event`s, when a request was read and when its response went out. `ConnectionTable` asks it its phase.
final class ConnectionGuard: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// What the HTTP handler reports, as outbound user events.
    enum Event: Sendable {
        case requestRead
        case responseSent
    }

    enum Phase {
        /// No request in flight: waiting for the next one.
        case idle
        /// Part of a request has arrived.
        case reading
        /// A request is being answered (a scrape may take a while): no deadline.
        case serving
    }

    private(set) var phase = Phase.idle
    let channel: any Channel
    private let limits: ServerLimits
    private let table: ConnectionTable
    private var deadline: Scheduled<Void>?

    init(channel: any Channel, limits: ServerLimits, table: ConnectionTable) {
        self.channel = channel
        self.limits = limits
        self.table = table
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(limits.idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        table.remove(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .idle {
            phase = .reading
            arm(limits.readTimeout)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? Event else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        switch event {
        case .requestRead:
            phase = .serving
            deadline?.cancel()
            deadline = nil
        case .responseSent:
            phase = .idle
            arm(limits.idleTimeout)
        }
        promise?.succeed()
    }

    /// Closes the connection after `amount`, replacing the previous deadline.
    private func arm(_ amount: TimeAmount) {
        deadline?.cancel()
        let channel = channel
        deadline = channel.eventLoop.scheduleTask(in: amount) { channel.close(promise: nil) }
    }
}
