import SockDiag
import SockPipeline

/// Renders the netstat-like table: `Proto Recv-Q Send-Q Local Address Foreign Address State …`.
///
/// The first `window` rows (fewer when they pass `stageLimit` bytes: `-i` detail lines are long) are staged to
/// measure the column widths, so a listing of up to that many sockets is aligned exactly; later rows are
/// written straight to the output with those widths, and a wider cell widens its column from that row on.
/// Addresses are never truncated. `-i`/`-m` details go on an indented second line.
public final class TableRenderer: SocketSink {
    enum Column: CaseIterable {
        case netns, proto, recvQ, sendQ, local, peer, state, user, inode, cookie, timer, options, cgroup, container, process

        var title: StaticString {
            switch self {
            case .netns: "NETNS"
            case .proto: "Proto"
            case .recvQ: "Recv-Q"
            case .sendQ: "Send-Q"
            case .local: "Local Address"
            case .peer: "Foreign Address"
            case .state: "State"
            case .user: "User"
            case .inode: "Inode"
            case .cookie: "Cookie"
            case .timer: "Timer"
            case .options: "Options"
            case .cgroup: "Cgroup"
            case .container: "Container"
            case .process: "PID/Program"
            }
        }

        var rightAligned: Bool {
            switch self {
            case .recvQ, .sendQ, .user, .inode, .cookie: true
            default: false
            }
        }
    }

    let out: OutputBuffer
    let options: RenderOptions
    let columns: [Column]
    let window: Int
    private var widths: [Int]
    private var headerWritten = false
    private let cgroupCells = CgroupCells()
    /// Staged cells: every row has `columns.count` cells and one detail cell.
    private let stage = OutputBuffer(fd: nil)
    private var cellEnds: [Int] = []
    /// Staged bytes at most: 4,096 rows with `-i` details are ~2 MiB, which the peak RSS would carry.
    static let stageLimit = 512 * 1024

    public init(out: OutputBuffer, options: RenderOptions, window: Int = 4096) {
        self.out = out
        self.options = options
        self.window = window
        var columns: [Column] = [.proto, .recvQ, .sendQ, .local, .peer, .state]
        if options.namespaces != nil { columns.insert(.netns, at: 0) }
        if options.extended { columns += [.user, .inode, .cookie] }
        if options.timers { columns.append(.timer) }
        if options.socketOptions { columns.append(.options) }
        if options.cgroups { columns.append(.cgroup) }
        if options.containers { columns.append(.container) }
        if options.processes { columns.append(.process) }
        self.columns = columns
        widths = columns.map { $0.title.utf8CodeUnitCount }
        cellEnds.reserveCapacity(window * (columns.count + 1))
    }

    public func render(_ record: borrowing SocketRecord, _ socket: borrowing SocketJoin) throws {
        if headerWritten { return try renderDirect(record, socket) }
        for column in columns {
            appendCell(column, record, socket, to: stage)
            cellEnds.append(stage.count)
        }
        if options.info || options.memory { _ = DetailLine.append(record, options: options, to: stage) }
        cellEnds.append(stage.count)
        if cellEnds.count >= window * (columns.count + 1) || stage.count >= Self.stageLimit { try emitStaged() }
    }

    /// After the first window the widths are set: left-aligned cells go straight to the output and are
    /// padded after; a wider cell widens its column for the rows that follow.
    private func renderDirect(_ record: borrowing SocketRecord, _ socket: borrowing SocketJoin) throws {
        for (c, column) in columns.enumerated() {
            let last = c == columns.count - 1
            if column.rightAligned {
                stage.reset()
                appendCell(column, record, socket, to: stage)
                stage.withUnsafeBytes { writePadded($0, column: c) }
                continue
            }
            let start = out.count
            appendCell(column, record, socket, to: out)
            let length = out.count - start
            if length > widths[c] { widths[c] = length }
            if !last {
                out.appendSpaces(widths[c] - length)
                out.append(0x20)
            }
        }
        out.append(0x0A)
        if options.info || options.memory {
            out.append(0x09)
            let start = out.count
            if DetailLine.append(record, options: options, to: out) {
                out.append(0x0A)
            } else {
                out.reset(to: start - 1)  // nothing to say: no detail line, and no tab
            }
        }
        try out.flushIfFull()
    }

    public func finish() throws {
        try emitStaged()
        try out.flush()
    }

    // MARK: - Cells

    private func appendCell(
        _ column: Column, _ record: borrowing SocketRecord, _ socket: borrowing SocketJoin, to stage: OutputBuffer
    ) {
        switch column {
        case .netns: stage.append(netns: record.netns, from: options.namespaces ?? NamespaceTable([]))
        case .proto: stage.append(netidOf: record)
        case .recvQ: stage.append(decimal: UInt64(record.recvQ))
        case .sendQ: stage.append(decimal: UInt64(record.sendQ))
        case .local:
            if record.netid.isInet {
                if let names = options.names {
                    stage.append(endpoint: record.local, netid: record.netid, names: names)
                } else {
                    stage.append(endpoint: record.local)
                }
            } else {
                stage.append(localOf: record, interfaces: options.interfaceNames)
            }
        case .peer:
            if !record.netid.isInet {
                stage.append(peerOf: record)
            } else if let names = options.names {
                stage.append(endpoint: record.peer, netid: record.netid, names: names)
            } else {
                stage.append(endpoint: record.peer)
            }
        case .state:
            // Unconnected UDP is "close" to the kernel; netstat leaves it blank, we say UNCONN as ss does.
            stage.append(stateOf: record)
        case .user: stage.append(decimal: UInt64(record.uid))
        case .inode: stage.append(decimal: UInt64(record.inode))
        case .cookie: stage.append(decimal: record.cookie)
        case .timer:
            stage.append(record.timer.kind.name)
            stage.append(" (")
            stage.append(fixed: UInt64(record.timer.expiresMilliseconds) / 10, scale: 2)
            stage.append(0x2F)
            stage.append(decimal: UInt64(record.timer.retransmits))
            stage.append("/0)")
        case .options:
            switch socket.options {
            case .options(let set)?: stage.append(set.isEmpty ? "-" : set.map(\.text).joined(separator: ","))
            case .unavailable(let reason)?: stage.append("?(\(reason))")
            case nil: stage.append("-")
            }
        case .cgroup: cgroupCells.append(cgroupOf: socket, to: stage)
        case .container: cgroupCells.append(containerOf: socket, to: stage)
        case .process:
            if !Self.appendHolders(of: socket, peer: false, to: stage) { stage.append(0x2D) }
            // A UNIX socket also names who holds the other end: `12/server->34/client`.
            if socket.peerHasHolders {
                stage.append("->")
                _ = Self.appendHolders(of: socket, peer: true, to: stage)
            }
        }
    }

    /// `pid/comm,pid/comm` for the processes holding the socket (or its UNIX peer); false when none does.
    static func appendHolders(of socket: borrowing SocketJoin, peer: Bool, to stage: OutputBuffer) -> Bool {
        var lastPID: Int32 = -1
        // Closure literals, passed straight on: their context stays on the stack.
        if peer {
            socket.forEachPeerHolder { appendHolder($0, after: &lastPID, to: stage) }
        } else {
            socket.forEachHolder { appendHolder($0, after: &lastPID, to: stage) }
        }
        return lastPID != -1
    }

    /// `,pid/comm` (no comma first), once per process: holders come ordered by pid.
    @inline(__always)
    private static func appendHolder(_ holder: SocketHolder, after lastPID: inout Int32, to stage: OutputBuffer) {
        guard holder.pid != lastPID else { return }
        if lastPID != -1 { stage.append(0x2C) }
        lastPID = holder.pid
        stage.append(decimal: holder.pid)
        stage.append(0x2F)
        stage.appendEscaped(holder.command)
    }

    // MARK: - Emitting

    private func emitStaged() throws {
        let perRow = columns.count + 1
        let rows = cellEnds.count / perRow
        // Widen columns to this window's widest cells (the last column is never padded).
        for row in 0..<rows {
            var start = row == 0 ? 0 : cellEnds[row * perRow - 1]
            for c in 0..<columns.count {
                let end = cellEnds[row * perRow + c]
                widths[c] = max(widths[c], end - start)
                start = end
            }
        }
        if !headerWritten {
            headerWritten = true
            if options.header { writeHeader() }
        }
        try stage.withUnsafeBytes { cells in
            for row in 0..<rows {
                var start = row == 0 ? 0 : cellEnds[row * perRow - 1]
                for c in 0..<columns.count {
                    let end = cellEnds[row * perRow + c]
                    let cell = UnsafeRawBufferPointer(rebasing: cells[start..<end])
                    writePadded(cell, column: c)
                    start = end
                }
                out.append(0x0A)
                let detailEnd = cellEnds[row * perRow + columns.count]
                if detailEnd > start {
                    out.append(0x09)
                    out.append(UnsafeRawBufferPointer(rebasing: cells[start..<detailEnd]))
                    out.append(0x0A)
                }
                try out.flushIfFull()  // the output buffer stays at its threshold, not the window's size
            }
        }
        stage.reset()
        cellEnds.removeAll(keepingCapacity: true)
        try out.flushIfFull()
    }

    private func writeHeader() {
        for (c, column) in columns.enumerated() {
            column.title.withUTF8Buffer { writePadded(UnsafeRawBufferPointer($0), column: c) }
        }
        out.append(0x0A)
    }

    private func writePadded(_ cell: UnsafeRawBufferPointer, column c: Int) {
        let last = c == columns.count - 1
        if cell.count > widths[c] { widths[c] = cell.count }
        let pad = widths[c] - cell.count
        if columns[c].rightAligned { out.appendSpaces(pad) }
        out.append(cell)
        if !columns[c].rightAligned && !last { out.appendSpaces(pad) }
        if !last { out.append(0x20) }
    }
}
