import ProcIndex
import SockDiag

/// The last stages of one run: join the `/proc/net/unix` line and the options, apply the holder selection,
/// and hand each socket to the sink, as it comes or in holder order.
struct PipelineRun {
    let query: SocketQuery
    let sink: any SocketSink
    /// `/proc/net/unix`, when the query joins its lines.
    let unixTable: ProcNetUnix?
    /// Socket options by inode (`--sockopts`).
    var options: [UInt32: SocketOptionsEntry]?
    /// Program and user names, each read once.
    private let names = ProcessNames()
    /// Cgroups and the workloads in them, when the query joins them; the pipeline that makes the run keeps it
    /// alive (no reference counting per row).
    unowned(unsafe) let cgroups: CgroupAttribution?
    /// An INET socket with an inode came without a kernel cgroup id (a kernel before 5.8).
    private(set) var missingKernelCgroupIDs = false
    /// The capture the positions given to `emit` point into; kept until `finish()`.
    var capture: SocketCapture?
    private(set) var rendered = 0

    // MARK: - Holder order

    /// One listed descriptor: 20 bytes, so a large listing holds positions, not copies of sockets.
    private struct Row {
        var pid: Int32
        var fd: Int32
        var uid: UInt32
        /// Index into `commands`.
        var process: Int32
        /// `>= 0`: the socket's position in `capture`; `< 0`: `held[-1 - socket]`.
        var socket: Int32
    }

    private var rows: [Row] = []
    private var commands: [String] = []
    private var processNumbers: [Int32: Int32] = [:]
    /// Sockets that are not in a capture (looked up, or dumped for a selection), and UNIX sockets with the
    /// `/proc/net/unix` line they were selected by.
    private var held: [(record: SocketRecord, line: ProcNetUnixLine?)] = []

    // MARK: - Names

    /// In kernel order with host names to look up: the sockets, kept until the names are in.
    private var waiting: [(record: SocketRecord, line: ProcNetUnixLine?)] = []
    /// The holders' table of the waiting sockets.
    private var waitingOwners: OwnerTable?
    /// Addresses whose name did not arrive in time, once the run has finished.
    private(set) var lateNames = 0

    /// The query joins holders at most, and rows go out as they come: the fast path.
    private let plain: Bool
    /// Rows carry their holder's login name.
    private let logins: Bool
    /// Rows carry their cgroup (`--cgroup`, `--containers`).
    private let cgroupCells: Bool
    /// Sockets without a kernel cgroup id meet cgroup conditions through their holders (`SocketQuery`).
    private let holderCgroupCheck: Bool
    /// Only cgroups join besides holders, and rows go out as they come: the cgroup fast path.
    private let plainWithCgroups: Bool

    init(query: SocketQuery, sink: any SocketSink, cgroups: CgroupAttribution? = nil) {
        self.query = query
        self.sink = sink
        unixTable = query.unixLines ? ProcNetUnix() : nil
        self.cgroups = query.joinsCgroups ? cgroups : nil
        let kernelOrder = !query.unixLines && query.names.isEmpty && query.order == .kernel && query.hostNames == nil
        plain = kernelOrder && !query.joinsCgroups
        plainWithCgroups = kernelOrder && query.joinsCgroups
        cgroupCells = !query.cgroups.isEmpty
        holderCgroupCheck = query.holderCgroupCheck
        logins = query.names.contains(.holderLogins)
    }

    /// Joins and delivers one socket; `position` is its place in `capture`, when it came from one.
    @inline(__always)
    mutating func emit(_ record: borrowing SocketRecord, owners: OwnerTable?, position: Int? = nil) throws {
        if plain && options == nil {
            // Nothing but holders to join: the join is three words on the stack.
            try SocketJoin.with(record, owners: owners) { try sink.render(record, $0) }
            rendered += 1
            return
        }
        if plainWithCgroups && options == nil, let cgroups {
            // Holders and the cgroup: no names, no lines, no staging.
            var extras = JoinExtras()
            guard passesHolderCgroups(record, owners: owners, cgroups) else { return }
            joinCgroups(record, owners: owners, cgroups, into: &extras.cgroup, &extras.holderCgroup)
            try SocketJoin.with(record, owners: owners, extras: &extras) { try sink.render(record, $0) }
            rendered += 1
            return
        }
        try emitJoined(record, owners: owners, position: position)
    }

    /// `emit` for a query that joins more than holders, or orders rows by holder.
    private mutating func emitJoined(_ record: borrowing SocketRecord, owners: OwnerTable?, position: Int?) throws {
        var line: ProcNetUnixLine?
        if let unixTable, record.netid == .unix {
            guard let found = unixTable.line(inode: record.inode) else { return }
            line = found
        }
        // The holder-side cgroup condition, before the row is staged (`deliver` joins the cells).
        if let cgroups, !passesHolderCgroups(record, owners: owners, cgroups) { return }
        if let hostNames = query.hostNames, record.netid.isInet {
            hostNames.lookUp(record.local.address)
            hostNames.lookUp(record.peer.address)
        }
        if query.order == .byHolder { return stage(record, line: line, owners: owners, position: position) }
        if query.hostNames != nil {
            waiting.append((copy record, line))
            waitingOwners = owners
            return
        }
        try deliver(record, line: line, owners: owners)
    }

    /// Joins the names and the options to one socket in kernel order and hands it to the sink.
    private mutating func deliver(_ record: borrowing SocketRecord, line: ProcNetUnixLine?, owners: OwnerTable?) throws {
        var program: (Int32, String)?
        if query.names.contains(.programs), let owners {
            // netstat keeps the first process it finds for an inode: the lowest pid.
            owners.forEachHolder(of: record.inode) { holder in
                if program == nil { program = (holder.pid, names.program(pid: holder.pid)) }
            }
        }
        let userName = query.names.contains(.users) ? names.user(uid: record.uid) : nil
        var cgroup: Unmanaged<CgroupInfo>?
        var holderCgroup: Unmanaged<CgroupInfo>?
        if let cgroups { joinCgroups(record, owners: owners, cgroups, into: &cgroup, &holderCgroup) }
        var extras = JoinExtras(
            program: program, userName: userName, options: options?[record.inode], unixLine: line, cgroup: cgroup,
            holderCgroup: holderCgroup)
        try SocketJoin.with(record, owners: owners, extras: &extras) { try sink.render(record, $0) }
        rendered += 1
    }

    /// Whether a socket the kernel gives no cgroup id (UNIX, netlink, packet…) meets the filter's cgroup
    /// conditions through its holders' cgroups; true for every other socket (the kernel or the residual
    /// checked it).
    private func passesHolderCgroups(
        _ record: borrowing SocketRecord, owners: OwnerTable?, _ cgroups: CgroupAttribution
    ) -> Bool {
        guard holderCgroupCheck, record.cgroupID == nil, !record.netid.isInet else { return true }
        var ids: [UInt64] = []
        owners?.forEachHolder(of: record.inode) { holder in
            if let id = cgroups.id(ofProcess: holder.pid) { ids.append(id) }
        }
        return query.expression.matches(record, holderCgroups: ids)
    }

    /// Finds the socket's cgroup for its cells (the kernel's id, else the first holder's) and its first
    /// holder's where that differs.
    private mutating func joinCgroups(
        _ record: borrowing SocketRecord, owners: OwnerTable?, _ cgroups: CgroupAttribution,
        into cgroup: inout Unmanaged<CgroupInfo>?, _ holderCgroup: inout Unmanaged<CgroupInfo>?
    ) {
        if record.cgroupID == nil && record.netid.isInet && record.inode != 0 { missingKernelCgroupIDs = true }
        guard cgroupCells else { return }
        var firstHolder: Int32?
        owners?.forEachHolder(of: record.inode) { if firstHolder == nil { firstHolder = $0.pid } }
        guard let id = record.cgroupID else {
            cgroup = firstHolder.flatMap(cgroups.info(ofProcess:)).map(Unmanaged.passUnretained)
            return
        }
        cgroup = cgroups.unmanagedInfo(id: id)
        if let firstHolder, let held = cgroups.info(ofProcess: firstHolder),
            held.path != cgroup?.takeUnretainedValue().path
        {
            holderCgroup = Unmanaged.passUnretained(held)
        }
    }

    /// Keeps a row for each holder the selection lists, and lets the sink measure it.
    private mutating func stage(
        _ record: borrowing SocketRecord, line: ProcNetUnixLine?, owners: OwnerTable?, position: Int?
    ) {
        guard let owners, record.inode != 0 else { return }
        var reference: Int32?
        owners.forEachHolder(of: record.inode) { holder in
            let uid: UInt32
            if let select = query.selectHolder {
                guard let selected = select(record, line, holder) else { return }
                uid = selected
            } else {
                uid = 0
            }
            if reference == nil {
                if let position, line == nil {
                    reference = Int32(position)
                } else {
                    held.append((copy record, line))
                    reference = -Int32(held.count)
                }
            }
            let number: Int32
            if let known = processNumbers[holder.pid] {
                number = known
            } else {
                number = Int32(commands.count)
                commands.append(holder.command)
                processNumbers[holder.pid] = number
            }
            rows.append(Row(pid: holder.pid, fd: holder.fd, uid: uid, process: number, socket: reference!))
            var extras = JoinExtras(holder: Self.listed(holder, uid, logins: logins, names: names), unixLine: line)
            SocketJoin.with(record, owners: owners, extras: &extras) { sink.measure(record, $0) }
        }
    }

    /// A holder as a row shows it, with its login name when the query asks. Static, so that calling it from a
    /// mutating method does not copy the run.
    private static func listed(
        _ holder: SocketHolder, _ uid: UInt32, logins: Bool, names: ProcessNames
    ) -> ListedHolder {
        ListedHolder(holder: holder, uid: uid, login: logins ? names.user(uid: uid) : nil)
    }

    /// Hands the staged rows over in holder order, then finishes the sink.
    mutating func finish() throws {
        if let hostNames = query.hostNames {
            lateNames = hostNames.finish()
            let kept = waiting
            waiting = []
            for entry in kept { try deliver(entry.record, line: entry.line, owners: waitingOwners) }
        }
        if query.order == .byHolder { try deliverByHolder() }
        if let unixTable {
            for line in unixTable.unaccepted { try sink.render(unaccepted: line) }
        }
        try sink.finish()
    }

    /// The staged rows by pid, then descriptor; captured sockets are decoded again.
    private mutating func deliverByHolder() throws {
        var keys = rows.indices.map { i in
            (key: UInt64(UInt32(bitPattern: rows[i].pid)) << 32 | UInt64(UInt32(bitPattern: rows[i].fd)), row: i)
        }
        keys.sort { $0.key < $1.key }
        // One non-optional copy: the loop reads it without copying it per row.
        let captured = capture ?? SocketCapture(keeping: [])
        for (_, i) in keys {
            let row = rows[i]
            let holder = SocketHolder(pid: row.pid, fd: row.fd, command: commands[Int(row.process)])
            var extras = JoinExtras(holder: Self.listed(holder, row.uid, logins: logins, names: names))
            if row.socket < 0 {
                let entry = held[Int(-1 - row.socket)]
                extras.unixLine = entry.line
                try SocketJoin.with(entry.record, owners: nil, extras: &extras) { try sink.render(entry.record, $0) }
            } else {
                // The capture decoded this message once already; it decodes the same way again.
                guard let record = try captured.record(at: Int(row.socket)) else {
                    throw DiagError.malformed("captured socket \(row.socket) no longer decodes")
                }
                try SocketJoin.with(record, owners: nil, extras: &extras) { try sink.render(record, $0) }
            }
            rendered += 1
        }
    }
}
