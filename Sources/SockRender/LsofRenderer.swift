import SockDiag
import SockPipeline

/// Renders lsof's output for Internet and UNIX sockets: one line per (process, descriptor), sorted by pid then
/// descriptor, in columns sized to their widest cell as lsof sizes them.
///
/// The pipeline hands rows over in lsof's order (`SocketQuery.Order.byHolder`: its selection decides which
/// holders are listed, and under which uid) after letting the renderer measure every one, so the columns are
/// sized before the first line is written and no row is kept here.
public final class LsofRenderer: SocketSink {
    let out: OutputBuffer
    let options: LsofRenderOptions
    /// Column widths, measured over every row (lsof's minimums).
    private var typeW = 4, deviceW = 6, nodeW = 4
    private var commandW = 7, pidW = 3, userW = 4, fdW = 2
    private let sizeW = 8
    private var headerWritten = false
    private var lastPID: Int32?
    private var measuredPIDs: Set<Int32> = []
    private var lastMeasuredPID: Int32 = -1
    private var userTexts: [UInt32: String] = [:]
    /// The descriptors listed.
    public private(set) var filesListed = 0

    public init(out: OutputBuffer, options: LsofRenderOptions) {
        self.out = out
        self.options = options
    }

    /// The lsof view of a row's socket, or nil for a kind lsof does not list here.
    private static func lsofSocket(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) -> LsofSocket? {
        if record.netid == .unix {
            guard let line = join.unixLine else { return nil }
            return LsofSocket(record, unix: LsofUnix(line))
        }
        return record.netid.isInet ? LsofSocket(record) : nil
    }

    /// Who a row's process is, as the USER column and the `u`/`L` fields show it.
    private static func owner(_ listed: ListedHolder) -> LsofOwner {
        LsofOwner(uid: listed.uid, login: listed.login)
    }

    public func measure(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) {
        guard let row = join.row else { return }
        // The socket's cells, by length only: TYPE is always four characters (IPv4, IPv6, unix).
        if record.netid == .unix {
            guard let line = join.unixLine else { return }
            deviceW = max(deviceW, 2 + line.address.utf8.count)  // 0x and the kernel address
            nodeW = max(nodeW, Self.digits(UInt64(record.inode)))
        } else {
            guard record.netid.isInet else { return }
            deviceW = max(deviceW, Self.digits(UInt64(record.inode)))
            nodeW = max(nodeW, LsofSocket.protocolName(record.netid).utf8.count)
        }
        fdW = max(fdW, Self.fdText(row.fd).utf8.count + 2)
        // The process's cells once per process (rows of one process mostly come together).
        guard row.pid != lastMeasuredPID else { return }
        lastMeasuredPID = row.pid
        guard measuredPIDs.insert(row.pid).inserted, let listed = join.holder else { return }
        var width = LsofText.width(Self.commandText(listed.holder.command), spaceIsUnprintable: true)
        if options.commandWidth > 0 { width = min(width, options.commandWidth) }
        commandW = max(commandW, width)
        pidW = max(pidW, Self.digits(UInt64(row.pid)))
        userW = max(userW, userText(Self.owner(listed)).utf8.count)
    }

    /// The USER cell of `owner`, made once per uid.
    private func userText(_ owner: LsofOwner) -> String {
        if let known = userTexts[owner.uid] { return known }
        let text = Self.userText(owner)
        userTexts[owner.uid] = text
        return text
    }

    public func render(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) throws {
        guard let listed = join.holder, let socket = Self.lsofSocket(record, join) else { return }
        filesListed += 1
        switch options.output {
        case .table: writeRow(socket, listed.holder, Self.owner(listed))
        case .pids: writePID(listed.holder.pid)
        case .fields: writeFields(socket, listed.holder, Self.owner(listed))
        }
        try out.flushIfFull()
    }

    public func finish() throws {
        try out.flush()
    }

    // MARK: - Table

    private func writeHeader() {
        headerWritten = true
        LsofText.appendHeader(
            LsofText.ColumnWidths(
                command: commandW, pid: pidW, user: userW, fd: fdW, type: typeW, device: deviceW, size: sizeW,
                node: nodeW),
            to: out)
    }

    private func writeRow(_ socket: LsofSocket, _ holder: SocketHolder, _ owner: LsofOwner) {
        if !headerWritten { writeHeader() }
        LsofText.appendPadded(Self.commandText(holder.command), width: commandW, spaceIsUnprintable: true, to: out)
        out.append(0x20)
        out.appendSpaces(pidW - Self.digits(UInt64(holder.pid)))
        out.append(decimal: holder.pid)
        appendRight(userText(owner), userW)
        appendRight(Self.fdText(holder.fd), fdW - 2)
        out.append("u  ")
        out.appendSpaces(typeW - 4)
        out.append(socket.typeName)
        appendRight(socket.deviceText, deviceW)
        appendRight("0t0", sizeW)
        appendRight(socket.nodeText, nodeW)
        out.append(0x20)
        appendSocketName(socket)
    }

    /// The NAME column of a socket row and what `-T` adds after it, with the newline.
    func appendSocketName(_ socket: LsofSocket) {
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
            return
        }
        let named = appendAddresses(socket)
        if options.tcpState || options.tcpQueues {
            if named { out.append(0x20) }
            appendTCPInfo(socket)
        }
        out.append(0x0A)
    }

    /// Appends a space, then `text` right-aligned in `width`.
    private func appendRight(_ text: String, _ width: Int) {
        out.append(0x20)
        out.appendSpaces(width - text.utf8.count)
        out.append(text)
    }

    /// `(ESTABLISHED)`, `(LISTEN QR=0 QS=0)`, `(QR=0 QS=0)` for UDP with `-Tq`, or nothing.
    func appendTCPInfo(_ socket: LsofSocket) {
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
    func appendUnixName(_ unix: LsofUnix) {
        if let path = unix.path {
            LsofText.append(path, multibyte: options.multibyte, to: out)
            out.append(0x20)
        }
        out.append("type=")
        out.append(unix.typeName)
    }

    /// Appends `local->peer` as lsof writes it; returns false when neither end is known.
    @discardableResult
    func appendAddresses(_ socket: LsofSocket) -> Bool {
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
        } else if let name = options.names.host(end.address) {
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

    /// `-t`: each pid once (rows come by pid).
    private func writePID(_ pid: Int32) {
        guard pid != lastPID else { return }
        lastPID = pid
        out.append(decimal: pid)
        out.append(0x0A)
    }

    private func writeFields(_ socket: LsofSocket, _ holder: SocketHolder, _ owner: LsofOwner) {
        let fields = options.fields
        let terminator: UInt8 = options.nulTerminated ? 0 : 0x0A
        if holder.pid != lastPID {
            lastPID = holder.pid
            out.append(0x70)
            out.append(decimal: holder.pid)
            out.append(terminator)
            if fields.contains(.command) {
                out.append(0x63)
                LsofText.append(Self.commandText(holder.command), multibyte: options.multibyte, to: out)
                out.append(terminator)
            }
            if fields.contains(.uid) {
                out.append(0x75)
                out.append(decimal: owner.uid)
                out.append(terminator)
            }
            if fields.contains(.login), let login = owner.login {
                out.append(0x4C)
                out.append(login)
                out.append(terminator)
            }
            if options.nulTerminated { out.append(0x0A) }
        }
        appendSocketFields(socket, fd: Self.fdText(holder.fd).drop { $0 == " " }.description, access: "u")
    }

    /// The `-F` fields of one socket descriptor (`f` to `T`), and with `-F0` the newline ending the set.
    func appendSocketFields(_ socket: LsofSocket, fd: String, access: String) {
        let fields = options.fields
        let terminator: UInt8 = options.nulTerminated ? 0 : 0x0A
        func field(_ id: UInt8, _ value: String) {
            LsofText.appendField(id, value, terminator: terminator, to: out)
        }
        if fields.contains(.fd) { field(0x66, fd) }
        if fields.contains(.access) { field(0x61, access) }
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
            return
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
