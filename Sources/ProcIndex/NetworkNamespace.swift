import CSockDiag
import Glibc
import SystemPackage

/// A network namespace: how to enter it and how to name it in a listing.
///
/// Found through /proc (`/proc/*/ns/net`) and `/run/netns`, so it lives beside the other /proc readers; the
/// kernel side takes only the opened descriptor (`DiagClient(netns:)`).
///
/// The kernel names a namespace by the inode of its nsfs file (`/proc/PID/ns/net`, or a bind mount of it under
/// `/run/netns/NAME` made by `ip netns add`).
public struct NetworkNamespace: Sendable, Hashable {
    /// The nsfs inode: the namespace's identity.
    public var inode: UInt64
    /// The `ip netns` name, when one names it.
    public var name: String?
    /// One process that lives in it, when any does.
    public var pid: Int32?
    /// A file that opens it.
    public var path: String

    public init(inode: UInt64, name: String? = nil, pid: Int32? = nil, path: String) {
        self.inode = inode
        self.name = name
        self.pid = pid
        self.path = path
    }

    /// What a row shows: the name where there is one, else `ns:INODE`.
    public var label: String { name ?? "ns:\(inode)" }

    /// Opens the namespace for `setns` (close-on-exec).
    public func open() throws -> FileDescriptor {
        try FileDescriptor.open(path, .readOnly, options: .closeOnExec)
    }

    /// The namespace the calling thread runs in (`/proc/thread-self/ns/net`: a thread may have left its
    /// process's namespace with `unshare` or `setns`).
    public static func current() throws -> NetworkNamespace {
        NetworkNamespace(inode: try inode(of: "/proc/thread-self/ns/net"), pid: getpid(), path: "/proc/thread-self/ns/net")
    }

    /// Resolves `--netns`'s argument: all digits is a pid, anything with a `/` a path, else a name in
    /// `/run/netns`. Throws `NamespaceError` with a message for the user.
    public static func resolve(_ spec: String) throws -> NetworkNamespace {
        let path: String
        var name: String?
        var pid: Int32?
        if !spec.isEmpty, spec.allSatisfy(\.isASCII), spec.allSatisfy(\.isNumber), let number = Int32(spec) {
            path = "/proc/\(number)/ns/net"
            pid = number
        } else if spec.contains("/") {
            path = spec
        } else if !spec.isEmpty, spec != ".", spec != ".." {
            path = "/run/netns/\(spec)"
            name = spec
        } else {
            throw NamespaceError("'\(spec)' names no network namespace (give a name from /run/netns, a path or a pid)")
        }
        let inode: UInt64
        do {
            inode = try Self.inode(of: path)
        } catch let error as Errno {
            // It exists but is out of reach: a failure to enter, not a name that names nothing.
            if error == .permissionDenied || error == .notPermitted {
                let what = pid != nil ? "process \(pid!)'s namespace" : name != nil ? "namespace \(name!)" : path
                throw NamespaceError("--netns \(spec): \(what) cannot be read or entered (\(error))", isDenied: true)
            }
            let what = pid != nil ? "no process \(pid!)" : name != nil ? "no namespace \(name!) in /run/netns" : "cannot open \(path)"
            throw NamespaceError("--netns \(spec): \(what) (\(error))")
        }
        var found = NetworkNamespace(inode: inode, name: name, pid: pid, path: path)
        if found.name == nil { found.name = named()[inode] }
        return found
    }

    /// Every distinct network namespace of the host: those named in `/run/netns` and those of every process,
    /// deduplicated by inode, the caller's own first. A namespace's pid is the lowest that lives in it.
    public static func all() -> [NetworkNamespace] {
        var byInode: [UInt64: NetworkNamespace] = [:]
        var order: [UInt64] = []
        func add(_ ns: NetworkNamespace) {
            if var known = byInode[ns.inode] {
                if known.name == nil { known.name = ns.name }
                if known.pid == nil || (ns.pid != nil && ns.pid! < known.pid!) { known.pid = ns.pid }
                byInode[ns.inode] = known
            } else {
                byInode[ns.inode] = ns
                order.append(ns.inode)
            }
        }
        if let own = try? current() { add(NetworkNamespace(inode: own.inode, path: own.path)) }
        for (inode, name) in named().sorted(by: { $0.value < $1.value }) {
            add(NetworkNamespace(inode: inode, name: name, path: "/run/netns/\(name)"))
        }
        for pid in ProcessNames.allPIDs() {
            let path = "/proc/\(pid)/ns/net"
            // A process may exit mid-scan, or be out of reach: skip it.
            guard let inode = try? inode(of: path) else { continue }
            add(NetworkNamespace(inode: inode, pid: pid, path: path))
        }
        return order.compactMap { byInode[$0] }
    }

    /// The namespaces `pids` live in when any of them lives outside the caller's own: the caller's first,
    /// then each other one with the lowest of `pids` in it; nil when all share the caller's (or none can be
    /// read). The sockets of a process in another namespace are only in that namespace's dump.
    public static func of(pids: [Int32], procRoot: String = "/proc") -> [NetworkNamespace]? {
        guard let own = try? current() else { return nil }
        var namespaces = [NetworkNamespace(inode: own.inode, path: own.path)]
        for pid in Set(pids).sorted() {
            let path = "\(procRoot)/\(pid)/ns/net"
            guard let inode = try? inode(of: path), !namespaces.contains(where: { $0.inode == inode }) else { continue }
            namespaces.append(NetworkNamespace(inode: inode, pid: pid, path: path))
        }
        guard namespaces.count > 1 else { return nil }
        let names = named()
        for i in namespaces.indices { namespaces[i].name = names[namespaces[i].inode] }
        return namespaces
    }

    /// The names in `/run/netns`, by namespace inode.
    static func named() -> [UInt64: String] {
        var result: [UInt64: String] = [:]
        guard let dir = opendir("/run/netns") else { return result }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            // In place: a copy of the 256-byte d_name could read past the end of readdir's buffer.
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != "..", let inode = try? inode(of: "/run/netns/\(name)") else { continue }
            if result[inode] == nil { result[inode] = name }
        }
        return result
    }

    /// The nsfs inode behind `path` (`stat` follows the `/proc/PID/ns/net` link); EINVAL when it is no namespace.
    public static func inode(of path: String) throws -> UInt64 {
        var inode: UInt64 = 0
        let rc = csd_nsfs_inode(path, &inode)
        guard rc == 0 else { throw Errno(rawValue: -rc) }
        return inode
    }
}

/// A network namespace sockwatch was asked for but cannot find or use.
public struct NamespaceError: Error, CustomStringConvertible {
    public var description: String
    /// True when the namespace exists but access was refused (EPERM, EACCES): a failure, not bad usage.
    public var isDenied: Bool
    public init(_ description: String, isDenied: Bool = false) {
        self.description = description
        self.isDenied = isDenied
    }
}
