import Glibc
import SystemPackage

/// The cgroup v2 hierarchy: where it is mounted, and each directory's id and path.
///
/// A cgroup's id is its directory's inode in the cgroup2 filesystem: what `INET_DIAG_CGROUP_ID` carries and
/// `INET_DIAG_BC_CGROUP_COND` compares. Paths are relative to the mount and begin with `/`, as `ss --cgroup`
/// prints them. The tree is walked lazily, once per generation, the first time an unknown id is asked for.
public final class CgroupTree {
    /// The cgroup2 mount point, from `/proc/self/mountinfo`; nil when the host (or this mount namespace) has
    /// none: cgroup v1 only, or a fresh /sys mounted by `ip netns exec`.
    public let mount: String?
    private var paths: [UInt64: String] = [:]
    /// The generation the tree was last walked in; `refresh()` starts a new one.
    private var walkedIn = -1
    private var generation = 0
    /// `/proc/PID/cgroup` paths read in this generation.
    private var processPaths: [Int32: String?] = [:]
    private let procRoot: String

    /// - Parameters:
    ///   - mount: the cgroup2 mount to use; nil finds it in `procRoot/self/mountinfo`.
    ///   - procRoot: where processes' `cgroup` files are read.
    public init(mount: String? = nil, procRoot: String = "/proc") {
        self.procRoot = procRoot
        self.mount = mount ?? Self.findMount(procRoot: procRoot)
    }

    /// Lets the next unknown id walk the tree again, and forgets processes' cgroups (a repeated run calls it
    /// before each run). Known ids keep their paths: the kernel never reuses a cgroup id.
    public func refresh() {
        generation += 1
        processPaths.removeAll(keepingCapacity: true)
    }

    /// The path of cgroup `id`, or nil when no directory of the mount has it (removed, or no mount).
    public func path(of id: UInt64) -> String? {
        if let known = paths[id] { return known }
        guard walkedIn != generation, mount != nil else { return nil }
        walk()
        return paths[id]
    }

    /// Every known cgroup as (id, path), after one walk of the tree in this generation.
    public func all() -> [(id: UInt64, path: String)] {
        if walkedIn != generation { walk() }
        return paths.map { ($0.key, $0.value) }
    }

    /// The id of the cgroup at `path` (relative to the mount), and with `subtree` the ids of all below it.
    public func ids(path: String, subtree: Bool) throws(CgroupError) -> [UInt64] {
        guard let mount else { throw .noMount }
        let relative = Self.normalized(path)
        let full = relative == "/" ? mount : mount + relative
        var status = stat()
        guard stat(full, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw .noSuchCgroup(relative)
        }
        let root = UInt64(status.st_ino)
        paths[root] = relative
        guard subtree else { return [root] }
        var found: [UInt64] = [root]
        Self.walk(directory: full, path: relative == "/" ? "" : relative) { id, path in
            paths[id] = path
            found.append(id)
        }
        return found
    }

    /// The `0::` line of `/proc/PID/cgroup`: the process's cgroup v2 path; nil when unreadable or absent.
    public func path(ofProcess pid: Int32) -> String? {
        if let known = processPaths[pid] { return known }
        var found: String?
        if let bytes = try? WholeFile.read("\(procRoot)/\(pid)/cgroup") {
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                let line = bytes[start..<end]
                if line.starts(with: [0x30, 0x3A, 0x3A]) {  // "0::"
                    found = String(decoding: line.dropFirst(3), as: UTF8.self)
                    break
                }
                start = end + 1
            }
        }
        processPaths[pid] = found
        return found
    }

    // MARK: - Walking

    private func walk() {
        walkedIn = generation
        guard let mount else { return }
        var status = stat()
        if stat(mount, &status) == 0 { paths[UInt64(status.st_ino)] = "/" }
        Self.walk(directory: mount, path: "") { id, path in paths[id] = path }
    }

    /// Calls `body` with each directory below `directory` (depth first), its id from `readdir`'s `d_ino` (kernfs
    /// reports the node id there) and its path. Directories that vanish mid-walk are skipped.
    private static func walk(directory: String, path: String, _ body: (UInt64, String) -> Void) {
        var stack = [(directory, path)]
        while let (directory, path) = stack.popLast() {
            guard let stream = opendir(directory) else { continue }
            while let entry = readdir(stream) {
                guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                body(UInt64(entry.pointee.d_ino), child)
                stack.append((directory + "/" + name, child))
            }
            closedir(stream)
        }
    }

    /// `path` with one leading slash and no trailing one; `/` for the root.
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return "/" + parts.joined(separator: "/")
    }

    /// The first cgroup2 mount in `procRoot/self/mountinfo`; its mount point with octal escapes decoded.
    static func findMount(procRoot: String) -> String? {
        guard let bytes = try? WholeFile.read("\(procRoot)/self/mountinfo") else { return nil }
        for line in bytes.split(separator: 0x0A) {
            let fields = line.split(separator: 0x20)
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            guard fields.count > 7, let dash = fields.firstIndex(where: { $0.elementsEqual([0x2D]) }),
                dash + 1 < fields.count, fields[dash + 1].elementsEqual(Array("cgroup2".utf8))
            else { continue }
            return unescaped(fields[4])
        }
        return nil
    }

    /// Decodes mountinfo's `\NNN` octal escapes (space, tab, newline, backslash).
    static func unescaped(_ field: ArraySlice<UInt8>) -> String {
        ByteEscapes.decode(field, marker: [0x5C], digits: 3, radix: 8)
    }
}

/// Why a cgroup named on the command line cannot be selected.
public enum CgroupError: Error, Equatable, CustomStringConvertible {
    /// No cgroup2 filesystem is mounted in this mount namespace.
    case noMount
    case noSuchCgroup(String)
    /// `--container`, `--pod` or `--unit` matched no cgroup.
    case noMatch(kind: String, name: String)

    public var description: String {
        switch self {
        case .noMount: "no cgroup2 mount (cgroup v1 only, or hidden by a fresh /sys): cgroups cannot be selected"
        case .noSuchCgroup(let path): "no cgroup \(path) in the cgroup2 mount"
        case .noMatch(let kind, let name): "no \(kind) named \(name) in the cgroup2 mount"
        }
    }
}
