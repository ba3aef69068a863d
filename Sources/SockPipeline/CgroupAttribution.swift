import Glibc
import ProcIndex
import SockDiag

/// One cgroup as rows show it: its path, what the path says, and the label of the `Container` column.
public final class CgroupInfo: Sendable {
    /// Relative to the cgroup2 mount, as `ss --cgroup` prints it: `/system.slice/nginx.service`.
    public let path: String
    /// The unit, container and pod the path names, with names from the runtimes' state files.
    public let identity: ContainerIdentity?
    /// `docker:web-1`, `k8s:shop/cart-7f9c/app`, `nginx.service`; `-` for the root cgroup and for paths that
    /// name no unit or container.
    public let label: String
    /// Its number in the attribution that made it (0, 1, 2…): renderers keep per-cgroup bytes in an array by it.
    public let index: Int

    public init(path: String, identity: ContainerIdentity?, index: Int = 0) {
        self.path = path
        self.identity = identity
        self.index = index
        label = identity?.label ?? "-"
    }
}

/// Where each socket's cgroup comes from, and the cache of what each cgroup id means.
///
/// INET sockets carry their cgroup in the dump (`INET_DIAG_CGROUP_ID`, Linux 5.8+): the cgroup of the
/// process that created the socket. Other kinds carry none, and get their first holder's (`/proc/PID/cgroup`).
/// The tree is walked lazily, the first time an unknown id appears; a repeated run keeps the cache and calls
/// `refresh()` before each run.
public final class CgroupAttribution {
    public let tree: CgroupTree
    private let identify: ContainerIdentifier
    private var byID = CgroupIDTable()
    private var byPath: [String: CgroupInfo] = [:]
    /// Ids whose directory no walk found (removed since): looked for again after `refresh()`.
    private var unknown: Set<UInt64> = []
    /// Holders' cgroup ids by pid, for the holder side of cgroup conditions.
    private var processIDs: [Int32: UInt64?] = [:]

    /// - Parameters:
    ///   - tree: the cgroup2 hierarchy (its mount found in `/proc/self/mountinfo` by default).
    ///   - identify: what a path names (`ContainerNaming.identifier`: the path's layout, then the runtimes'
    ///     state files); the layout alone by default.
    public init(tree: CgroupTree = CgroupTree(), identify: @escaping ContainerIdentifier = CgroupPath.identity(of:)) {
        self.tree = tree
        self.identify = identify
    }

    /// Starts a new run: unknown ids may be found by another walk, and processes may have moved.
    public func refresh() {
        tree.refresh()
        unknown.removeAll(keepingCapacity: true)
        processIDs.removeAll(keepingCapacity: true)
    }

    /// The cgroup with kernel id `id`; nil when no directory has it (removed, or no cgroup2 mount).
    public func info(id: UInt64) -> CgroupInfo? {
        unmanagedInfo(id: id)?.takeUnretainedValue()
    }

    /// `info(id:)` without a reference count: the attribution keeps every info it made alive while it lives.
    @inline(__always)
    func unmanagedInfo(id: UInt64) -> Unmanaged<CgroupInfo>? {
        if let known = byID[id] { return known }
        guard id != 0, !unknown.contains(id), let path = tree.path(of: id) else {
            unknown.insert(id)
            return nil
        }
        let info = info(path: path)
        byID.insert(info, for: id)
        return Unmanaged.passUnretained(info)
    }

    /// The cgroup of process `pid` (its `/proc/PID/cgroup` `0::` line); nil when it cannot be read.
    public func info(ofProcess pid: Int32) -> CgroupInfo? {
        tree.path(ofProcess: pid).map(info(path:))
    }

    /// The cgroup id of process `pid`, for a cgroup condition on a socket the kernel gives no id.
    public func id(ofProcess pid: Int32) -> UInt64? {
        if let known = processIDs[pid] { return known }
        let id = tree.path(ofProcess: pid).flatMap { try? tree.ids(path: $0, subtree: false).first }
        processIDs[pid] = id
        return id
    }

    /// The cgroup at `path`, named once.
    public func info(path: String) -> CgroupInfo {
        if let known = byPath[path] { return known }
        let info = CgroupInfo(path: path, identity: identify(path), index: byPath.count)
        byPath[path] = info
        return info
    }

    /// The workload label of each namespace's process (the lowest pid living in it), by namespace inode; a
    /// namespace without a process, or whose process's cgroup names none, is left out.
    public func labels(of namespaces: [NetworkNamespace]) -> [UInt64: String] {
        var labels: [UInt64: String] = [:]
        for namespace in namespaces {
            guard let pid = namespace.pid, let info = info(ofProcess: pid), info.label != "-" else { continue }
            labels[namespace.inode] = info.label
        }
        return labels
    }

    /// The ids of every cgroup whose workload `selector` names, each with its subtree.
    public func ids(of selector: WorkloadSelector) throws(CgroupError) -> [UInt64] {
        guard tree.mount != nil else { throw .noMount }
        let all = tree.all()
        var roots: [String] = []
        for (_, path) in all {
            guard selector.matches(info(path: path)) else { continue }
            roots.append(path)
        }
        guard !roots.isEmpty else { throw .noMatch(kind: selector.kind, name: selector.name) }
        // A match's subtree too: a pod's containers, a unit's children.
        return all.filter { entry in
            roots.contains { entry.path == $0 || entry.path.hasPrefix($0 + "/") }
        }.map(\.id)
    }
}

/// What a cgroup path names, with names from state files: `ContainerNaming.identifier`.
public typealias ContainerIdentifier = (String) -> ContainerIdentity?

/// A workload named on the command line: `--container`, `--pod`, `--unit`.
public enum WorkloadSelector: Sendable, Equatable {
    /// A container's name, or its id or an id prefix of at least 4 digits.
    case container(String)
    /// A pod's name, `NAMESPACE/NAME`, or its UID.
    case pod(String)
    /// A systemd unit: `nginx.service`, or `nginx` for `nginx.service`.
    case unit(String)

    var kind: String {
        switch self {
        case .container: "container"
        case .pod: "pod"
        case .unit: "unit"
        }
    }

    var name: String {
        switch self {
        case .container(let name), .pod(let name), .unit(let name): name
        }
    }

    func matches(_ info: CgroupInfo) -> Bool {
        guard let identity = info.identity else { return false }
        switch self {
        case .container(let wanted):
            guard identity.runtime != nil || identity.id != nil else { return false }
            if identity.name == wanted { return true }
            guard let id = identity.id else { return false }
            return id == wanted || (wanted.utf8.count >= 4 && id.hasPrefix(wanted))
        case .pod(let wanted):
            if identity.podUID == wanted { return true }
            guard let pod = identity.pod else { return false }
            if let slash = wanted.firstIndex(of: "/") {
                return identity.namespace == String(wanted[..<slash]) && pod == String(wanted[wanted.index(after: slash)...])
            }
            return pod == wanted
        case .unit(let wanted):
            guard let unit = identity.unit else { return false }
            return unit == wanted || unit == wanted + ".service"
        }
    }
}
