import ProcIndex
import SockDiag
import SockRender

/// What to list, independent of how it is shown: the native table, JSON and the dialects all build one.
struct SocketQuery {
    var netids: [NetID]
    var families: [IPAddress.Family]
    var states: StateSet
    /// Only the attributes the output needs.
    var extensions: DiagExtensions = []
    /// The ss filter; compiled to kernel bytecode unless `kernelFilter` is false.
    var expression: FilterExpression = .all
    var kernelFilter = true
    /// `--pid`/`--command`/`--user`: only these processes' sockets.
    var selection = ProcessSelection()
    /// Join owners from /proc.
    var owners = false
    /// Read every process even for a narrowed listing (see `SocketEngine`).
    var allOwners = false
    /// When set, filled with the socket options of every listed socket that has an owner (`--sockopts`).
    var socketOptions: SocketOptionsTable?
    /// Kinds asked for by name: where the kernel lacks one, a note says so (the others are skipped quietly).
    var explicitNetids: Set<NetID> = []
    /// `-A unix_stream,…`: only UNIX sockets of these types; empty for all.
    var unixTypes: Set<SocketType> = []
    /// The network namespaces to list, each tagged in the output; nil for sockwatch's own (untagged).
    var namespaces: [NetworkNamespace]?
    /// A last check in Swift on each socket and its owners (the lsof dialect's OR of selections).
    var accept: ((borrowing SocketRecord, ProcessIndex?) -> Bool)?

    init(netids: [NetID], families: [IPAddress.Family], states: StateSet) {
        self.netids = netids
        self.families = families
        self.states = states
    }

    /// The bytecode for the kernel and the residual for Swift.
    var plan: BytecodeCompiler.Plan {
        kernelFilter
            ? BytecodeCompiler.plan(expression) : BytecodeCompiler.Plan(bytecode: [], residual: expression)
    }

    /// True when the query is narrower than "every socket of these transports".
    var isNarrowed: Bool { states != .all || expression != .all }

    /// The dumps to make: each INET transport over each address family (with the kernel filter; TCP over both
    /// families in one walk), then the other families (netlink and packet only when `close` is among the
    /// states: they have no other).
    var requests: [DiagRequest] {
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
                if netid == .tcp && families.contains(.inet) && families.contains(.inet6) {
                    var both = request(.inet)
                    both.bothFamilies = true
                    return [.inet(both)]
                }
                return families.map { .inet(request($0)) }
            }
            let request = FamilyRequest(netid: netid, states: states)
            return request.isNeeded ? [.family(request)] : []
        }
    }

    /// What Swift still checks on each socket of `request`: the residual for INET dumps the kernel filtered,
    /// the whole filter for the others (and for raw sockets, which may come from /proc unfiltered).
    func check(for request: DiagRequest) -> (borrowing SocketRecord) -> Bool {
        let expression = expression
        switch request.netid {
        case .raw:
            return { expression.matches($0) }
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
