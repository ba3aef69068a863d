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

/// Which sockets to ask the kernel for: transports, address families and states.
struct SelectionOptions: ParsableArguments {
    @Flag(name: [.customShort("t"), .long], help: "TCP sockets.")
    var tcp = false

    @Flag(name: [.customShort("u"), .long], help: "UDP sockets.")
    var udp = false

    @Flag(name: .long, help: "UDP-Lite sockets (which ss does not list).")
    var udplite = false

    @Flag(name: .long, help: "SCTP sockets, where the kernel has sctp_diag (otherwise a note, and status 0).")
    var sctp = false

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
        transform: StateList.parse)
    var states: [StateList] = []

    @Option(
        name: .customLong("exclude-state"), help: ArgumentHelp("States to leave out.", valueName: "list"),
        transform: StateList.parse)
    var excludedStates: [StateList] = []

    @Flag(name: [.customShort("l"), .long], help: "Listening TCP and unconnected UDP sockets only.")
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

    /// The transports to dump: TCP and UDP when none is named.
    var netids: [NetID] {
        let named: [NetID] = [tcp ? .tcp : nil, udp ? .udp : nil, udplite ? .udplite : nil, sctp ? .sctp : nil]
            .compactMap { $0 }
        return named.isEmpty ? [.tcp, .udp] : named
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
