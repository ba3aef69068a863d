import SockDiag
import SockPipeline

/// Renders net-tools netstat's UNIX socket table (`netstat -x`), byte for byte.
///
/// Row layout as netstat prints it (`unix_do_one`): `%-5s %-6ld %-11s %-10s %-13s `, the inode `%-8lu`, with -p
/// ` %-20s`, then ` %s` and the name. The type, name, inode and owners come from the `unix_diag` record; RefCnt,
/// Flags and the `SS_*` state netstat derives State from exist only in `/proc/net/unix`, which the pipeline
/// joins (`SocketQuery.unixLines`).
/// netstat reads the name with `sscanf("%s")`, so it ends at the first blank; so it does here.
public final class NetstatUnixRenderer: SocketSink {
    let out: OutputBuffer
    let programs: Bool
    let listening: Bool
    let all: Bool

    /// - Parameter programs: the `PID/Program name` column, from the first holder's program the pipeline joined.
    public init(out: OutputBuffer, programs: Bool, listening: Bool, all: Bool) {
        self.out = out
        self.programs = programs
        self.listening = listening
        self.all = all
    }

    /// The heading line netstat prints before the column header.
    public static func heading(listening: Bool, all: Bool) -> String {
        if all { return "Active UNIX domain sockets (servers and established)" }
        return listening ? "Active UNIX domain sockets (only servers)" : "Active UNIX domain sockets (w/o servers)"
    }

    public func writeHeader() {
        out.append("Proto RefCnt Flags       Type       State         I-Node  ")
        if programs { out.append(" PID/Program name    ") }
        out.append(" Path\n")
    }

    public func render(_ record: borrowing SocketRecord, _ socket: borrowing SocketJoin) throws {
        guard record.netid == .unix, let line = socket.unixLine else { return }
        // netstat's own rule: -l lists the unconnected sockets that accept connections, the default the rest.
        if !all && (line.socketState == 1 && line.isListening) != listening { return }
        let name = programs ? socket.program.map(NetstatRenderer.programText) : nil
        let path = record.unix?.path.map { Array($0.utf8) }
        write(line, inode: record.inode, program: name, path: path)
        try out.flushIfFull()
    }

    /// A connection not yet accepted (inode 0), which sock_diag never reports: listed unless only listeners are.
    public func render(unaccepted line: ProcNetUnixLine) throws {
        guard !listening || all, all || !(line.socketState == 1 && line.isListening) else { return }
        write(line, inode: 0, program: nil, path: line.path)
    }

    public func finish() throws {
        try out.flush()
    }

    private func write(_ line: ProcNetUnixLine, inode: UInt32, program: String?, path: [UInt8]?) {
        out.append("unix  ")
        let start = out.count
        out.append(decimal: line.refCount)
        out.appendSpaces(6 - (out.count - start))
        out.append(0x20)
        let flags = Self.flags(line.flags)
        out.append(flags)
        out.appendSpaces(11 - flags.utf8.count)
        out.append(0x20)
        let type = Self.type(line.type)
        out.append(type)
        out.appendSpaces(10 - type.utf8.count)
        out.append(0x20)
        let state = Self.state(line)
        out.append(state)
        out.appendSpaces(13 - state.utf8.count)
        out.append(0x20)
        let inodeStart = out.count
        out.append(decimal: inode)
        out.appendSpaces(8 - (out.count - inodeStart))
        if programs {
            out.append(0x20)
            let before = out.count
            out.appendEscaped(program ?? "-")
            out.appendSpaces(20 - (out.count - before))
        }
        out.append(0x20)
        if let path {
            let word = path.prefix { !Self.isBlank($0) }
            out.appendEscaped(String(decoding: word, as: UTF8.self))
        }
        out.append(0x0A)
    }

    // MARK: - Cells

    /// `[ ]`, `[ ACC ]`, `[ ACC W N ]`.
    static func flags(_ flags: UInt32) -> String {
        var text = "[ "
        if flags & ProcNetUnixLine.acceptConnections != 0 { text += "ACC " }
        if flags & ProcNetUnixLine.waitData != 0 { text += "W " }
        if flags & ProcNetUnixLine.noSpace != 0 { text += "N " }
        return text + "]"
    }

    static func type(_ type: UInt16) -> String {
        switch type {
        case 1...5: ProcNetUnixLine.name(ofType: type) ?? "UNKNOWN"
        default: "UNKNOWN"
        }
    }

    /// netstat's State: from the `SS_*` state, LISTENING for an unconnected socket that accepts connections.
    static func state(_ line: ProcNetUnixLine) -> String {
        switch line.socketState {
        case 0: "FREE"
        case 1: line.isListening ? "LISTENING" : ""
        case 2: "CONNECTING"
        case 3: "CONNECTED"
        case 4: "DISCONNECTING"
        default: "UNKNOWN"
        }
    }

    /// What `sscanf`'s `%s` stops at (`isspace`).
    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
