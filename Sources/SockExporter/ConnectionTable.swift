import NIOCore

/// The server's open connections, oldest first, to keep their number under a cap.
///
/// When a new connection would pass the cap, the oldest idle one is closed; when none is idle, the oldest
/// one still sending its request; when every connection is being answered, the new one is refused. Used on
/// the server's one event loop only (connections and listener share it).
final class ConnectionTable: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private let cap: Int
    private var open: [ConnectionGuard] = []

    init(eventLoop: any EventLoop, cap: Int) {
        self.eventLoop = eventLoop
        self.cap = cap
    }

    /// Admits `connection`, closing an older one when full; false when it must be refused.
    func admit(_ connection: ConnectionGuard) -> Bool {
        eventLoop.preconditionInEventLoop()
        if open.count >= cap {
            guard let victim = open.firstIndex(where: { $0.phase == .idle })
                ?? open.firstIndex(where: { $0.phase == .reading })
            else { return false }
            open.remove(at: victim).channel.close(promise: nil)
        }
        open.append(connection)
        return true
    }

    /// Forgets a closed connection.
    func remove(_ connection: ConnectionGuard) {
        eventLoop.preconditionInEventLoop()
        if let index = open.firstIndex(where: { $0 === connection }) { open.remove(at: index) }
    }
}
