import Glibc

/// One open file descriptor of a process, as `fstat` of its /proc link and `/proc/PID/fdinfo` describe it.
public struct OpenFile: Sendable {
    public var fd: Int32
    /// `st_mode` of what the descriptor refers to.
    public var mode: UInt32
    public var device: UInt64
    public var specialDevice: UInt64
    public var inode: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var size: Int64
    /// The open flags from fdinfo (`O_RDWR|O_NONBLOCK…`), nil when fdinfo was unreadable.
    public var flags: UInt32?
    /// The link target: a path, `socket:[N]`, `pipe:[N]`, `anon_inode:[eventfd]`.
    public var target: String

    /// The file type, named as Solaris pfiles names it (`S_IFSOCK`…).
    public var typeName: String {
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFREG): "S_IFREG"
        case UInt32(S_IFSOCK): "S_IFSOCK"
        case UInt32(S_IFCHR): "S_IFCHR"
        case UInt32(S_IFBLK): "S_IFBLK"
        case UInt32(S_IFDIR): "S_IFDIR"
        case UInt32(S_IFIFO): "S_IFIFO"
        case UInt32(S_IFLNK): "S_IFLNK"
        default: "S_IFUNKNOWN"
        }
    }

    public var isSocket: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFSOCK) }

    /// Open flags as `O_RDWR|O_NONBLOCK|O_CLOEXEC`, in the kernel's bit order after the access mode.
    public static func describe(flags: UInt32) -> String {
        var names: [String] = []
        switch flags & 3 {
        case 0: names.append("O_RDONLY")
        case 1: names.append("O_WRONLY")
        case 2: names.append("O_RDWR")
        default: names.append("O_ACCMODE")
        }
        // Octal values from <asm-generic/fcntl.h>; O_LARGEFILE is what 64-bit kernels set on every file.
        let bits: [(UInt32, String)] = [
            (0o2000, "O_APPEND"), (0o4000, "O_NONBLOCK"), (0o10000, "O_DSYNC"), (0o20000, "O_ASYNC"),
            (0o40000, "O_DIRECT"), (0o100000, "O_LARGEFILE"), (0o200000, "O_DIRECTORY"), (0o400000, "O_NOFOLLOW"),
            (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"), (0o4000000, "__O_SYNC"), (0o10000000, "O_PATH"),
            (0o20000000, "__O_TMPFILE"),
        ]
        for (bit, name) in bits where flags & bit != 0 { names.append(name) }
        return names.joined(separator: "|")
    }
}

/// A process as pfiles heads it: its command line, its fd limit and its descriptors.
public struct ProcessFiles: Sendable {
    public var pid: Int32
    public var commandLine: String
    /// The soft `RLIMIT_NOFILE` from /proc/PID/limits.
    public var openFileLimit: String?
    public var files: [OpenFile]

    /// Reads `/proc/PID`; throws the errno when the process cannot be read at all.
    public init(pid: Int32, procRoot: String = "/proc") throws(ProcessFilesError) {
        self.pid = pid
        let base = "\(procRoot)/\(pid)"
        guard access(base, F_OK) == 0 else { throw .noSuchProcess(pid) }
        commandLine = (try? WholeFile.read("\(base)/cmdline")).map { raw in
            String(decoding: Array(raw.split(separator: 0).joined(separator: [0x20])), as: UTF8.self)
        } ?? ""
        openFileLimit = (try? WholeFile.read("\(base)/limits")).flatMap { raw in
            String(decoding: raw, as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("Max open files") }?
                .split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first.map(String.init)
        }
        guard let fds = Scanner.numericEntries(of: "\(base)/fd") else {
            throw errno == ENOENT ? .noSuchProcess(pid) : .notReadable(pid, errno)
        }
        files = fds.sorted().compactMap { Self.file(base: base, fd: $0) }
    }

    private static func file(base: String, fd: Int32) -> OpenFile? {
        var st = stat()
        // stat follows the link to the open file itself (a socket's inode, a pipe's…).
        guard stat("\(base)/fd/\(fd)", &st) == 0 else { return nil }
        var link = [CChar](repeating: 0, count: 4097)
        let n = readlink("\(base)/fd/\(fd)", &link, 4096)
        let target = n > 0 ? String(decoding: link[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        var flags: UInt32?
        if let info = try? WholeFile.read("\(base)/fdinfo/\(fd)") {
            let text = String(decoding: info, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }) {
                flags = UInt32(line.dropFirst(6).trimmingPrefix(while: { $0 == "\t" || $0 == " " }), radix: 8)
            }
        }
        return OpenFile(
            fd: fd, mode: st.st_mode, device: UInt64(st.st_dev), specialDevice: UInt64(st.st_rdev),
            inode: UInt64(st.st_ino), uid: st.st_uid, gid: st.st_gid, size: Int64(st.st_size), flags: flags,
            target: target)
    }
}

/// Why a process's files could not be listed.
public enum ProcessFilesError: Error, Equatable, CustomStringConvertible {
    case noSuchProcess(Int32)
    case notReadable(Int32, Int32)

    public var description: String {
        switch self {
        case let .noSuchProcess(pid): "no process with pid \(pid)"
        case let .notReadable(pid, code): "cannot read the descriptors of pid \(pid): \(String(cString: strerror(code)))"
        }
    }
}
