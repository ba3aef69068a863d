import Glibc
import SockDiag
import SockPipeline

/// One listed file of a process: the entry read from `/proc/PID`, and for a socket descriptor what the join
/// found of it.
public struct LsofFile {
    /// What a socket descriptor is, as lsof names it.
    public enum Socket {
        /// An Internet or UNIX socket of sockwatch's namespace: printed as `sockwatch lsof -i`/`-U` print it.
        case known(LsofSocket)
        /// A netlink socket (TYPE `netlink`) and its protocol's name (`ROUTE`, or `unknown protocol: N`).
        case netlink(String)
        /// A raw, ICMP or packet socket, from its `/proc/net` line.
        case procNet(ProcNetSocket)
        /// Any other socket (TYPE `sock`): the kernel's protocol name (`system.sockprotoname`), if it gave one.
        case other(protocolName: String?)
    }

    public var entry: ProcessFileEntry
    public var socket: Socket?

    public init(entry: ProcessFileEntry, socket: Socket? = nil) {
        self.entry = entry
        self.socket = socket
    }
}

/// Renders lsof's listing of every file of the selected processes (lsof without `-i`): cwd, rtd, txt, mem and
/// the descriptors, in lsof's columns sized over every row, or as `-t` pids or `-F` fields.
///
/// The table needs every row measured before the first is written, as lsof does (it prints in a second
/// pass): rows are kept as their cells until `finish()`. `-t` and `-F` are written as processes come.
public final class LsofFileRenderer {
    let out: OutputBuffer
    let options: LsofRenderOptions
    /// Writes socket names, `-T` info and socket fields exactly as the socket listing does.
    private let sockets: LsofRenderer

    private var commandW = 7, pidW = 3, userW = 4, fdW = 2, typeW = 4, deviceW = 6, sizeW = 8, nodeW = 4
    /// The TID and TASKCMD columns, shown once a thread's rows are listed.
    private var tidW = 3, taskW = 7, showTasks = false
    private var processes: [(pid: Int32, task: (id: Int32, command: String)?, command: String, user: String, rows: [Row])] = []
    private var lastPID: Int32?
    private var userTexts: [UInt32: String] = [:]
    /// The files listed.
    public private(set) var filesListed = 0

    /// One table row's cells, measured; NAME is written from `name`.
    private struct Row {
        var fd: String
        var mode: (UInt8, UInt8)
        var type: String
        var device: String
        var sizeOff: String
        var node: String
        var name: Name
    }

    private enum Name {
        case text(String)
        case socket(LsofSocket)
    }

    public init(out: OutputBuffer, options: LsofRenderOptions) {
        self.out = out
        self.options = options
        sockets = LsofRenderer(out: out, options: options)
    }

    /// Takes the listed files of one process (in lsof's order: cwd, rtd, txt, mem, descriptors), or of one of
    /// its threads (`task`: its id and command name), as lsof lists them after the process's own.
    public func add(
        pid: Int32, task: (id: Int32, command: String)? = nil, command: String, owner: LsofOwner, files: [LsofFile]
    ) throws {
        guard !files.isEmpty else { return }
        filesListed += files.count
        switch options.output {
        case .pids:
            guard pid != lastPID else { break }
            lastPID = pid
            out.append(decimal: pid)
            out.append(0x0A)
        case .fields:
            writeFields(pid: pid, task: task?.id, command: command, owner: owner, files: files)
        case .table:
            measure(pid: pid, task: task, command: command, owner: owner, files: files)
        }
        try out.flushIfFull()
    }

    public func finish() throws {
        if options.output == .table && !processes.isEmpty {
            writeHeader()
            for process in processes {
                for row in process.rows {
                    write(row, pid: process.pid, task: process.task, command: process.command, user: process.user)
                    try out.flushIfFull()
                }
            }
        }
        try out.flush()
    }

    // MARK: - Cells

    /// FD text as lsof keeps it: ` cwd`, ` mem`, ` DEL`, `NOFD` (`%4s`), or the number (`%4d`).
    static func fdText(_ slot: ProcessFileEntry.Slot) -> String {
        switch slot {
        case .cwd: " cwd"
        case .rtd: " rtd"
        case .txt: " txt"
        case .mem: " mem"
        case .deleted: " DEL"
        case .noFD: "NOFD"
        case let .fd(fd): LsofRenderer.fdText(fd)
        }
    }

    /// The two characters after FD: the access letter, then the lock; `-` stands for an unknown access when
    /// there is a lock.
    static func modeCharacters(_ entry: ProcessFileEntry) -> (UInt8, UInt8) {
        let access = entry.access ?? 0x20
        let lock = entry.lock ?? 0x20
        return (lock == 0x20 ? access : access == 0x20 ? 0x2D : access, lock)
    }

    static func isDevice(_ status: FileStatus) -> Bool {
        let type = status.mode & UInt32(S_IFMT)
        return type == UInt32(S_IFCHR) || type == UInt32(S_IFBLK)
    }

    /// TYPE: lsof's name for the file's type.
    static func typeText(_ file: LsofFile) -> String {
        switch file.socket {
        case let .known(socket)?: return socket.typeName
        case .netlink?: return "netlink"
        case let .procNet(line)?:
            switch line {
            case let .raw(ipv6, _, _, _): return ipv6 ? "raw6" : "raw"
            case .icmp: return "icmp"
            case .packet: return "pack"
            }
        case .other?: return "sock"
        case nil: break
        }
        if file.entry.slot == .noFD { return "" }
        guard let status = file.entry.status else { return "unknown" }
        switch status.mode & UInt32(S_IFMT) {
        case UInt32(S_IFBLK): return "BLK"
        case UInt32(S_IFCHR): return "CHR"
        case UInt32(S_IFDIR): return "DIR"
        case UInt32(S_IFIFO): return "FIFO"
        case UInt32(S_IFREG): return "REG"
        case UInt32(S_IFLNK): return "LINK"
        case 0 where file.entry.name == "anon_inode": return "a_inode"
        default:
            let digits = String((status.mode & UInt32(S_IFMT)) >> 12 & 0xF, radix: 8)
            return String(repeating: "0", count: max(0, 4 - digits.utf8.count)) + digits
        }
    }

    static func deviceNumbers(_ dev: UInt64) -> String { "\(FileStatus.major(dev)),\(FileStatus.minor(dev))" }

    /// DEVICE: a device's own numbers, else the numbers of the device the file is on; a socket's own text.
    static func deviceText(_ file: LsofFile) -> String {
        switch file.socket {
        case let .known(socket)?: return socket.deviceText
        case .netlink?: return ""
        case let .procNet(line)?: return socketDevice(line, file) ?? ""
        case .other?: return file.entry.status.map { deviceNumbers($0.device) } ?? ""
        case nil: break
        }
        guard let status = file.entry.status else { return "" }
        return deviceNumbers(isDevice(status) ? status.rawDevice : status.device)
    }

    /// lsof's offset: `0t` and decimal digits, or hex past eight digits.
    static func offsetText(_ offset: Int64) -> String {
        let decimal = "0t\(offset)"
        return decimal.utf8.count > 10 ? "0x" + String(offset, radix: 16) : decimal
    }

    /// The offset of devices, pipes and sockets; the size of other files (lsof's `process_proc_node`). With
    /// `sizes`, no offsets; with `offsets`, the offset of every descriptor and no sizes.
    func sizeText(_ file: LsofFile) -> (size: Int64?, offset: Int64?) {
        let sizes = options.sizes == .sizes
        let offsets = options.sizes == .offsets
        if file.socket != nil { return (nil, sizes ? nil : file.entry.offset ?? 0) }
        guard let status = file.entry.status else { return (nil, nil) }
        let type = status.mode & UInt32(S_IFMT)
        if type == UInt32(S_IFCHR) || type == UInt32(S_IFBLK) || type == UInt32(S_IFIFO) {
            return (nil, sizes ? nil : file.entry.offset)
        }
        if offsets { return (nil, file.entry.offset) }
        return (status.size, nil)
    }

    func sizeOffText(_ file: LsofFile) -> String {
        let (size, offset) = sizeText(file)
        if let size { return String(size) }
        if let offset { return Self.offsetText(offset) }
        return ""
    }

    /// A packet socket's DEVICE: its inode (lsof's stand-in for an address); nil for the other lines.
    static func socketDevice(_ line: ProcNetSocket, _ file: LsofFile) -> String? {
        guard case .packet = line else { return nil }
        return file.entry.status.map { String($0.inode) }
    }

    /// A packet socket's NODE: lsof's name for its protocol (`ALL`, `IP`…) or its number.
    static func packetProtocol(_ line: ProcNetSocket) -> String? {
        guard case let .packet(_, number) = line else { return nil }
        switch number {
        case 0x0001: return "802.3"
        case 0x0002: return "AX25"
        case 0x0003: return "ALL"
        case 0x0004: return "802.2"
        case 0x0005: return "SNAP"
        case 0x0060: return "LOOP"
        case 0x0800: return "IP"
        case 0x0806: return "ARP"
        case 0x8035: return "RARP"
        case 0x8100: return "8021Q"
        case 0x86DD: return "IPV6"
        case 0x8809: return "SLOW"
        default: return String(number)
        }
    }

    static func nodeText(_ file: LsofFile) -> String {
        if case let .known(socket)? = file.socket { return socket.nodeText }
        if case let .procNet(line)? = file.socket, let name = packetProtocol(line) { return name }
        return file.entry.status.map { String($0.inode) } ?? ""
    }

    /// NAME for what is not an Internet or UNIX socket: the path (an anonymous inode's kind), and what went
    /// wrong reading it.
    static func nameText(_ file: LsofFile) -> String {
        var name: String
        switch file.socket {
        case let .netlink(text)?: name = text
        case let .procNet(line)?:
            switch line {
            case let .raw(_, local, remote, state): name = "\(local)->\(remote) st=\(state)"
            case let .icmp(local, remote): name = "\(local)->\(remote)"
            case let .packet(type, _):
                let names = [1: "STREAM", 2: "DGRAM", 3: "RAW", 4: "RDM", 5: "SEQPACKET", 10: "PACKET"]
                name = names[type].map { "type=SOCK_" + $0 } ?? "type=unknown"
            }
        case let .other(protocolName)?:
            name = protocolName.map { "protocol: " + $0 } ?? "can't identify protocol"
        default:
            let entry = file.entry
            name = entry.name
            // lsof names an anonymous inode by what follows `anon_inode:` (`[eventfd:9]`).
            if let rest = entry.rest, entry.name == "anon_inode" { name = rest }
        }
        if let note = file.entry.note { name = name.isEmpty ? note : name + " " + note }
        return name
    }

    private func userText(_ owner: LsofOwner) -> String {
        if let known = userTexts[owner.uid] { return known }
        let text = LsofRenderer.userText(owner)
        userTexts[owner.uid] = text
        return text
    }

    // MARK: - Table

    private func measure(
        pid: Int32, task: (id: Int32, command: String)?, command: String, owner: LsofOwner, files: [LsofFile]
    ) {
        if let task {
            showTasks = true
            tidW = max(tidW, LsofRenderer.digits(UInt64(task.id)))
            var width = LsofText.width(task.command, spaceIsUnprintable: true)
            if options.commandWidth > 0 { width = min(width, options.commandWidth) }
            taskW = max(taskW, width)
        }
        let commandText = LsofRenderer.commandText(command)
        var width = LsofText.width(commandText, spaceIsUnprintable: true)
        if options.commandWidth > 0 { width = min(width, options.commandWidth) }
        commandW = max(commandW, width)
        pidW = max(pidW, LsofRenderer.digits(UInt64(pid)))
        let user = userText(owner)
        userW = max(userW, user.utf8.count)
        var rows: [Row] = []
        rows.reserveCapacity(files.count)
        for file in files {
            let name: Name
            if case let .known(socket)? = file.socket { name = .socket(socket) } else { name = .text(Self.nameText(file)) }
            let row = Row(
                fd: Self.fdText(file.entry.slot), mode: Self.modeCharacters(file.entry), type: Self.typeText(file),
                device: Self.deviceText(file), sizeOff: sizeOffText(file), node: Self.nodeText(file), name: name)
            fdW = max(fdW, row.fd.utf8.count + 2)
            typeW = max(typeW, row.type.utf8.count)
            deviceW = max(deviceW, row.device.utf8.count)
            sizeW = max(sizeW, row.sizeOff.utf8.count)
            nodeW = max(nodeW, row.node.utf8.count)
            rows.append(row)
        }
        processes.append((pid, task, commandText, user, rows))
    }

    private func writeHeader() {
        LsofText.appendHeader(
            LsofText.ColumnWidths(
                command: commandW, pid: pidW, user: userW, fd: fdW, type: typeW, device: deviceW, size: sizeW,
                node: nodeW, task: showTasks ? (tidW, taskW) : nil),
            to: out)
    }

    private func write(_ row: Row, pid: Int32, task: (id: Int32, command: String)?, command: String, user: String) {
        LsofText.appendPadded(command, width: commandW, spaceIsUnprintable: true, to: out)
        out.append(0x20)
        out.appendSpaces(pidW - LsofRenderer.digits(UInt64(pid)))
        out.append(decimal: pid)
        if showTasks {
            out.append(0x20)
            if let task {
                out.appendSpaces(tidW - LsofRenderer.digits(UInt64(task.id)))
                out.append(decimal: task.id)
            } else {
                out.appendSpaces(tidW)
            }
            out.append(0x20)
            LsofText.appendPadded(task?.command ?? "", width: taskW, spaceIsUnprintable: true, to: out)
        }
        appendRight(user, userW)
        appendRight(row.fd, fdW - 2)
        out.append(row.mode.0)
        out.append(row.mode.1)
        appendRight(row.type, typeW)
        appendRight(row.device, deviceW)
        appendRight(row.sizeOff, sizeW)
        appendRight(row.node, nodeW)
        out.append(0x20)
        switch row.name {
        case let .socket(socket):
            sockets.appendSocketName(socket)
        case let .text(text):
            LsofText.append(text, multibyte: options.multibyte, to: out)
            out.append(0x0A)
        }
    }

    /// Appends a space, then `text` right-aligned in `width`.
    private func appendRight(_ text: String, _ width: Int) {
        out.append(0x20)
        out.appendSpaces(width - text.utf8.count)
        out.append(text)
    }

    // MARK: - -F

    private func writeFields(pid: Int32, task: Int32?, command: String, owner: LsofOwner, files: [LsofFile]) {
        let fields = options.fields
        let terminator: UInt8 = options.nulTerminated ? 0 : 0x0A
        func field(_ id: UInt8, _ value: String) {
            LsofText.appendField(id, value, terminator: terminator, to: out)
        }
        out.append(0x70)
        out.append(decimal: pid)
        out.append(terminator)
        if let task, fields.contains(.taskID) { field(0x4B, String(task)) }
        if fields.contains(.command) {
            out.append(0x63)
            LsofText.append(LsofRenderer.commandText(command), multibyte: options.multibyte, to: out)
            out.append(terminator)
        }
        if fields.contains(.uid) { field(0x75, String(owner.uid)) }
        if fields.contains(.login), let login = owner.login { field(0x4C, login) }
        if options.nulTerminated { out.append(0x0A) }
        for file in files {
            let entry = file.entry
            let fd = Self.fdText(entry.slot).drop { $0 == " " }.description
            let access = String(UnicodeScalar(entry.access ?? 0x20))
            if case let .known(socket)? = file.socket {
                sockets.appendSocketFields(socket, fd: fd, access: access)
                continue
            }
            if fields.contains(.fd) { field(0x66, fd) }
            if fields.contains(.access) { field(0x61, access) }
            if fields.contains(.lock) { field(0x6C, String(UnicodeScalar(entry.lock ?? 0x20))) }
            if fields.contains(.type) { field(0x74, Self.typeText(file)) }
            // Sockets lsof knows from a /proc/net line have no device number; a packet socket's DEVICE is its
            // inode (d) and its NODE the protocol (P).
            var tabled = false
            var packet: String?
            switch file.socket {
            case .netlink?: tabled = true
            case let .procNet(line)?:
                tabled = true
                packet = Self.packetProtocol(line)
            default: break
            }
            if fields.contains(.deviceNumber), !tabled, let status = entry.status {
                field(0x44, "0x" + String(status.device, radix: 16))
            }
            if fields.contains(.device), packet != nil, let status = entry.status { field(0x64, String(status.inode)) }
            let (size, offset) = sizeText(file)
            if fields.contains(.size), let size { field(0x73, String(size)) }
            if fields.contains(.offset), let offset { field(0x6F, Self.offsetText(offset)) }
            if fields.contains(.inode), packet == nil, let status = entry.status { field(0x69, String(status.inode)) }
            if fields.contains(.protocolName), let packet { field(0x50, packet) }
            if fields.contains(.linkCount), !entry.isSocket, let links = entry.status?.links {
                field(0x6B, String(links))
            }
            if fields.contains(.name) {
                out.append(0x6E)
                LsofText.append(Self.nameText(file), multibyte: options.multibyte, to: out)
                out.append(terminator)
            }
            if options.nulTerminated { out.append(0x0A) }
        }
    }
}
