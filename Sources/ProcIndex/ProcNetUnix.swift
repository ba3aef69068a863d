import SockDiag

/// `/proc/net/unix` of sockwatch's network namespace, by inode: the reference counts, flags and kernel addresses
/// netstat -x and lsof -U print, which sock_diag does not report (see `ProcNetUnixLine`).
///
/// Only the netstat and lsof dialects read it, and only to join those columns to the sockets sock_diag listed:
/// the sockets themselves (which exist, their names, types, states, owners) still come from the `unix_diag`
/// dump. The table is read on the first lookup, after the dump, and read once more on the first inode it lacks
/// (a socket opened since); a socket still missing then has been closed, and is not shown, as netstat and lsof
/// (which read this file) would not show it.
public final class ProcNetUnix {
    private let path: String
    private var lines: [UInt32: ProcNetUnixLine]?
    private var pending: [ProcNetUnixLine] = []
    private var reloaded = false
    /// False when the file could not be read at all.
    public private(set) var readable = true

    public init(path: String = "/proc/self/net/unix") {
        self.path = path
    }

    /// The line of the socket with `inode`, or nil.
    public func line(inode: UInt32) -> ProcNetUnixLine? {
        if lines == nil { load() }
        if let line = lines?[inode] { return line }
        guard !reloaded else { return nil }
        reloaded = true
        load()
        return lines?[inode]
    }

    /// The sockets with inode 0: connections the kernel made for a listener that the server has not accepted
    /// yet. sock_diag never reports them; netstat lists them as CONNECTING.
    public var unaccepted: [ProcNetUnixLine] {
        if lines == nil { load() }
        return pending
    }

    private func load() {
        guard let text = try? WholeFile.read(path) else {
            readable = false
            lines = [:]
            return
        }
        var table: [UInt32: ProcNetUnixLine] = [:]
        pending = []
        for line in text.split(separator: 0x0A).dropFirst() {
            guard let parsed = Self.parse(line) else { continue }
            if parsed.inode == 0 { pending.append(parsed) } else { table[parsed.inode] = parsed }
        }
        lines = table
    }

    /// Parses `Num: RefCount Protocol Flags Type St Inode[ Path]` (`unix_seq_show`); nil for any other shape.
    public static func parse(_ line: ArraySlice<UInt8>) -> ProcNetUnixLine? {
        var i = line.startIndex
        /// The next blank-separated word.
        func word() -> ArraySlice<UInt8>? {
            while i < line.endIndex && line[i] == 0x20 { i += 1 }
            let start = i
            while i < line.endIndex && line[i] != 0x20 { i += 1 }
            return start < i ? line[start..<i] : nil
        }
        guard let num = word(), num.last == 0x3A,
            let refCount = word().flatMap({ UInt32(hex: $0) }), word() != nil,
            let flags = word().flatMap({ UInt32(hex: $0) }), let type = word().flatMap({ UInt16(hex: $0) }),
            let state = word().flatMap({ UInt8(hex: $0) }), let inodeText = word(),
            let inode = UInt32(String(decoding: inodeText, as: UTF8.self))
        else { return nil }
        // One space, then the name to the end of the line (it may hold spaces).
        let path = i < line.endIndex ? Array(line[(i + 1)...]) : nil
        return ProcNetUnixLine(
            address: String(decoding: num.dropLast(), as: UTF8.self), refCount: refCount, flags: flags, type: type,
            socketState: state, inode: inode, path: path?.isEmpty == true ? nil : path)
    }
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// Parses hex digits, as `/proc/net` files print numbers; nil for anything else.
    init?(hex digits: ArraySlice<UInt8>) {
        guard let value = Self(String(decoding: digits, as: UTF8.self), radix: 16) else { return nil }
        self = value
    }
}
