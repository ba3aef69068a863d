import CSockDiag
import Glibc
import SockDiag

/// Every file of one process as lsof reads it from `/proc/PID`: the working directory, the root directory,
/// the program, the mapped files and the descriptors, in that order.
///
/// What lsof does (its Linux `process_id` and `process_proc_map`), kept here:
/// - `cwd`, `root`, `exe` and each `fd/N` are read as links, then `stat`ed through `/proc`; a link that cannot
///   be read becomes an entry with the `/proc` path and `(readlink: …)` (for `exe`, not when root's process has
///   none: kernel threads);
/// - `maps` gives each mapped file once (by device and inode, in map order), without the program's own; a
///   mapping whose path no longer names the same file and ends in ` (deleted)` is `DEL`;
/// - a descriptor's access letter comes from its link's permission bits, its offset from `fdinfo/N`'s `pos:`;
/// - a table that cannot be listed is one `NOFD` entry with `(opendir: …)`.
///
/// A process that goes away mid-read keeps what was read; nothing here fails.
public struct ProcessFileTable: Sendable {
    public var pid: Int32
    public var files: [ProcessFileEntry] = []

    /// Reads `/proc/PID`. `uid` is the process's owner (lsof hides a missing `exe` for root's processes only).
    /// With `task`, the files of that thread (`/proc/PID/task/TID`), as lsof lists them for each thread. With
    /// `offsets`, every descriptor's offset is read, not only those of devices, pipes and sockets.
    public init(
        pid: Int32, task: Int32? = nil, uid: UInt32, procRoot: String = "/proc", locks: FileLocks? = nil,
        offsets: Bool = false
    ) {
        self.pid = pid
        let base = task.map { "\(procRoot)/\(pid)/task/\($0)" } ?? "\(procRoot)/\(pid)"
        files.reserveCapacity(32)
        files.append(Self.link(base, "cwd", slot: .cwd, reportMissing: true))
        files.append(Self.link(base, "root", slot: .rtd, reportMissing: true))
        let exe = Self.link(base, "exe", slot: .txt, reportMissing: uid != 0)
        files.append(exe)
        let program = exe.status.map { ($0.device, $0.inode) }
        readMaps(base, program: program)
        readDescriptors(base, offsets: offsets)
        if let locks {
            for i in files.indices {
                guard let status = files[i].status else { continue }
                files[i].lock = locks.lock(pid: pid, device: status.device, inode: status.inode)
            }
        }
    }

    // MARK: - cwd, rtd, txt

    private static func link(_ base: String, _ name: String, slot: ProcessFileEntry.Slot, reportMissing: Bool)
        -> ProcessFileEntry
    {
        let path = "\(base)/\(name)"
        var entry = ProcessFileEntry(slot: slot, name: path)
        guard let target = readLink(path) else {
            let code = errno
            if code != ENOENT || reportMissing { entry.note = "(readlink: \(String(cString: strerror(code))))" }
            return entry
        }
        entry.name = Self.name(target).name
        var st = stat()
        if stat(path, &st) == 0 {
            entry.status = FileStatus(st)
        } else {
            entry.note = "(stat: \(String(cString: strerror(errno))))"
        }
        return entry
    }

    /// The target of a link, as raw bytes; nil with `errno` set when it cannot be read.
    static func readLink(_ path: String, relativeTo dirfd: Int32 = AT_FDCWD) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4097)
        let n = buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { readlinkat(dirfd, path, $0.baseAddress!, 4096) }
        }
        guard n > 0 else { return nil }
        return Array(buffer[0..<n])
    }

    /// lsof's `getlinksrc`: a path is kept whole; `pipe:[N]`, `socket:[N]`, `anon_inode:[eventfd]` are cut at
    /// the colon, the part after it kept apart.
    static func name(_ target: [UInt8]) -> (name: String, rest: String?) {
        guard target.first != 0x2F, let colon = target.firstIndex(of: 0x3A) else {
            return (String(rawBytes: target), nil)
        }
        return (String(rawBytes: target[..<colon]), String(rawBytes: target[(colon + 1)...]))
    }

    // MARK: - mem

    private mutating func readMaps(_ base: String, program: (UInt64, UInt64)?) {
        guard let bytes = try? WholeFile.read("\(base)/maps") else { return }
        var seen: Set<FileIdentity> = []
        for line in bytes.split(separator: 0x0A) {
            guard let map = Self.parseMapLine(line) else { continue }
            if let program, program == (map.device, map.inode) { continue }
            guard seen.insert(FileIdentity(device: map.device, inode: map.inode)).inserted else { continue }
            var entry = ProcessFileEntry(slot: .mem, name: String(rawBytes: map.path))
            var st = stat()
            let found = map.path.withUnsafeBufferPointer { raw -> Bool in
                var path = Array(raw)
                path.append(0)
                return path.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { stat($0.baseAddress!, &st) == 0 }
                }
            }
            let code = errno
            if found && UInt64(st.st_dev) == map.device && UInt64(st.st_ino) == map.inode {
                entry.status = FileStatus(st)
            } else {
                // What the map says: the device, inode and a regular file.
                entry.status = FileStatus(
                    mode: UInt32(S_IFREG), device: map.device, rawDevice: 0, inode: map.inode, size: nil, links: nil)
                if map.deleted {
                    entry.slot = .deleted
                } else if !found {
                    entry.note = "(stat: \(String(cString: strerror(code))))"
                } else {
                    let dev = UInt64(st.st_dev)
                    let ino = UInt64(st.st_ino)
                    var note = ""
                    if dev != map.device {
                        note = "(path dev=\(FileStatus.major(dev)),\(FileStatus.minor(dev))" + (ino == map.inode ? ")" : ",")
                    } else {
                        note = "(path "
                    }
                    if ino != map.inode { note += "inode=\(ino))" }
                    entry.note = note
                }
            }
            files.append(entry)
        }
    }

    /// One line of `/proc/PID/maps`: `start-end perms offset MAJ:MIN inode path`; nil without a path or with
    /// device and inode both 0.
    static func parseMapLine(_ line: ArraySlice<UInt8>) -> (device: UInt64, inode: UInt64, path: [UInt8], deleted: Bool)? {
        var i = line.startIndex
        func word() -> ArraySlice<UInt8>? {
            while i < line.endIndex && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
            let start = i
            while i < line.endIndex && line[i] != 0x20 && line[i] != 0x09 { i += 1 }
            return start < i ? line[start..<i] : nil
        }
        guard word() != nil, word() != nil, word() != nil, let device = word(), let inodeText = word() else {
            return nil
        }
        while i < line.endIndex && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        guard i < line.endIndex else { return nil }
        var path = Array(line[i...])
        guard let colon = device.firstIndex(of: 0x3A), let major = number(device[..<colon], radix: 16),
            let minor = number(device[(colon + 1)...], radix: 16), let inode = number(inodeText, radix: 10)
        else { return nil }
        let suffix = Array(" (deleted)".utf8)
        var deleted = false
        if path.count > suffix.count && path.suffix(suffix.count).elementsEqual(suffix) {
            path.removeLast(suffix.count)
            deleted = true
        }
        let dev = FileStatus.makeDevice(major: major, minor: minor)
        if dev == 0 && inode == 0 { return nil }
        return (dev, inode, path, deleted)
    }

    /// An unsigned number in `radix` (10 or 16), without allocating; nil for anything else.
    static func number(_ digits: ArraySlice<UInt8>, radix: UInt64) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for c in digits {
            let digit: UInt64
            switch c {
            case 0x30...0x39: digit = UInt64(c - 0x30)
            case 0x61...0x66 where radix == 16: digit = UInt64(c - 0x61 + 10)
            case 0x41...0x46 where radix == 16: digit = UInt64(c - 0x41 + 10)
            default: return nil
            }
            let (times, overflow) = value.multipliedReportingOverflow(by: radix)
            guard !overflow else { return nil }
            value = times &+ digit
        }
        return value
    }

    // MARK: - Descriptors

    private mutating func readDescriptors(_ base: String, offsets: Bool) {
        let fdPath = "\(base)/fd"
        let dirfd = open(fdPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0, let dir = fdopendir(dirfd) else {
            let code = errno
            if dirfd >= 0 { close(dirfd) }
            var entry = ProcessFileEntry(slot: .noFD, name: "")
            entry.note = "\(fdPath) (opendir: \(String(cString: strerror(code))))"
            files.append(entry)
            return
        }
        defer { closedir(dir) }
        let infofd = open("\(base)/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if infofd >= 0 { close(infofd) } }
        var numbers: [Int32] = []
        while let entry = readdir(dir) {
            let number = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) { Scanner.parsePID($0) }
            }
            if let number { numbers.append(number) }
        }
        for fd in numbers {
            files.append(Self.descriptor(fd, dirfd: dirfd, fdPath: fdPath, infofd: infofd, offsets: offsets))
        }
    }

    private static func descriptor(_ fd: Int32, dirfd: Int32, fdPath: String, infofd: Int32, offsets: Bool)
        -> ProcessFileEntry
    {
        let name = String(fd)
        var entry = ProcessFileEntry(slot: .fd(fd), name: "")
        guard let target = readLink(name, relativeTo: dirfd) else {
            entry.note = "(readlink: \(String(cString: strerror(errno))))"
            entry.name = "\(fdPath)/\(name)"
            return entry
        }
        let (path, rest) = Self.name(target)
        entry.name = path
        entry.rest = rest
        var link = stat()
        if fstatat(dirfd, name, &link, AT_SYMLINK_NOFOLLOW) == 0, link.st_mode & S_IFMT == S_IFLNK {
            let bits = link.st_mode & (S_IRUSR | S_IWUSR)
            entry.access = bits == S_IRUSR ? 0x72 : bits == S_IWUSR ? 0x77 : 0x75
        }
        var st = stat()
        if fstatat(dirfd, name, &st, 0) == 0 {
            entry.status = FileStatus(st)
        } else {
            entry.note = "(stat: \(String(cString: strerror(errno))))"
        }
        if path == "anon_inode", let kind = rest, ["[eventfd]", "[eventpoll]", "[pidfd]"].contains(kind) {
            entry.rest = Self.anonymousName(kind, info: Self.info(name, infofd: infofd))
        }
        // The offset is shown for devices, pipes and sockets only: fdinfo is read for those.
        if let mode = entry.status?.mode {
            let type = mode & UInt32(S_IFMT)
            if offsets || type == UInt32(S_IFCHR) || type == UInt32(S_IFBLK) || type == UInt32(S_IFIFO)
                || type == UInt32(S_IFSOCK)
            {
                entry.offset = Self.position(name, infofd: infofd)
            }
        }
        return entry
    }

    /// The whole of `fdinfo/N`; empty when unreadable.
    static func info(_ name: String, infofd: Int32) -> [UInt8] {
        guard infofd >= 0 else { return [] }
        return (try? WholeFile.read(name, in: infofd)) ?? []
    }

    /// lsof's name for an anonymous inode it knows more of from fdinfo: `[eventfd:ID]`, `[pidfd:PID]`,
    /// `[eventpoll:FD,FD]` (the watched descriptors, ascending).
    static func anonymousName(_ kind: String, info: [UInt8]) -> String {
        var values: [Int64] = []
        let key: String
        switch kind {
        case "[eventfd]": key = "eventfd-id:"
        case "[pidfd]": key = "Pid:"
        default: key = "tfd:"
        }
        for line in info.split(separator: 0x0A) where line.starts(with: key.utf8) {
            let value = line.dropFirst(key.utf8.count).drop { $0 == 0x20 || $0 == 0x09 }.prefix { $0 != 0x20 && $0 != 0x09 }
            if let number = Int64(String(decoding: value, as: UTF8.self)) { values.append(number) }
        }
        guard !values.isEmpty else { return kind }
        let base = kind.dropLast()
        if key == "tfd:" { return base + ":" + values.sorted().map(String.init).joined(separator: ",") + "]" }
        return base + ":\(values[0])]"
    }

    /// The `pos:` of `fdinfo/N`; nil when unreadable.
    static func position(_ name: String, infofd: Int32) -> Int64? {
        guard infofd >= 0 else { return nil }
        let fd = openat(infofd, name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { raw -> Int64? in
            var n: Int
            repeat { n = read(fd, raw.baseAddress, raw.count) } while n < 0 && errno == EINTR
            guard n > 5, raw[0] == 0x70, raw[1] == 0x6F, raw[2] == 0x73, raw[3] == 0x3A else { return nil }
            var i = 4
            while i < n && (raw[i] == 0x20 || raw[i] == 0x09) { i += 1 }
            var value: Int64 = 0
            var digits = 0
            while i < n, raw[i] >= 0x30, raw[i] <= 0x39 {
                value = value &* 10 &+ Int64(raw[i] - 0x30)
                digits += 1
                i += 1
            }
            return digits > 0 ? value : nil
        }
    }

    /// The threads of `pid` other than its main one, ascending, with their command names (`task/TID/comm`).
    public static func tasks(of pid: Int32, procRoot: String = "/proc") -> [(id: Int32, command: String)] {
        guard let ids = Scanner.numericEntries(of: "\(procRoot)/\(pid)/task") else { return [] }
        let scanner = Scanner(root: "\(procRoot)/\(pid)/task")
        return ids.sorted().filter { $0 != pid }.compactMap { id in scanner.command(pid: id).map { (id, $0) } }
    }

    /// The protocol name the kernel gives a socket descriptor (`system.sockprotoname`: `TCP`, `NETLINK`…).
    public static func socketProtocol(pid: Int32, fd: Int32, procRoot: String = "/proc") -> String? {
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes {
            csd_getxattr("\(procRoot)/\(pid)/fd/\(fd)", "system.sockprotoname", $0.baseAddress, 127)
        }
        guard n >= 0 else { return nil }
        return String(rawBytes: buffer[0..<Int(n)].prefix { $0 != 0 })
    }
}

/// A device and inode: one file.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64
}

/// One file of a process (`ProcessFileTable`): what lsof shows in a row.
public struct ProcessFileEntry: Sendable {
    /// Where the process holds the file: lsof's FD column.
    public enum Slot: Sendable, Equatable {
        case cwd, rtd, txt, mem
        /// A mapped file that was deleted: lsof's `DEL`.
        case deleted
        /// The descriptor table could not be listed: lsof's `NOFD`.
        case noFD
        case fd(Int32)
    }

    public var slot: Slot
    /// The access letter (`r`, `w`, `u`), or nil when unknown (not a descriptor, or unreadable).
    public var access: UInt8?
    /// The lock (`r`, `R`, `w`, `W`) from `/proc/locks`, or nil.
    public var lock: UInt8?
    /// What `stat` says, or nil when it failed.
    public var status: FileStatus?
    /// The descriptor's offset (`fdinfo`'s `pos:`), read for devices, pipes and sockets.
    public var offset: Int64?
    /// The path, or the link's kind (`pipe`, `socket`, `anon_inode`), or the `/proc` path when unreadable.
    public var name: String
    /// After the colon of a link that is not a path: `[eventfd:9]`, `[12345]`.
    public var rest: String?
    /// What went wrong, as lsof appends it to NAME: `(readlink: Permission denied)`.
    public var note: String?

    public init(slot: Slot, name: String) {
        self.slot = slot
        self.name = name
    }

    public var isSocket: Bool { status.map { $0.mode & UInt32(S_IFMT) == UInt32(S_IFSOCK) } ?? false }
}

/// What `stat` gives of a file that lsof prints.
public struct FileStatus: Sendable {
    public var mode: UInt32
    public var device: UInt64
    public var rawDevice: UInt64
    public var inode: UInt64
    /// nil for a mapped file known only from its map line.
    public var size: Int64?
    public var links: UInt64?

    public init(mode: UInt32, device: UInt64, rawDevice: UInt64, inode: UInt64, size: Int64?, links: UInt64?) {
        self.mode = mode
        self.device = device
        self.rawDevice = rawDevice
        self.inode = inode
        self.size = size
        self.links = links
    }

    init(_ st: stat) {
        self.init(
            mode: st.st_mode, device: UInt64(st.st_dev), rawDevice: UInt64(st.st_rdev), inode: UInt64(st.st_ino),
            size: Int64(st.st_size), links: UInt64(st.st_nlink))
    }

    /// glibc's `gnu_dev_major`.
    public static func major(_ dev: UInt64) -> UInt64 { ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF)) }
    /// glibc's `gnu_dev_minor`.
    public static func minor(_ dev: UInt64) -> UInt64 { (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF)) }
    /// glibc's `gnu_dev_makedev`.
    public static func makeDevice(major: UInt64, minor: UInt64) -> UInt64 {
        ((major & 0xFFFF_F000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFF_FF00) << 12) | (minor & 0xFF)
    }
}
