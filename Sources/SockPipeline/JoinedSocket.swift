import SockDiag

/// One socket with what the query joined to it: its holders, its UNIX peer's holders, its socket options and
/// its `/proc/net/unix` line.
///
/// It points at a record decoded in the receive loop, so it is valid only inside the call that hands it over:
/// copy `record` to keep it.
public struct JoinedSocket: ~Copyable {
    private let pointer: UnsafePointer<SocketRecord>
    /// The holders' table; nil when the query joined no owners.
    public let owners: OwnerTable?
    /// In `.byHolder` order: the one holder this row is for, and the uid the selection gave it.
    public let holder: (holder: SocketHolder, uid: UInt32)?
    /// The socket's options (`--sockopts`); nil when not asked for or the socket has no holder.
    public let options: SocketOptionsEntry?
    /// The socket's `/proc/net/unix` line (UNIX sockets, when the query asks for them).
    public let unixLine: ProcNetUnixLine?

    init(
        _ pointer: UnsafePointer<SocketRecord>, owners: OwnerTable?, holder: (SocketHolder, UInt32)? = nil,
        options: SocketOptionsEntry? = nil, unixLine: ProcNetUnixLine? = nil
    ) {
        self.pointer = pointer
        self.owners = owners
        self.holder = holder
        self.options = options
        self.unixLine = unixLine
    }

    /// The socket as the kernel reported it.
    public var record: SocketRecord {
        unsafeAddress { pointer }
    }

    /// Calls `body` for each holder of the socket (only this row's in `.byHolder` order), by pid then fd.
    @inline(__always)
    public func forEachHolder(_ body: (SocketHolder) throws -> Void) rethrows {
        if let holder { return try body(holder.holder) }
        try owners?.forEachHolder(of: pointer.pointee.inode, body)
    }

    /// Calls `body` for each holder of a UNIX socket's peer.
    public func forEachPeerHolder(_ body: (SocketHolder) throws -> Void) rethrows {
        guard let peer = pointer.pointee.unix?.peerInode else { return }
        try owners?.forEachHolder(of: peer, body)
    }

    /// Whether a UNIX socket's peer has a known holder.
    public var peerHasHolders: Bool {
        guard let peer = pointer.pointee.unix?.peerInode, let owners else { return false }
        return owners.contains(peer)
    }
}

/// The options found set on one socket, or why they could not be read.
public enum SocketOptionsEntry: Sendable, Equatable {
    case options([SocketOption])
    /// The errno name (`EPERM`) of the failed read.
    case unavailable(String)
}

extension JoinedSocket {
    /// Calls `body` with `record` joined to the given values: for sinks fed from outside a run (tests).
    public static func with<R>(
        _ record: SocketRecord, owners: OwnerTable? = nil, holder: (SocketHolder, UInt32)? = nil,
        options: SocketOptionsEntry? = nil, unixLine: ProcNetUnixLine? = nil,
        _ body: (borrowing JoinedSocket) throws -> R
    ) rethrows -> R {
        try withUnsafePointer(to: record) { pointer in
            try body(JoinedSocket(pointer, owners: owners, holder: holder, options: options, unixLine: unixLine))
        }
    }
}
