import ProcIndex
import SockDiag

/// A sink that keeps every socket it is given by inode, with its `/proc/net/unix` line: the sockets a
/// listing of every file (lsof without `-i`) joins to socket descriptors.
public final class SocketTable: SocketSink {
    private var sockets: [UInt32: (record: SocketRecord, line: ProcNetUnixLine?)] = [:]

    public init() {}

    public func render(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) throws {
        guard record.inode != 0 else { return }
        if record.netid == .unix && join.unixLine == nil { return }
        sockets[record.inode] = (copy record, join.unixLine)
    }

    public func finish() throws {}

    /// The socket with `inode`, or nil when the dump did not have it (another namespace, a kind not dumped).
    public func socket(inode: UInt64) -> (record: SocketRecord, line: ProcNetUnixLine?)? {
        guard let inode = UInt32(exactly: inode) else { return nil }
        return sockets[inode]
    }

    public var count: Int { sockets.count }
}
