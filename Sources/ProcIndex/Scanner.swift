import Glibc
import CSockDiag
import SockDiag

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
    enum Access: Equatable {
        case read
        /// Access was refused (EACCES, EPERM): another user's process, without privilege.
        case denied
        /// The process went away (ENOENT, ESRCH) or the table could not be listed.
        case gone
        /// This process had no descriptor left to open the table with (EMFILE, ENFILE).
        case exhausted
        /// Nothing read: the table holds `count` descriptors, more than the caller wants read as one piece.
        case large(count: Int)
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

    /// Numbers in a row found closed before a range stops reading by number and lists the directory instead.
    static let probeMisses = 64

    /// Calls `body(fd, inode)` for each socket descriptor of `pid` numbered in `fds`.
    ///
    /// A bounded range (a cut of a large process's table) is read by number first: a process's descriptors are
    /// numbered lowest-free first, so the range is dense, and `readlinkat` on each number finds the entry
    /// without listing the directory (listing costs as much again per entry). After `probeMisses` closed
    /// numbers in a row, the rest of the range is listed.
    ///
    /// With `splitAbove`, a whole table (`fds` unbounded) of more descriptors than that is not read: the
    /// answer is `.large(count)`, for the caller to cut into ranges. The count is the size of the open
    /// `/proc/PID/fd` (Linux 6.2+; 0 before, and then every table is read whole); only under `/proc`, since
    /// ranges rely on procfs's directory positions being descriptor numbers.
    /// With `others`, every other open descriptor is reported too, with inode 0.
    func forEachSocket(
        pid: Int32, fds: Range<Int32> = 0..<Int32.max, splitAbove: Int? = nil, others: Bool = false,
        _ body: (Int32, UInt64) -> Void
    ) -> Access {
        let dirfd = open("\(root)/\(pid)/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { return Self.access(failedWith: errno) }
        if let splitAbove, fds == 0..<Int32.max, root == "/proc" {
            var st = stat()
            if fstat(dirfd, &st) == 0, Int(st.st_size) > splitAbove {
                close(dirfd)
                return .large(count: Int(st.st_size))
            }
        }
        var link = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        /// A link was refused while the table could be listed: its sockets are unknown (see `refusedLinksAreDenied`).
        var refused = false
        /// Reads the link `name` (NUL-terminated) and hands a socket's inode to `body`; false when not open.
        func read(_ fd: Int32, _ name: UnsafePointer<CChar>) -> Bool {
            withUnsafeMutableBytes(of: &link) { buf in
                let n = readlinkat(dirfd, name, buf.baseAddress!.assumingMemoryBound(to: CChar.self), buf.count)
                if n < 0 && (errno == EACCES || errno == EPERM) && Self.refusedLinksAreDenied { refused = true }
                guard n > 0 else { return false }
                if let inode = Self.socketInode(UnsafeRawBufferPointer(rebasing: buf[0..<n])) {
                    body(fd, inode)
                } else if others {
                    body(fd, 0)
                }
                return true
            }
        }

        var next = fds.lowerBound
        if fds.upperBound < Int32.max {
            var number = (UInt64(0), UInt64(0))  // a decimal Int32 and its NUL
            var misses = 0
            while next < fds.upperBound && misses < Self.probeMisses {
                let open = withUnsafeMutableBytes(of: &number) { digits in
                    Self.writeDecimal(next, into: digits)
                    return read(next, digits.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                misses = open ? 0 : misses + 1
                next += 1
            }
            if next >= fds.upperBound {
                close(dirfd)
                return refused ? .denied : .read
            }
        }

        guard let dir = fdopendir(dirfd) else {
            close(dirfd)
            return .gone
        }
        defer { closedir(dir) }
        // /proc/PID/fd lists descriptors in ascending order, at position fd + 2 (after "." and ".."): a range
        // starts with a seek.
        if next > 0 { seekdir(dir, Int(next) + 2) }
        var readAny = false
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                // An error while listing: the process went away; keep what was read.
                if refused { return .denied }
                return readAny || errno == 0 ? .read : .gone
            }
            readAny = true
            let past = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: UInt8.self, capacity: 256) { name -> Bool in
                    guard let fd = Self.parsePID(name), fd >= next else { return false }
                    guard fd < fds.upperBound else { return true }
                    _ = name.withMemoryRebound(to: CChar.self, capacity: 256) { read(fd, $0) }
                    return false
                }
            }
            if past { return refused ? .denied : .read }
        }
    }

    /// Whether a refused `readlink` in a table that could be listed counts as a process not read.
    ///
    /// Listing another user's `/proc/PID/fd` needs CAP_DAC_READ_SEARCH; reading its links needs ptrace read
    /// access, which CAP_SYS_PTRACE gives. Without CAP_SYS_PTRACE in our effective set a refusal is that
    /// missing capability, and the process's owners are unknown: it is counted, so a note says so. With it, a
    /// refusal is one no capability lifts (a process of another user namespace, a security module's rule, a
    /// sandbox's init) and is not reported on every run.
    static let refusedLinksAreDenied: Bool = !effectiveCapabilities().contains(bit: 19)  // CAP_SYS_PTRACE

    /// This thread's effective capabilities (`capget`; all set when it fails: nothing is then reported that
    /// might not be ours).
    static func effectiveCapabilities() -> CapabilitySet {
        var bits: UInt64 = 0
        return csd_effective_capabilities(&bits) == 0 ? CapabilitySet(bits: bits) : CapabilitySet(bits: ~0)
    }

    /// A capability set: bit N is capability N (`capability.h`).
    struct CapabilitySet {
        var bits: UInt64

        func contains(bit: Int) -> Bool { bits & (1 << UInt64(bit)) != 0 }
    }

    /// What one descriptor of an open `/proc/PID/fd` (`dirfd`) is: a socket's inode, 0 for another file, nil
    /// when the number is not open.
    static func descriptor(_ fd: Int32, in dirfd: Int32) -> UInt64? {
        var number = (UInt64(0), UInt64(0))
        var link = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &number) { digits in
            writeDecimal(fd, into: digits)
            return withUnsafeMutableBytes(of: &link) { buf -> UInt64? in
                let n = readlinkat(
                    dirfd, digits.baseAddress!.assumingMemoryBound(to: CChar.self),
                    buf.baseAddress!.assumingMemoryBound(to: CChar.self), buf.count)
                guard n > 0 else { return nil }
                return socketInode(UnsafeRawBufferPointer(rebasing: buf[0..<n])) ?? 0
            }
        }
    }

    /// How many descriptors `pid` has open: the size of its `/proc/PID/fd` (Linux 6.2+; 0 before); nil when
    /// the process is gone.
    func descriptorCount(pid: Int32) -> Int? {
        var st = stat()
        return stat("\(root)/\(pid)/fd", &st) == 0 ? Int(st.st_size) : nil
    }

    /// What a failed open of a process's table means.
    static func access(failedWith error: Int32) -> Access {
        switch error {
        case EACCES, EPERM: .denied
        case EMFILE, ENFILE: .exhausted
        default: .gone
        }
    }

    /// Writes `value` (not negative) in decimal and a NUL at the start of `buffer` (12 bytes are enough).
    static func writeDecimal(_ value: Int32, into buffer: UnsafeMutableRawBufferPointer) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var v = value
        for i in stride(from: digits - 1, through: 0, by: -1) {
            buffer[i] = UInt8(48 + v % 10)
            v /= 10
        }
        buffer[digits] = 0
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
            return String(rawBytes: UnsafeRawBufferPointer(rebasing: raw[0..<end]))
        }
    }
}
