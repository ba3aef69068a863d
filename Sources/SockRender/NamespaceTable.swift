import SockPipeline
import SockDiag

/// The namespaces of a listing, by inode, so each row can be tagged with a name and a pid.
public struct NamespaceTable: Sendable {
    public var byInode: [UInt64: NetworkNamespace] = [:]
    /// With `--containers`: the workload each namespace belongs to (its process's cgroup), by inode.
    public var containers: [UInt64: String] = [:]

    public init(_ namespaces: [NetworkNamespace]) {
        for namespace in namespaces { byInode[namespace.inode] = namespace }
    }
}

extension OutputBuffer {
    /// The NETNS cell: the namespace's name, or `ns:INODE`, then `/PID` of one process living in it.
    func append(netns inode: UInt64, from table: NamespaceTable) {
        let namespace = table.byInode[inode]
        if let name = namespace?.name {
            appendEscaped(name)
        } else {
            append("ns:", decimal: inode)
        }
        if let pid = namespace?.pid {
            append(0x2F)
            append(decimal: pid)
        }
        if let container = table.containers[inode] {
            append(0x28)
            appendEscaped(container)
            append(0x29)
        }
    }

    /// `"netns":{"inode":…,"name":…,"pid":…}` (name and pid null when unknown).
    func appendJSON(netns inode: UInt64, from table: NamespaceTable) {
        let namespace = table.byInode[inode]
        append(",\"netns\":{\"inode\":", decimal: inode)
        append(",\"name\":")
        if let name = namespace?.name { appendJSONString(name) } else { append("null") }
        append(",\"pid\":")
        if let pid = namespace?.pid { append(decimal: pid) } else { append("null") }
        if let container = table.containers[inode] {
            append(",\"container\":")
            appendJSONString(container)
        }
        append(0x7D)
    }
}
