import Glibc
import NIOCore

/// When `accept` fails for want of descriptors (`EMFILE`, `ENFILE`), takes the waiting connection and closes it.
///
/// A descriptor on /dev/null is held in reserve: on the error it is closed, one connection accepted and closed
/// at once (its client sees the close instead of hanging in the queue), and the reserve is opened again.
/// `AcceptBackoffHandler`, before it in the pipeline, pauses accepting for a while, so the loop never spins.
final class AcceptReserve: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let listener: Int32
    private var reserve: Int32 = -1

    /// Guards the listening socket `listener`.
    init(listener: Int32) {
        self.listener = listener
    }

    func handlerAdded(context: ChannelHandlerContext) {
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if reserve >= 0 { close(reserve) }
        reserve = -1
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, error.errnoCode == EMFILE || error.errnoCode == ENFILE else {
            return context.fireErrorCaught(error)
        }
        if reserve >= 0 { close(reserve) }
        let connection = accept(listener, nil, nil)
        if connection >= 0 { close(connection) }
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }
}
