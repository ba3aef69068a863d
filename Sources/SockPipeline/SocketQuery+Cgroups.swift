import ProcIndex
import SockDiag

extension SocketQuery {
    /// The cgroup cells the join adds to each row.
    public struct CgroupColumns: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The cgroup v2 path, as `ss --cgroup` prints it (`--cgroup`).
        public static let paths = CgroupColumns(rawValue: 1 << 0)
        /// The unit, container and pod the path names (`--containers`).
        public static let containers = CgroupColumns(rawValue: 1 << 1)
    }

    /// Whether the join finds each socket's cgroup: for the columns, or for a cgroup condition that sockets
    /// without a kernel cgroup id meet through their holders.
    public var joinsCgroups: Bool { !cgroups.isEmpty || holderCgroupCheck }

    /// Kinds the kernel gives no cgroup id (UNIX, netlink, packet…) are listed, and a condition names a cgroup:
    /// those sockets are checked after the join, against their holders' cgroups.
    var holderCgroupCheck: Bool {
        expression.hasCgroupCondition && netids.contains { !$0.isInet }
    }

    /// Owners are joined: asked for, or needed for the cgroups of sockets the kernel gives no cgroup id.
    var joinsOwners: Bool {
        owners || (!cgroups.isEmpty && netids.contains { !$0.isInet }) || holderCgroupCheck
    }

    /// The query with every cgroup condition's ids looked up, and the workload selectors (`--container`,
    /// `--pod`, `--unit`) added to the filter as one more cgroup condition.
    public func resolvingCgroups(_ attribution: CgroupAttribution) throws(PipelineError) -> SocketQuery {
        guard expression.hasCgroupCondition || !workloads.isEmpty else { return self }
        var query = self
        do throws(CgroupError) {
            query.expression = try expression.resolvingCgroups { (path, subtree) throws(CgroupError) in
                try attribution.tree.ids(path: path, subtree: subtree)
            }
            if !workloads.isEmpty {
                var ids: [UInt64] = []
                for selector in workloads { ids += try attribution.ids(of: selector) }
                let names = workloads.map { "\($0.kind) \($0.name)" }.joined(separator: " or ")
                let condition = FilterExpression.cgroup(CgroupCondition(path: names, subtree: true, ids: ids))
                query.expression = query.expression == .all ? condition : .and(query.expression, condition)
            }
        } catch {
            throw .cgroup(error)
        }
        return query
    }
}
