import Glibc

/// What lsof knows of a process besides its descriptors: its uid (the owner of `/proc/PID`, as lsof takes
/// it) and that uid's login name, each looked up once.
///
/// The process index (ProcIndex) has pids, descriptors and command names but no uids; this fills the gap
/// for the USER column, `-u` and the `u`/`L` fields.
final class LsofProcesses {
    let root: String
    private var uids: [Int32: UInt32] = [:]
    private var logins: [UInt32: String?] = [:]

    init(root: String = "/proc") {
        self.root = root
    }

    /// The uid owning the process; nil when it is gone.
    func uid(of pid: Int32) -> UInt32? {
        if let known = uids[pid] { return known }
        var st = stat()
        guard stat("\(root)/\(pid)", &st) == 0 else { return nil }
        uids[pid] = st.st_uid
        return st.st_uid
    }

    /// The login name of `uid`; nil when the password database has none.
    func login(of uid: UInt32) -> String? {
        if let known = logins[uid] { return known }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let name: String? = buffer.withUnsafeMutableBufferPointer { raw in
            guard let base = raw.baseAddress, getpwuid_r(uid, &entry, base, raw.count, &result) == 0,
                result != nil, let name = entry.pw_name
            else { return nil }
            return String(cString: name)
        }
        logins[uid] = name
        return name
    }

    /// The command name from `/proc/PID/comm`, without its newline; nil when unreadable.
    func command(of pid: Int32) -> String? {
        let fd = open("\(root)/\(pid)/comm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        var end = n
        if buffer[end - 1] == 0x0A { end -= 1 }
        return String(decoding: buffer[0..<end], as: UTF8.self)
    }

    /// Whether `/proc/PID` exists.
    func exists(_ pid: Int32) -> Bool { access("\(root)/\(pid)", F_OK) == 0 }

    /// Every pid in /proc, ascending.
    func allPIDs() -> [Int32] {
        guard let dir = opendir(root) else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if let pid = Int32(name), pid > 0 { pids.append(pid) }
        }
        return pids.sorted()
    }
}
