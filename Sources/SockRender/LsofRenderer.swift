import ProcIndex
import SockDiag

/// Renders lsof's output for Internet and UNIX sockets: one line per (process, descriptor), sorted by pid then
/// descriptor, in columns sized to their widest cell as lsof sizes them.
///
/// lsof sizes every column before printing the first line, so rows are staged until `finish()`. A row is 16
/// bytes: pid, descriptor, process and where its socket is: a position in the engine's capture (decoded again
/// when printed), or an entry of `held` when the socket did not come from a capture (`--pid` lookups). `select` decides, for each holder of each
/// socket, whether lsof would list it and as whose; it is lsof's selection logic, kept out of the renderer.
public final class LsofRenderer: SocketRenderer {
    public typealias Select = (LsofSocket, SocketHolder) -> LsofOwner?

    struct Row {
        var pid: Int32
        var fd: Int32
        var process: Int32
        /// `>= 0`: the socket's position in `capture`; `< 0`: `held[-1 - socket]`.
        var socket: Int32
    }

    struct Process {
        var pid: Int32
        var command: String
        var owner: LsofOwner
    }

    let out: OutputBuffer
    let options: LsofRenderOptions
    let select: Select
    let unixLine: (UInt32) -> ProcNetUnixLine?
    private var rows: [Row] = []
    private var capture: SocketCapture?
    private var held: [LsofSocket] = []
    /// Column widths measured as rows come in (lsof's minimums).
    private var typeW = 4, deviceW = 6, nodeW = 4
    /// `rows`' indices in lsof's order (pid, then descriptor), set by `finish()`: sorting 16-byte keys instead
    /// of the rows keeps the sort's scratch small.
    private var order: [Int32] = []
    private var sortedRows: LazyMapSequence<[Int32], Row> { order.lazy.map { self.rows[Int($0)] } }
    private var processes: [Process] = []
    private var processNumbers: [Int32: Int32] = [:]
    /// The descriptors listed by `finish()`.
    public private(set) var filesListed = 0

    /// - Parameter unixLine: the `/proc/net/unix` line of a UNIX socket's inode (DEVICE, state and name come
    ///   from it, as lsof reads them); a UNIX socket without one has closed since the dump and is not listed.
    public init(
        out: OutputBuffer, options: LsofRenderOptions, select: @escaping Select,
        unixLine: @escaping (UInt32) -> ProcNetUnixLine? = { _ in nil }
    ) {
        self.out = out
        self.options = options
        self.select = select
        self.unixLine = unixLine
    }

    public func willRender(from capture: SocketCapture) {
        self.capture = capture
        rows.reserveCapacity(capture.count)
    }

    public func render(_ record: borrowing SocketRecord, owners: ProcessIndex?) throws {
        try stage(record, owners: owners, position: nil)
    }

    public func render(_ record: borrowing SocketRecord, owners: ProcessIndex?, captured position: Int) throws {
        try stage(record, owners: owners, position: capture == nil ? nil : position)
    }

    /// The lsof view of `record`, or nil when lsof would not show it (a UNIX socket closed since the dump).
    private func lsofSocket(_ record: borrowing SocketRecord) -> LsofSocket? {
        var unix: LsofUnix?
        if record.netid == .unix {
            guard let line = unixLine(record.inode) else { return nil }
            unix = LsofUnix(line)
        } else if !record.netid.isInet {
            return nil
        }
        return LsofSocket(record, unix: unix)
    }

    private func stage(_ record: borrowing SocketRecord, owners: ProcessIndex?, position: Int?) throws {
        guard let owners, record.inode != 0, let socket = lsofSocket(record) else { return }
        var reference: Int32?
        owners.forEachHolder(of: UInt64(record.inode)) { holder in
            guard let owner = select(socket, holder) else { return }
            let number: Int32
            if let known = processNumbers[holder.pid] {
                number = known
            } else {
                number = Int32(processes.count)
                processes.append(Process(pid: holder.pid, command: holder.command, owner: owner))
                processNumbers[holder.pid] = number
            }
            if reference == nil {
                // UNIX rows keep their copy: their /proc/net/unix line is read once, here.
                if let position, socket.unix == nil {
                    reference = Int32(position)
                } else {
                    held.append(socket)
                    reference = -Int32(held.count)
                }
                typeW = max(typeW, socket.typeName.utf8.count)
                deviceW = max(deviceW, socket.deviceText.utf8.count)
                nodeW = max(nodeW, socket.nodeText.utf8.count)
            }
            rows.append(Row(pid: holder.pid, fd: holder.fd, process: number, socket: reference!))
        }
    }

    /// The socket of `row`, decoded again from the capture (an Internet socket) or taken from `held`.
    private func socket(of row: Row) throws -> LsofSocket {
        if row.socket < 0 { return held[Int(-1 - row.socket)] }
        // The capture decoded this message once already; it decodes the same way again.
        guard let capture, let record = try capture.record(at: Int(row.socket)) else {
            throw DiagError.malformed("captured socket \(row.socket) no longer decodes")
        }
        return LsofSocket(record)
    }

    public func finish() throws {
        var keys = rows.indices.map { i in
            (key: UInt64(UInt32(bitPattern: rows[i].pid)) << 32 | UInt64(UInt32(bitPattern: rows[i].fd)), row: Int32(i))
        }
        keys.sort { $0.key < $1.key }
        order = keys.map(\.row)
        keys = []
        filesListed = rows.count
        switch options.output {
        case .table: try writeTable()
        case .pids: try writePIDs()
        case .fields: try writeFields()
        }
        try out.flush()
    }

    // MARK: - Table

    private func writeTable() throws {
        guard !rows.isEmpty else { return }
        let spaceIsUnprintable = true
        var commandW = 7, pidW = 3, userW = 4, fdW = 2
        let sizeW = 8
        let users = processes.map { Self.userText($0.owner) }
        for (i, process) in processes.enumerated() {
            var width = LsofText.width(Self.commandText(process.command), spaceIsUnprintable: spaceIsUnprintable)
            if options.commandWidth > 0 { width = min(width, options.commandWidth) }
            commandW = max(commandW, width)
            pidW = max(pidW, Self.digits(UInt64(process.pid)))
            userW = max(userW, users[i].utf8.count)
        }
        for row in rows {  // widths: any order
            fdW = max(fdW, Self.fdText(row.fd).utf8.count + 2)
        }

        out.append("COMMAND")
        out.appendSpaces(commandW - 7)
        appendRight("PID", pidW)
        appendRight("USER", userW)
        appendRight("FD", fdW - 2)
        out.append("  ")
        appendRight("TYPE", typeW)
        appendRight("DEVICE", deviceW)
        appendRight("SIZE/OFF", sizeW)
        appendRight("NODE", nodeW)
        out.append(" NAME\n")

        for row in sortedRows {
            let socket = try socket(of: row)
            let process = processes[Int(row.process)]
            LsofText.appendPadded(
                Self.commandText(process.command), width: commandW, spaceIsUnprintable: spaceIsUnprintable, to: out)
            out.append(0x20)
            out.appendSpaces(pidW - Self.digits(UInt64(row.pid)))
            out.append(decimal: row.pid)
            appendRight(users[Int(row.process)], userW)
            appendRight(Self.fdText(row.fd), fdW - 2)
            out.append("u  ")
            out.appendSpaces(typeW - 4)
            out.append(socket.typeName)
            appendRight(socket.deviceText, deviceW)
            appendRight("0t0", sizeW)
            appendRight(socket.nodeText, nodeW)
            out.append(0x20)
            if let unix = socket.unix {
                appendUnixName(unix)
                // lsof writes the space for any -T selection, and only the state for a UNIX socket.
                if options.tcpState || options.tcpQueues { out.append(0x20) }
                if options.tcpState {
                    out.append(0x28)
                    out.append(unix.stateName)
                    out.append(0x29)
                }
                out.append(0x0A)
                try out.flushIfFull()
                continue
            }
            let named = appendAddresses(socket)
            if options.tcpState || options.tcpQueues {
                if named { out.append(0x20) }
                appendTCPInfo(socket)
            }
            out.append(0x0A)
            try out.flushIfFull()
        }
    }

    /// Appends a space, then `text` right-aligned in `width`.
    private func appendRight(_ text: String, _ width: Int) {
        out.append(0x20)
        out.appendSpaces(width - text.utf8.count)
        out.append(text)
    }

    /// `(ESTABLISHED)`, `(LISTEN QR=0 QS=0)`, `(QR=0 QS=0)` for UDP with `-Tq`, or nothing.
    private func appendTCPInfo(_ socket: LsofSocket) {
        var open = false
        if options.tcpState && socket.netid == .tcp {
            out.append(0x28)
            out.append(Self.stateName(socket.state))
            open = true
        }
        if options.tcpQueues {
            out.append(open ? 0x20 : 0x28)
            out.append("QR=")
            out.append(decimal: socket.receiveQueue)
            out.append(" QS=")
            out.append(decimal: socket.sendQueue)
            open = true
        }
        if open { out.append(0x29) }
    }

    // MARK: - Names

    /// `PATH type=STREAM`, or `type=DGRAM` for an unnamed socket (lsof's `"%s%stype=%s"`).
    private func appendUnixName(_ unix: LsofUnix) {
        if let path = unix.path {
            LsofText.append(path, multibyte: options.multibyte, to: out)
            out.append(0x20)
        }
        out.append("type=")
        out.append(unix.typeName)
    }

    /// Appends `local->peer` as lsof writes it; returns false when neither end is known.
    @discardableResult
    private func appendAddresses(_ socket: LsofSocket) -> Bool {
        let ends = socket.ends
        if let local = ends.local { appendEnd(local, socket.netid) }
        if let peer = ends.peer {
            out.append("->")
            appendEnd(peer, socket.netid)
        }
        return ends.local != nil || ends.peer != nil
    }

    private func appendEnd(_ end: InetEndpoint, _ netid: NetID) {
        if end.address.isUnspecified {
            out.append(0x2A)
        } else if let name = options.names.hosts?[end.address] {
            LsofText.append(name, multibyte: options.multibyte, to: out)
        } else if end.address.family == .inet6 {
            out.append(0x5B)
            out.append(address: end.address)
            out.append(0x5D)
        } else {
            out.append(address: end.address)
        }
        out.append(0x3A)
        if end.port == 0 {
            out.append(0x2A)
        } else if let service = options.names.service(end.port, netid) {
            LsofText.append(service, multibyte: options.multibyte, to: out)
        } else {
            out.append(decimal: end.port)
        }
    }

    // MARK: - -t and -F

    private func writePIDs() throws {
        var last: Int32?
        for row in sortedRows where row.pid != last {
            last = row.pid
            out.append(decimal: row.pid)
            out.append(0x0A)
            try out.flushIfFull()
        }
    }

    private func writeFields() throws {
        let fields = options.fields
        let terminator: UInt8 = options.nulTerminated ? 0 : 0x0A
        var last: Int32?
        for row in sortedRows {
            if row.pid != last {
                last = row.pid
                let process = processes[Int(row.process)]
                out.append(0x70)
                out.append(decimal: row.pid)
                out.append(terminator)
                if fields.contains(.command) {
                    out.append(0x63)
                    LsofText.append(Self.commandText(process.command), multibyte: options.multibyte, to: out)
                    out.append(terminator)
                }
                if fields.contains(.uid) {
                    out.append(0x75)
                    out.append(decimal: process.owner.uid)
                    out.append(terminator)
                }
                if fields.contains(.login), let login = process.owner.login {
                    out.append(0x4C)
                    out.append(login)
                    out.append(terminator)
                }
                if options.nulTerminated { out.append(0x0A) }
            }
            let socket = try socket(of: row)
            func field(_ id: UInt8, _ value: String) {
                out.append(id)
                out.append(value)
                out.append(terminator)
            }
            if fields.contains(.fd) { field(0x66, Self.fdText(row.fd).drop { $0 == " " }.description) }
            if fields.contains(.access) { field(0x61, "u") }
            if fields.contains(.lock) { field(0x6C, " ") }
            if fields.contains(.type) { field(0x74, socket.typeName) }
            if fields.contains(.device) { field(0x64, socket.deviceText) }
            if fields.contains(.offset) { field(0x6F, "0t0") }
            if let unix = socket.unix {
                // A UNIX socket has an inode (i) and no protocol (P), and only its state in T.
                if fields.contains(.inode) {
                    out.append(0x69)
                    out.append(decimal: socket.inode)
                    out.append(terminator)
                }
                if fields.contains(.name) {
                    out.append(0x6E)
                    appendUnixName(unix)
                    out.append(terminator)
                }
                if fields.contains(.tcpInfo) && options.tcpState { field(0x54, "ST=" + unix.stateName) }
                if options.nulTerminated { out.append(0x0A) }
                try out.flushIfFull()
                continue
            }
            if fields.contains(.protocolName) { field(0x50, socket.protocolName) }
            if fields.contains(.name) {
                out.append(0x6E)
                appendAddresses(socket)
                out.append(terminator)
            }
            if fields.contains(.tcpInfo) {
                if options.tcpState && socket.netid == .tcp { field(0x54, "ST=" + Self.stateName(socket.state)) }
                if options.tcpQueues {
                    field(0x54, "QR=\(socket.receiveQueue)")
                    field(0x54, "QS=\(socket.sendQueue)")
                }
            }
            if options.nulTerminated { out.append(0x0A) }
            try out.flushIfFull()
        }
    }

    // MARK: - Cells

    /// lsof's FD text: `%4d` below 10000, then `*` and the last three digits (its 4.95 format).
    static func fdText(_ fd: Int32) -> String {
        if fd < 10000 {
            let digits = String(fd)
            return String(repeating: " ", count: max(0, 4 - digits.utf8.count)) + digits
        }
        let last = String(fd % 1000)
        return "*" + String(repeating: "0", count: 3 - last.utf8.count) + last
    }

    /// The USER column: the login name, or the uid right-aligned in 8 columns as lsof prints unknown ones.
    static func userText(_ owner: LsofOwner) -> String {
        if let login = owner.login { return login }
        let digits = String(owner.uid)
        return String(repeating: " ", count: max(0, 8 - digits.utf8.count)) + digits
    }

    static func commandText(_ command: String) -> String { command.isEmpty ? "(unknown)" : command }

    /// lsof's name for a TCP state (Linux's `TCP_*` names, as in /proc/net/tcp).
    static func stateName(_ state: SocketState) -> String {
        state == .newSynRecv ? "UNKNOWN_TCP_STATE_12" : state.netstatName
    }

    static func digits(_ value: UInt64) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }
}
