import ProcIndex
import SockDiag

/// What to list and what to join to each socket, independent of how it is shown: every command builds one.
public struct SocketQuery {
    public var netids: [NetID]
    public var families: [IPAddress.Family]
    public var states: StateSet
    /// Only the attributes the output needs.
    public var extensions: DiagExtensions = []
    /// The ss filter; compiled to kernel bytecode unless `kernelFilter` is false.
    public var expression: FilterExpression = .all
    public var kernelFilter = true
    /// False asks UNIX dumps for the state and inode only (`FamilyRequest.attributes`): for counting.
    public var unixAttributes = true
    /// `--pid`/`--command`/`--user`: only these processes' sockets.
    public var selection = ProcessSelection()
    /// Join owners from /proc.
    public var owners = false
    /// Read every process even for a narrowed listing (see `SocketPipeline`).
    public var allOwners = false
    /// Read the set socket options of every listed socket that has an owner (`--sockopts`).
    public var socketOptions = false
    /// Join each UNIX socket's `/proc/net/unix` line (netstat's RefCnt, Flags and State; lsof's DEVICE); a
    /// UNIX socket without one has closed since the dump and is left out.
    public var unixLines = false
    /// How sockets reach the sink.
    public var order = Order.kernel
    /// Names the join adds to each row, each read once per process or uid.
    public var names: JoinedNames = []
    /// Cgroup cells the join adds to each row (`--cgroup`, `--containers`).
    public var cgroups: CgroupColumns = []
    /// `--container`, `--pod`, `--unit`: only the sockets of these workloads' cgroups (a cgroup condition
    /// added to the filter when the query runs).
    public var workloads: [WorkloadSelector] = []
    /// Where the host names of the listed addresses go (`-r`, the dialects without `-n`): the run looks every
    /// distinct address up in it, and renders no row before the names are in or its deadlines have passed.
    public var hostNames: HostNames?
    /// Dump IPv4 TCP before IPv6 TCP (two walks instead of one), so rows come in netstat's order: tcp, tcp6.
    public var familiesInOrder = false
    /// Kinds asked for by name: where the kernel lacks one, a note says so (the others are skipped quietly).
    public var explicitNetids: Set<NetID> = []
    /// `-A unix_stream,…`: only UNIX sockets of these types; empty for all.
    public var unixTypes: Set<SocketType> = []
    /// The network namespaces to list, each tagged in the output; nil for sockwatch's own (untagged).
    public var namespaces: [NetworkNamespace]?
    /// Lists the namespaces of `--pid`'s processes, tagged, when any lives outside sockwatch's own and no
    /// namespace was asked for: their sockets are only in their own namespace's dump (`/proc/PID/ns/net`).
    public mutating func followSelectedNamespaces(procRoot: String = "/proc") {
        guard namespaces == nil, !selection.pids.isEmpty else { return }
        namespaces = NetworkNamespace.of(pids: selection.pids, procRoot: procRoot)
    }

    /// With `.byHolder`: whether a holder's descriptor is listed, and under which uid; nil leaves it out (the
    /// lsof dialect's selection rules).
    public var selectHolder: ((borrowing SocketRecord, ProcNetUnixLine?, SocketHolder) -> UInt32?)?

    /// Names of processes and users that the join reads for the renderers (which never read them).
    public struct JoinedNames: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The first holder's program: the basename of its `argv[0]` (`/proc/PID/cmdline`), as netstat shows it.
        public static let programs = JoinedNames(rawValue: 1 << 0)
        /// The login name of the socket's uid (the password database).
        public static let users = JoinedNames(rawValue: 1 << 1)
        /// In `.byHolder` order: the login name of the uid the selection gave each holder.
        public static let holderLogins = JoinedNames(rawValue: 1 << 2)
    }

    /// The order rows reach the sink in.
    public enum Order: Sendable {
        /// One row per socket, as the kernel dumps them.
        case kernel
        /// One row per holder's descriptor, by pid then descriptor, each measured before any is rendered
        /// (lsof); needs owners.
        case byHolder
    }

    public init(netids: [NetID], families: [IPAddress.Family], states: StateSet) {
        self.netids = netids
        self.families = families
        self.states = states
    }

    /// The bytecode for the kernel and the residual for Swift.
    public var plan: BytecodeCompiler.Plan {
        kernelFilter
            ? BytecodeCompiler.plan(expression) : BytecodeCompiler.Plan(bytecode: [], residual: expression)
    }

    /// True when the query is narrower than "every socket of these transports".
    public var isNarrowed: Bool { states != .all || expression != .all }

    /// The owners' join reads every process: a full listing (shared sockets list all their holders, as in
    /// ss), `allOwners`, or UNIX sockets (a row shows its peer's owners too, which an early stop would miss).
    var readsEveryProcess: Bool { !isNarrowed || allOwners || netids.contains(.unix) }

    /// The dump streams through the owners' join once /proc is read, instead of being captured whole: rows go
    /// out in kernel order and nothing (socket options) needs every inode of the dump before the scan.
    var streamsThroughJoin: Bool { joinsOwners && order == .kernel && !socketOptions }

    /// The dumps to make: each INET transport over each address family (with the kernel filter; TCP over both
    /// families in one walk), then the other families (netlink and packet only when `close` is among the
    /// states: they have no other).
    public var requests: [DiagRequest] {
        let bytecode = plan.bytecode
        // Ports the filter pins, for the kernel to compare before the bytecode (`InetRequest.kernelPorts`).
        let localPort = kernelFilter ? expression.pinnedPort(.source) ?? 0 : 0
        let remotePort = kernelFilter ? expression.pinnedPort(.destination) ?? 0 : 0
        return netids.flatMap { netid -> [DiagRequest] in
            if netid.isInet {
                func request(_ family: IPAddress.Family) -> InetRequest {
                    var request = InetRequest(
                        netid: netid, family: family, states: states, extensions: extensions, bytecode: bytecode)
                    request.localPort = localPort
                    request.remotePort = remotePort
                    return request
                }
                if netid == .tcp && families.contains(.inet) && families.contains(.inet6) && !familiesInOrder {
                    var both = request(.inet)
                    both.bothFamilies = true
                    return [.inet(both)]
                }
                return families.map { .inet(request($0)) }
            }
            var request = FamilyRequest(netid: netid, states: states)
            request.attributes = unixAttributes
            return request.isNeeded ? [.family(request)] : []
        }
    }

    /// What Swift checks on a socket found by a lookup, which runs no bytecode: the states and the whole filter.
    public var lookupCheck: (borrowing SocketRecord) -> Bool {
        let states = states
        let expression = expression
        return { states.contains($0.state) && expression.matches($0) }
    }

    /// What Swift still checks on each socket of `request`: the residual for INET dumps the kernel filtered,
    /// the whole filter for the others (and for raw sockets, which may come from /proc unfiltered).
    public func check(for request: DiagRequest) -> (borrowing SocketRecord) -> Bool {
        let expression = expression
        switch request.netid {
        case .raw:
            return { expression.matches($0) }
        case let netid where !netid.isInet && holderCgroupCheck:
            // Checked after the join, against the holders' cgroups (`PipelineRun`).
            let types = netid == .unix ? unixTypes : []
            return { types.isEmpty || types.contains($0.type) }
        case .unix where !unixTypes.isEmpty:
            let types = unixTypes
            return { types.contains($0.type) && expression.matches($0) }
        case let netid where netid.isInet:
            let residual = plan.residual
            return { residual.matches($0) }
        default:
            return { expression.matches($0) }
        }
    }
}
