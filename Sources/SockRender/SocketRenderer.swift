import ProcIndex
import SockDiag

/// Turns records into bytes in an `OutputBuffer`, one socket at a time.
public protocol SocketRenderer: AnyObject {
    /// Renders one socket; `owners` is the process index when `-p` asked for it.
    func render(_ record: borrowing SocketRecord, owners: ProcessIndex?) throws
    /// Writes whatever is still held (staged rows) and flushes.
    func finish() throws
    /// The sockets about to be rendered come from `capture`, which stays as it is until `finish()`: a renderer
    /// that must hold rows until the end (lsof's) can keep positions in it instead of copies.
    func willRender(from capture: SocketCapture)
    /// Renders the socket at `position` in the capture handed to `willRender(from:)`.
    func render(_ record: borrowing SocketRecord, owners: ProcessIndex?, captured position: Int) throws
}

extension SocketRenderer {
    public func willRender(from capture: SocketCapture) {}

    public func render(_ record: borrowing SocketRecord, owners: ProcessIndex?, captured position: Int) throws {
        try render(record, owners: owners)
    }
}
