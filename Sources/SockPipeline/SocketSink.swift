import SockDiag

/// Where the pipeline delivers joined sockets: a renderer, a collector, a counter.
///
/// A joined socket comes as the record, borrowed straight from the receive buffer's decoder, and its join;
/// both are valid only during the call.
public protocol SocketSink: AnyObject {
    /// Takes one joined socket.
    func render(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) throws
    /// With `SocketQuery.order == .byHolder`: sees every row once before any is rendered (to size columns).
    func measure(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin)
    /// A UNIX socket the kernel made for a listener and nobody accepted yet: only `/proc/net/unix` has it.
    func render(unaccepted line: ProcNetUnixLine) throws
    /// Writes whatever is still held and flushes.
    func finish() throws
}

extension SocketSink {
    public func measure(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) {}
    public func render(unaccepted line: ProcNetUnixLine) throws {}
}
