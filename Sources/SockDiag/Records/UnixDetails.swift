/// What only a UNIX socket has: its name, its peer and, for a listener, the connections waiting.
///
/// The kernel sends these as `UNIX_DIAG_NAME`, `UNIX_DIAG_PEER`, `UNIX_DIAG_ICONS` and `UNIX_DIAG_VFS`.
public struct UnixDetails: Sendable, Equatable {
    /// The bound name: a path, `@name` for the abstract namespace (NUL bytes shown as `@`, as ss does), nil
    /// when the socket is unnamed.
    public var path: String?
    /// The peer socket's inode (`UNIX_DIAG_PEER`), nil when there is none.
    public var peerInode: UInt32?
    /// For a listener: the inodes of the connections not yet accepted (`UNIX_DIAG_ICONS`).
    public var pending: [UInt32]?
    /// The device and inode of the bound file in the filesystem (`UNIX_DIAG_VFS`).
    public var vfsDevice: UInt32?
    public var vfsInode: UInt32?

    public init(path: String? = nil, peerInode: UInt32? = nil, pending: [UInt32]? = nil) {
        self.path = path
        self.peerInode = peerInode
        self.pending = pending
    }
}
