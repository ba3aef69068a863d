import SockDiag

/// What the pipeline joined to one socket: its holders, its UNIX peer's holders, its socket options, names and
/// its `/proc/net/unix` line. A sink gets it with the record it belongs to; the two make one joined socket.
///
/// It is borrowed and valid only during the call that hands it over. On the streaming path it is three words
/// with no reference counts, so joining costs nothing per socket; what else a query joins sits behind one pointer.
public struct SocketJoin: ~Copyable {
    private let inode: UInt32
    private let peerInode: UInt32?
    /// The holders' table, owned by the run; nil when the query joined no owners.
    public unowned(unsafe) let owners: OwnerTable?
    private let extras: UnsafePointer<JoinExtras>?

    private init(
        inode: UInt32, peerInode: UInt32?, owners: OwnerTable?, extras: UnsafePointer<JoinExtras>?
    ) {
        self.inode = inode
        self.peerInode = peerInode
        self.owners = owners
        self.extras = extras
    }

    /// Calls `body` with the join of `record` to `owners` alone: the streaming path.
    @inline(__always)
    static func with<R>(
        _ record: borrowing SocketRecord, owners: OwnerTable?, _ body: (borrowing SocketJoin) throws -> R
    ) rethrows -> R {
        try body(SocketJoin(inode: record.inode, peerInode: record.unix?.peerInode, owners: owners, extras: nil))
    }

    /// Calls `body` with `record` joined to `owners` and `extras`, which stay where they are (no copy).
    @inline(__always)
    static func with<R>(
        _ record: borrowing SocketRecord, owners: OwnerTable?, extras: inout JoinExtras,
        _ body: (borrowing SocketJoin) throws -> R
    ) rethrows -> R {
        let inode = record.inode
        let peer = record.unix?.peerInode
        return try withUnsafePointer(to: &extras) {
            try body(SocketJoin(inode: inode, peerInode: peer, owners: owners, extras: $0))
        }
    }

    /// Calls `body` with `record` joined to the given values: for sinks fed from outside a run (tests).
    public static func with<R>(
        _ record: borrowing SocketRecord, owners: OwnerTable? = nil, holder: ListedHolder? = nil,
        options: SocketOptionsEntry? = nil, unixLine: ProcNetUnixLine? = nil, program: (Int32, String)? = nil,
        userName: String? = nil, cgroup: CgroupInfo? = nil, holderCgroup: CgroupInfo? = nil,
        _ body: (borrowing SocketJoin) throws -> R
    ) rethrows -> R {
        // The arguments live through the call: the extras may hold them unretained.
        var extras = JoinExtras(
            holder: holder, program: program, userName: userName, options: options, unixLine: unixLine,
            cgroup: cgroup.map(Unmanaged.passUnretained), holderCgroup: holderCgroup.map(Unmanaged.passUnretained))
        return try withExtendedLifetime((cgroup, holderCgroup)) { try with(record, owners: owners, extras: &extras, body) }
    }

    /// In `.byHolder` order: the one holder this row is for, with the uid the selection gave it.
    public var holder: ListedHolder? { extras?.pointee.holder }
    /// In `.byHolder` order: this row's pid, descriptor and uid, read without copying the holder.
    public var row: (pid: Int32, fd: Int32, uid: UInt32)? {
        guard let extras, extras.pointee.holder != nil else { return nil }
        return (extras.pointee.holder!.holder.pid, extras.pointee.holder!.holder.fd, extras.pointee.holder!.uid)
    }
    /// The first holder's pid and program (`SocketQuery.JoinedNames.programs`).
    public var program: (pid: Int32, name: String)? { extras?.pointee.program }
    /// The login name of the socket's uid (`SocketQuery.JoinedNames.users`); nil when it has none.
    public var userName: String? { extras?.pointee.userName }
    /// The socket's options (`--sockopts`); nil when not asked for or the socket has no holder.
    public var options: SocketOptionsEntry? { extras?.pointee.options }
    /// The socket's `/proc/net/unix` line (UNIX sockets, when the query asks for them).
    public var unixLine: ProcNetUnixLine? { extras?.pointee.unixLine }
    /// The socket's cgroup (`SocketQuery.cgroups`): the kernel's for INET sockets (the creator's), the first
    /// holder's for the others; nil when unknown.
    public var cgroup: CgroupInfo? { extras?.pointee.cgroup?.takeUnretainedValue() }
    /// `cgroup`'s `CgroupInfo.index`, read without taking a reference (a renderer's per-cgroup cache key).
    @inline(__always)
    public var cgroupIndex: Int? { extras?.pointee.cgroup?._withUnsafeGuaranteedRef { $0.index } }
    /// `cgroup`'s address, its identity, read without taking a reference (with `cgroupIndex`, a renderer's
    /// cache key).
    @inline(__always)
    public var cgroupAddress: UnsafeMutableRawPointer? { extras?.pointee.cgroup?.toOpaque() }
    /// Whether the first holder's cgroup differs from `cgroup` (`holderCgroup` is set).
    @inline(__always)
    public var hasHolderCgroup: Bool { extras?.pointee.holderCgroup != nil }
    /// The first holder's cgroup, where it differs from `cgroup` (a socket passed to another process).
    public var holderCgroup: CgroupInfo? { extras?.pointee.holderCgroup?.takeUnretainedValue() }

    /// Calls `body` for each holder of the socket (only this row's in `.byHolder` order), by pid then fd.
    @inline(__always)
    public func forEachHolder(_ body: (SocketHolder) throws -> Void) rethrows {
        if let extras, let holder = extras.pointee.holder { return try body(holder.holder) }
        try owners?.forEachHolder(of: inode, body)
    }

    /// Calls `body` for each holder of a UNIX socket's peer.
    public func forEachPeerHolder(_ body: (SocketHolder) throws -> Void) rethrows {
        guard let peerInode else { return }
        try owners?.forEachHolder(of: peerInode, body)
    }

    /// Whether a UNIX socket's peer has a known holder.
    public var peerHasHolders: Bool {
        guard let peerInode, let owners else { return false }
        return owners.contains(peerInode)
    }
}

/// What a join adds to a socket besides its holders; each field nil when the query does not ask for it.
struct JoinExtras {
    var holder: ListedHolder? = nil
    var program: (pid: Int32, name: String)? = nil
    var userName: String? = nil
    var options: SocketOptionsEntry? = nil
    var unixLine: ProcNetUnixLine? = nil
    /// Unretained: the run's `CgroupAttribution` keeps every cgroup it names alive for the run.
    var cgroup: Unmanaged<CgroupInfo>? = nil
    var holderCgroup: Unmanaged<CgroupInfo>? = nil
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

