import SockDiag

/// Where the pipeline delivers joined sockets: a renderer, a collector, a counter.
public protocol SocketSink: AnyObject {
    /// Takes one socket (valid only during the call).
    func render(_ socket: borrowing JoinedSocket) throws
    /// With `SocketQuery.order == .byHolder`: sees every row once before any is rendered (to size columns).
    func measure(_ socket: borrowing JoinedSocket)
    /// A UNIX socket the kernel made for a listener and nobody accepted yet: only `/proc/net/unix` has it.
    func render(unaccepted line: ProcNetUnixLine) throws
    /// Writes whatever is still held and flushes.
    func finish() throws
}

extension SocketSink {
    public func measure(_ socket: borrowing JoinedSocket) {}
    public func render(unaccepted line: ProcNetUnixLine) throws {}
}
