import Glibc

/// Reads one process's `/proc/PID/fd` links and `/proc/PID/comm`, with no per-descriptor allocation.
struct Scanner {
    let root: String

    /// Parses a NUL-terminated decimal pid; nil for anything else (`self`, `sys`…).
    static func parsePID(_ name: UnsafePointer<UInt8>) -> Int32? {
        var value: Int32 = 0
        var i = 0
        while name[i] != 0 {
            let c = name[i]
            guard c >= 48, c <= 57, i < 10 else { return nil }
            value = value &* 10 &+ Int32(c - 48)
            i += 1
        }
        return i == 0 ? nil : value
    }

    /// Whether a process's fd table could be read.
    enum Access {
        case read
        /// Access was refused (EACCES, EPERM): another user's process, without privilege.
        case denied
        /// The process went away (ENOENT, ESRCH) or the table could not be listed.
        case gone
    }

    /// The numeric entries of a directory (pids in /proc, descriptors in /proc/PID/fd); nil when it cannot
    /// be opened, with `errno` set.
    static func numericEntries(of path: String) -> [Int32]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var numbers: [Int32] = []
        while let entry = readdir(dir) {
            let number = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) { parsePID($0) }
            }
            if let number { numbers.append(number) }
        }
        return numbers
    }

    /// How many descriptors `pid` has open: the size of `/proc/PID/fd` (Linux 6.2+); 0 when unknown, or when
    /// the root is not `/proc` (ranges rely on procfs's directory positions being descriptor numbers).
    func descriptorCount(pid: Int32) -> Int {
        var st = stat()
        guard root == "/proc", stat("\(root)/\(pid)/fd", &st) == 0 else { return 0 }
        return max(0, Int(st.st_size))
    }

    /// Calls `body(fd, inode)` for each socket descriptor of `pid` numbered in `fds`.
    func forEachSocket(pid: Int32, fds: Range<Int32> = 0..<Int32.max, _ body: (Int32, UInt64) -> Void) -> Access {
        let dirfd = open("\(root)/\(pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { return errno == EACCES || errno == EPERM ? .denied : .gone }
        guard let dir = fdopendir(dirfd) else {
            close(dirfd)
            return .gone
        }
        defer { closedir(dir) }
        // /proc/PID/fd lists descriptors in ascending order, at position fd + 2 (after "." and ".."): a range
        // starts with a seek.
        if fds.lowerBound > 0 { seekdir(dir, Int(fds.lowerBound) + 2) }
        var link = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var readAny = false
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                // An error while listing: the process went away; keep what was read.
                return readAny || errno == 0 ? .read : .gone
            }
            readAny = true
            let past = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) { name -> Bool in
                    guard let fd = Self.parsePID(name), fd >= fds.lowerBound else { return false }
                    guard fd < fds.upperBound else { return true }
                    withUnsafeMutableBytes(of: &link) { buf in
                        let n = name.withMemoryRebound(to: CChar.self, capacity: 256) {
                            readlinkat(dirfd, $0, buf.baseAddress!.assumingMemoryBound(to: CChar.self), buf.count)
                        }
                        if n > 0, let inode = Self.socketInode(UnsafeRawBufferPointer(rebasing: buf[0..<n])) {
                            body(fd, inode)
                        }
                    }
                    return false
                }
            }
            if past { return .read }
        }
    }

    /// Parses `socket:[12345]`; nil for any other link target.
    static func socketInode(_ target: UnsafeRawBufferPointer) -> UInt64? {
        // "socket:[" is 8 bytes; a number and "]" follow.
        guard target.count >= 10, target[0] == 0x73, target[6] == 0x3A, target[7] == 0x5B,
            target[target.count - 1] == 0x5D,
            target[1] == 0x6F, target[2] == 0x63, target[3] == 0x6B, target[4] == 0x65, target[5] == 0x74
        else { return nil }
        var value: UInt64 = 0
        for i in 8..<(target.count - 1) {
            let c = target[i]
            guard c >= 48, c <= 57 else { return nil }
            value = value &* 10 &+ UInt64(c - 48)
        }
        return value
    }

    /// The command name from `/proc/PID/comm`, without its trailing newline; nil when unreadable.
    func command(pid: Int32) -> String? {
        let fd = open("\(root)/\(pid)/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buf) { raw -> String? in
            let n = read(fd, raw.baseAddress, raw.count)
            guard n > 0 else { return nil }
            var end = n
            if raw[end - 1] == 0x0A { end -= 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<end]), as: UTF8.self)
        }
    }
}
