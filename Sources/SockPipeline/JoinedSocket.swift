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
    /// In `.byHolder` order: the one holder this row is for, with the uid the selection gave it.
    public let holder: ListedHolder?
    /// The first holder's pid and program (`SocketQuery.JoinedNames.programs`).
    public let program: (pid: Int32, name: String)?
    /// The login name of the socket's uid (`SocketQuery.JoinedNames.users`); nil when it has none.
    public let userName: String?
    /// The socket's options (`--sockopts`); nil when not asked for or the socket has no holder.
    public let options: SocketOptionsEntry?
    /// The socket's `/proc/net/unix` line (UNIX sockets, when the query asks for them).
    public let unixLine: ProcNetUnixLine?

    init(
        _ pointer: UnsafePointer<SocketRecord>, owners: OwnerTable?, holder: ListedHolder? = nil,
        options: SocketOptionsEntry? = nil, unixLine: ProcNetUnixLine? = nil, program: (Int32, String)? = nil,
        userName: String? = nil
    ) {
        self.pointer = pointer
        self.owners = owners
        self.holder = holder
        self.program = program
        self.userName = userName
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

/// One listed descriptor of a socket in holder order: who holds it, and as which user.
public struct ListedHolder: Sendable {
    public var holder: SocketHolder
    /// The uid the selection gave the holder's process (lsof's USER column).
    public var uid: UInt32
    /// That uid's login name (`SocketQuery.JoinedNames.holderLogins`); nil when it has none or was not asked.
    public var login: String?

    public init(holder: SocketHolder, uid: UInt32, login: String? = nil) {
        self.holder = holder
        self.uid = uid
        self.login = login
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
        _ record: SocketRecord, owners: OwnerTable? = nil, holder: ListedHolder? = nil,
        options: SocketOptionsEntry? = nil, unixLine: ProcNetUnixLine? = nil, program: (Int32, String)? = nil,
        userName: String? = nil, _ body: (borrowing JoinedSocket) throws -> R
    ) rethrows -> R {
        try withUnsafePointer(to: record) { pointer in
            try body(JoinedSocket(
                pointer, owners: owners, holder: holder, options: options, unixLine: unixLine, program: program,
                userName: userName))
        }
    }
}
