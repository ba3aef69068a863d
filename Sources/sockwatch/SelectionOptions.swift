import ArgumentParser
import SockDiag

/// A comma list of state names and groups, as `--state` and `--exclude-state` take it.
struct StateList {
    var set: StateSet

    /// Parses `listen,established`; the error names the bad entry and the accepted names.
    static func parse(_ argument: String) throws -> StateList {
        var set: StateSet = []
        for name in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let named = StateSet(name: String(name)) else {
                throw ValidationError(
                    "unknown state '\(name)' in '\(argument)'; "
                        + "accepted: \(StateSet.acceptedNames.joined(separator: ", "))")
            }
            set.formUnion(named)
        }
        return StateList(set: set)
    }
}

/// The transports beyond TCP and UDP, as flags; a group of their own so that watch and events can leave out
/// of their help the ones they refuse.
protocol LocalFamilyFlags: ParsableArguments {
    var udplite: Bool { get }
    var sctp: Bool { get }
    var raw: Bool { get }
    var mptcp: Bool { get }
    var unix: Bool { get }
    var netlink: Bool { get }
    var packet: Bool { get }
    var vsock: Bool { get }
}

/// --udplite, --sctp, -w and -M: the INET transports beyond TCP and UDP.
struct OtherInetOptions: ParsableArguments {
    @Flag(name: .long, help: "UDP-Lite sockets (which ss does not list).")
    var udplite = false

    @Flag(name: .long, help: "SCTP sockets, where the kernel has sctp_diag (otherwise a note, and status 0).")
    var sctp = false

    @Flag(name: [.customShort("w"), .long], help: "Raw IP sockets (raw_diag, or /proc/net/raw where the kernel lacks it).")
    var raw = false

    @Flag(name: [.customShort("M"), .long], help: "Multipath TCP connections (mptcp_diag).")
    var mptcp = false
}

/// Every transport beyond TCP and UDP: the other INET ones, -x, --netlink, -0 and --vsock.
struct LocalFamilyOptions: LocalFamilyFlags {
    @OptionGroup var inet: OtherInetOptions

    @Flag(name: [.customShort("x"), .long], help: "UNIX domain sockets.")
    var unix = false

    @Flag(name: .long, help: "Netlink sockets.")
    var netlink = false

    @Flag(name: [.customShort("0"), .long], help: "Packet sockets.")
    var packet = false

    @Flag(name: .long, help: "vsock sockets, where the kernel has vsock_diag (otherwise a note, and status 0).")
    var vsock = false

    var udplite: Bool { inet.udplite }
    var sctp: Bool { inet.sctp }
    var raw: Bool { inet.raw }
    var mptcp: Bool { inet.mptcp }
}

/// The INET transports only, no -x, --netlink, -0 or --vsock: for a command that cannot follow those (watch).
struct NoLocalFamilies: LocalFamilyFlags {
    @OptionGroup var inet: OtherInetOptions

    var udplite: Bool { inet.udplite }
    var sctp: Bool { inet.sctp }
    var raw: Bool { inet.raw }
    var mptcp: Bool { inet.mptcp }
    var unix: Bool { false }
    var netlink: Bool { false }
    var packet: Bool { false }
    var vsock: Bool { false }
}

/// No flags beyond -t and -u: for a command that follows TCP and UDP only (events).
struct TCPAndUDPOnly: LocalFamilyFlags {
    var udplite: Bool { false }
    var sctp: Bool { false }
    var raw: Bool { false }
    var mptcp: Bool { false }
    var unix: Bool { false }
    var netlink: Bool { false }
    var packet: Bool { false }
    var vsock: Bool { false }
}

/// Which sockets to ask the kernel for: transports, address families and states.
struct SelectionOptions<Local: LocalFamilyFlags>: ParsableArguments {
    @Flag(name: [.customShort("t"), .long], help: "TCP sockets.")
    var tcp = false

    @Flag(name: [.customShort("u"), .long], help: "UDP sockets.")
    var udp = false

    /// The transports beyond TCP and UDP, those the command follows.
    @OptionGroup var local: Local

    var udplite: Bool { local.udplite }
    var sctp: Bool { local.sctp }
    var raw: Bool { local.raw }
    var mptcp: Bool { local.mptcp }
    var unix: Bool { local.unix }
    var netlink: Bool { local.netlink }
    var packet: Bool { local.packet }
    var vsock: Bool { local.vsock }

    @Option(
        name: [.customShort("A"), .customLong("query")],
        help: ArgumentHelp(
            "Families to list: a comma list, repeatable; !NAME leaves one out.",
            discussion: "Names: \(FamilyList.names.map(\.name).joined(separator: ", ")).", valueName: "list"),
        completion: ValueCompletion.families, transform: FamilyList.parse)
    var query: [FamilyList] = []

    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "IPv4 only.")
    var ipv4 = false

    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "IPv6 only.")
    var ipv6 = false

    @Option(
        name: .customLong("state"),
        help: ArgumentHelp(
            "States to list: a comma list, repeatable.",
            discussion: "Names: \(StateSet.acceptedNames.joined(separator: ", ")).",
            valueName: "list"),
        completion: ValueCompletion.states, transform: StateList.parse)
    var states: [StateList] = []

    @Option(
        name: .customLong("exclude-state"), help: ArgumentHelp("States to leave out.", valueName: "list"),
        completion: ValueCompletion.states, transform: StateList.parse)
    var excludedStates: [StateList] = []

    @Flag(name: [.customShort("l"), .long], help: "Listening sockets only (and unconnected datagram sockets).")
    var listening = false

    @Flag(name: [.customShort("a"), .long], help: "Sockets in every state.")
    var all = false

    func validate() throws {
        if listening && all { throw ValidationError("-l/--listening and -a/--all cannot be combined") }
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 cannot be combined; give neither for both") }
        if (listening || all) && !states.isEmpty {
            throw ValidationError("--state cannot be combined with \(listening ? "-l/--listening" : "-a/--all")")
        }
    }

    /// The kinds named by flags and -A, in a fixed order; empty when none is named.
    var namedNetids: [NetID] {
        let flagged: [NetID] = [
            tcp ? .tcp : nil, udp ? .udp : nil, udplite ? .udplite : nil, sctp ? .sctp : nil, raw ? .raw : nil,
            mptcp ? .mptcp : nil, unix ? .unix : nil, netlink ? .netlink : nil, packet ? .packet : nil,
            vsock ? .vsock : nil,
        ].compactMap { $0 }
        var named = Set(flagged + query.flatMap(\.included))
        if named.isEmpty && query.contains(where: { !$0.excluded.isEmpty }) { named = Set(NetID.everyDefault) }
        named.subtract(query.flatMap(\.excluded))
        return NetID.allCases.filter(named.contains)
    }

    /// The kinds to dump: with none named, every family the kernel has, as ss lists them (only the INET ones
    /// with -4 or -6).
    var netids: [NetID] {
        if !namedNetids.isEmpty || query.contains(where: { !$0.excluded.isEmpty }) { return namedNetids }
        return ipv4 || ipv6 ? NetID.inetDefault : NetID.everyDefault
    }

    /// For a command that follows only some transports (watch, events, --kill): the kinds named, or
    /// `defaults` when none is; a usage error naming `reason` when a kind outside `allowed` is named.
    func transports(allowed: Set<NetID>, defaults: [NetID], reason: String) throws -> [NetID] {
        let named = namedNetids
        if named.contains(where: { !allowed.contains($0) }) { throw ValidationError(reason) }
        return named.isEmpty ? defaults : named
    }

    /// Kinds asked for by name (a flag, or one name in -A; not `all` or `inet`): a kernel without them gets a
    /// note; the others are skipped quietly.
    var explicitNetids: Set<NetID> {
        let flagged = namedNetids.filter { netid in
            switch netid {
            case .tcp: tcp
            case .udp: udp
            case .udplite: udplite
            case .sctp: sctp
            case .raw: raw
            case .mptcp: mptcp
            case .unix: unix
            case .netlink: netlink
            case .packet: packet
            case .vsock: vsock
            }
        }
        return Set(flagged + query.flatMap(\.named)).intersection(namedNetids)
    }

    /// `-A unix_stream,…`: only these UNIX types; empty for all (also when plain `unix` is named, or -x).
    var unixTypes: Set<SocketType> {
        if unix || query.contains(where: \.allUnix) { return [] }
        return query.reduce(into: []) { $0.formUnion($1.unixTypes) }
    }

    /// The address families to dump.
    var families: [IPAddress.Family] {
        if ipv4 { return [.inet] }
        if ipv6 { return [.inet6] }
        return [.inet, .inet6]
    }

    /// The state bitmask for the request.
    var stateSet: StateSet {
        var set: StateSet
        if all {
            set = .all
        } else if listening {
            set = .listening
        } else if states.isEmpty {
            set = .default
        } else {
            set = states.reduce(into: StateSet()) { $0.formUnion($1.set) }
        }
        for excluded in excludedStates { set.subtract(excluded.set) }
        return set
    }
}
