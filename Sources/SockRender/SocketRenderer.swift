import ProcIndex
import SockDiag

/// Turns records into bytes in an `OutputBuffer`, one socket at a time.
public protocol SocketRenderer: AnyObject {
    /// Renders one socket; `owners` is the process index when `-p` asked for it.
    func render(_ record: borrowing SocketRecord, owners: ProcessIndex?) throws
    /// Writes whatever is still held (staged rows) and flushes.
    func finish() throws
    /// About `count` sockets are coming (a captured dump): a renderer that stages rows reserves room once.
    func expect(count: Int)
}

extension SocketRenderer {
    public func expect(count: Int) {}
}
