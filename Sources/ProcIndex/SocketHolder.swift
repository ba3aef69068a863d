/// A process holding a socket open: one file descriptor in one process.
public struct SocketHolder: Sendable, Hashable {
    public var pid: Int32
    public var fd: Int32
    /// The process's command name from `/proc/PID/comm`, raw (renderers escape it).
    public var command: String

    public init(pid: Int32, fd: Int32, command: String) {
        self.pid = pid
        self.fd = fd
        self.command = command
    }
}
