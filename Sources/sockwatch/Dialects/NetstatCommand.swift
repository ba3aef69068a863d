import ArgumentParser
import CommandSupport
import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockRender

/// `sockwatch netstat [flags]`: net-tools netstat's socket listing (Internet, then UNIX), line for line, on
/// sockwatch's pipeline (sock_diag and the /proc inode index instead of parsing /proc/net and reading every fd per
/// socket). Only the UNIX section's RefCnt, Flags, State and not-yet-accepted rows are read from
/// `/proc/net/unix`, which alone has them (`SocketQuery.unixLines`).
struct NetstatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netstat",
        abstract: "net-tools netstat's sockets and kernel tables: same flags, same output, sockwatch's speed.",
        discussion: """
            Accepted, alone or combined (-tulpn): -t --tcp, -u --udp, -U --udplite, -w --raw, -x --unix, \
            -l --listening, -a --all, -n --numeric, --numeric-hosts, --numeric-ports, --numeric-users, \
            -p --program, -e --extend, -o --timers, -W --wide, -4 --inet, -6 --inet6, -c --continuous, \
            -A inet|inet6|unix (comma list; --protocol=), -v --verbose and -N --symbolic (no change to a socket \
            listing).
            With no protocol named, netstat's two sections: "Active Internet connections" (tcp, udp, udpl, raw) \
            then "Active UNIX domain sockets"; -4 or -6 alone: the Internet section only. SCTP is not listed.
            UNIX sockets: Proto RefCnt Flags Type State I-Node [PID/Program name] Path, as netstat prints them; \
            RefCnt, Flags and State are read from /proc/net/unix (sock_diag does not report them).
            Without -n (or --numeric-hosts), host names come from the system resolver (NSS: /etc/hosts, DNS…), \
            looked up 128 at a time within --resolve-timeout (1 s a lookup) and --resolve-deadline (2 s in all); \
            the addresses whose names come later print as numbers, with one note. Service names come from \
            /etc/services.
            The kernel's other tables, as net-tools prints them (read from /proc/net, like netstat): \
            -r --route: "Kernel IP routing table" (-e: Metric Ref Use; -ee: both column sets; -6 or -A inet6: \
            the IPv6 table; -4 -6: both); -i --interfaces: "Kernel Interface table" (-a: interfaces that are \
            down too; -e: ifconfig-style blocks); -s --statistics: the protocol counters in netstat's sentences \
            (-t, -u, -w: those protocols' groups; -6: /proc/net/snmp6); -g --groups: the multicast group memberships. Without -n or \
            --numeric-hosts (and, for -r, -N, which net-tools also makes numeric), routes and groups are named as \
            netstat names them: `default`, `[::]`, host names through the resolver, networks from /etc/networks. \
            -F --fib is accepted. One of -r, -i, -s at a time. A table the kernel lacks (IPv6 disabled) is a note \
            and status 1.
            Refused, with the tool to use instead: -M --masquerade, -C --cache, and anything else.
            """)

    @Argument(parsing: .allUnrecognized, help: "netstat flags.", completion: DialectCompletion.netstat)
    var arguments: [String] = []

    @OptionGroup var resolve: ResolveOptions

    func run() throws {
        let flags = try NetstatFlags(arguments)
        if flags.mode != .sockets {
            try runTable(flags)
            return
        }
        let files = NameFiles.load().names(hosts: false, ports: !flags.numericPorts)
        let protocols = flags.numericPorts || !flags.inetNetids.contains(.raw) ? [:] : NameFiles.protocols()
        var options = NetstatRenderer.Options()
        options.numericHosts = flags.numericHosts
        options.numericPorts = flags.numericPorts
        options.numericUsers = flags.numericUsers
        options.wide = flags.wide
        options.extended = flags.extended
        options.programs = flags.programs
        options.timers = flags.timers
        // Without -n, host names come from the system resolver, as netstat's do, but many at a time and
        // within the deadlines.
        var hostNames = flags.numericHosts ? nil : resolve.table()
        let out = OutputBuffer(fd: 1)
        let renderer = NetstatRenderer(
            out: out, options: options,
            names: NetstatRenderer.Names(
                host: { hostNames?[$0] },
                service: { port, netid in
                    // netstat names "tcp" and "udp" ports (UDP-Lite's too) from /etc/services, and a raw
                    // socket's protocol from /etc/protocols.
                    switch netid {
                    case .tcp: files.tcpServices?[port]
                    case .udp, .udplite: files.udpServices?[port]
                    case .raw: protocols[port]
                    default: nil
                    }
                }))
        let states: StateSet = flags.all ? .all : flags.listening ? .listening : .connected
        let pipeline = SocketPipeline(report: Stderr.note)

        repeat {
            if !flags.inetNetids.isEmpty {
                var query = SocketQuery(netids: flags.inetNetids, families: flags.families, states: states)
                if hostNames != nil { hostNames = resolve.table() }
                query.hostNames = hostNames
                query.familiesInOrder = true
                query.owners = flags.programs
                query.names = Self.names(flags)
                out.append(NetstatRenderer.heading(listening: flags.listening, all: flags.all))
                out.append(0x0A)
                renderer.writeHeader()
                try pipeline.run(query, into: renderer)
            }
            if flags.groups {
                try writeGroups(flags, into: out)
                try out.flush()
            }
            if flags.listsUnix {
                // UNIX sockets: listeners are `listen`, the others `established` or `close` (unconnected).
                let unixStates: StateSet =
                    flags.all ? .all : flags.listening ? StateSet(.listen) : StateSet.all.subtracting(StateSet(.listen))
                var query = SocketQuery(netids: [.unix], families: [.inet], states: unixStates)
                query.owners = flags.programs
                query.names = Self.names(flags)
                query.unixLines = true
                let unix = NetstatUnixRenderer(
                    out: out, programs: flags.programs, listening: flags.listening, all: flags.all)
                out.append(NetstatUnixRenderer.heading(listening: flags.listening, all: flags.all))
                out.append(0x0A)
                unix.writeHeader()
                try pipeline.run(query, into: unix)
            }
            if flags.continuous { sleep(1) }
        } while flags.continuous
    }

    /// The names netstat's columns show: programs with -p, login names with -e unless numeric.
    static func names(_ flags: NetstatFlags) -> SocketQuery.JoinedNames {
        var names: SocketQuery.JoinedNames = []
        if flags.programs { names.insert(.programs) }
        if flags.extended && !flags.numericUsers { names.insert(.users) }
        return names
    }
}

/// netstat's command line: short flags alone or combined, and their long forms.
struct NetstatFlags {
    var tcp = false, udp = false, udplite = false, raw = false, unix = false
    var listening = false, all = false
    var numericHosts = false, numericPorts = false, numericUsers = false
    var programs = false, extended = false, timers = false, wide = false, continuous = false
    var ipv4 = false, ipv6 = false
    /// `-4` or `-6` was given (netstat's `flag_inet`, `flag_inet6`), even both.
    var familyNamed = false

    /// netstat's modes other than the socket listing: `-r`, `-i`, `-s` (one at a time).
    enum Mode: Equatable {
        case sockets, routes, interfaces, statistics
    }
    var mode = Mode.sockets
    /// `-g`: the multicast groups section, after the Internet sockets.
    var groups = false
    /// How many `-e` were given (netstat's `flag_exp` - 1): -r's columns depend on it.
    var extendCount = 0
    /// `-N`: netstat masks route names with it as with `--numeric-hosts`.
    var symbolic = false
    /// The address families named (`-4`, `-6`, `-x`, `-A LIST`), in order, as netstat's `afname` collects them.
    var familyOrder: [String] = []

    /// Flags that name netstat modes not implemented, with where to go instead.
    static let refused: [String: String] = [
        "M": "masqueraded connections are not a socket listing; use `conntrack -L`",
        "C": "the kernel has no IPv4 routing cache since Linux 3.6; use `ip route show cache`",
    ]

    static let longForms: [String: Character] = [
        "tcp": "t", "udp": "u", "udplite": "U", "listening": "l", "all": "a", "numeric": "n", "program": "p",
        "programs": "p", "extend": "e", "timers": "o", "wide": "W", "inet": "4", "inet6": "6", "continuous": "c",
        "route": "r", "interfaces": "i", "statistics": "s", "groups": "g", "masquerade": "M", "unix": "x",
        "raw": "w", "fib": "F", "cache": "C",
    ]

    init(_ arguments: [String]) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            // `-A LIST` / `--protocol=LIST`: address families, as netstat's -4, -6 and -x.
            if argument == "-A" || argument == "--protocol" || argument.hasPrefix("--protocol=") || argument.hasPrefix("-A") && argument.count > 2 {
                var list: String
                if argument.hasPrefix("--protocol=") {
                    list = String(argument.dropFirst("--protocol=".count))
                } else if argument.hasPrefix("-A") && argument.count > 2 {
                    list = String(argument.dropFirst(2))
                } else {
                    guard index < arguments.count else { throw ValidationError("netstat: \(argument) needs a family list (inet, inet6, unix)") }
                    list = arguments[index]
                    index += 1
                }
                for family in list.split(separator: ",") {
                    switch family {
                    case "inet": (ipv4, familyNamed) = (true, true)
                    case "inet6": (ipv6, familyNamed) = (true, true)
                    case "unix": unix = true
                    default: throw ValidationError("netstat: unsupported address family '\(family)' (inet, inet6, unix)")
                    }
                    familyOrder.append(String(family))
                }
                continue
            }
            if argument.hasPrefix("--") {
                let name = String(argument.dropFirst(2))
                switch name {
                case "verbose", "symbolic": break  // -v, -N: nothing to change in a socket listing
                case "numeric-hosts": numericHosts = true
                case "numeric-ports": numericPorts = true
                case "numeric-users": numericUsers = true
                default:
                    guard let short = Self.longForms[name] else {
                        throw ValidationError("netstat: unknown option '\(argument)' (see sockwatch netstat --help)")
                    }
                    try apply(short, as: argument)
                }
            } else if argument.hasPrefix("-"), argument.count > 1 {
                for flag in argument.dropFirst() { try apply(flag, as: argument) }
            } else {
                throw ValidationError("netstat: unexpected argument '\(argument)' (see sockwatch netstat --help)")
            }
        }
        if ipv4 && ipv6 { (ipv4, ipv6) = (false, false) }  // netstat -46: both families
        if modes.count > 1 {
            throw ValidationError("netstat: -r, -i and -s cannot be combined (one table at a time)")
        }
        mode = modes.first ?? .sockets
        if mode == .routes, let other = familyOrder.first(where: { $0 != "inet" && $0 != "inet6" }) {
            throw ValidationError("netstat -r: no routing table for the address family '\(other)' (inet, inet6)")
        }
        if mode == .statistics && (familyOrder.count > 1 || familyOrder == ["unix"]) {
            throw ValidationError(
                "netstat -s: no statistics for the address family '\(familyOrder.joined(separator: ","))' (inet or inet6)")
        }
    }

    /// The modes named, in order.
    private var modes: [Mode] = []

    /// Names a mode; netstat refuses one named twice (`-rr`, `-s --statistics`) as a usage error.
    private mutating func select(_ mode: Mode) throws {
        guard !modes.contains(mode) else {
            throw ValidationError("netstat: -r, -i and -s are each given once (one table at a time)")
        }
        modes.append(mode)
    }

    /// The families -r prints, in the order named; IPv4 when none is.
    var routeFamilies: [IPAddress.Family] {
        let named = familyOrder.compactMap { $0 == "inet" ? IPAddress.Family.inet : $0 == "inet6" ? .inet6 : nil }
        return named.isEmpty ? [.inet] : named
    }

    /// The family -s prints: IPv4 unless `-6` (or `-A inet6`) alone.
    var statisticsFamily: IPAddress.Family { familyOrder == ["inet6"] ? .inet6 : .inet }

    /// Names shown in the non-socket tables: not with `-n`, `--numeric-hosts` or `-N` (net-tools masks with both).
    var tableNamesNumeric: Bool { numericHosts || symbolic }

    private mutating func apply(_ flag: Character, as argument: String) throws {
        switch flag {
        case "t": tcp = true
        case "u": udp = true
        case "U": udplite = true
        case "w": raw = true
        case "x": (unix, familyOrder) = (true, familyOrder + ["unix"])
        case "l": listening = true
        case "a": all = true
        case "n": (numericHosts, numericPorts, numericUsers) = (true, true, true)
        case "p": programs = true
        case "e": (extended, extendCount) = (true, extendCount + 1)
        case "o": timers = true
        case "W": wide = true
        case "c": continuous = true
        case "4": (ipv4, familyNamed, familyOrder) = (true, true, familyOrder + ["inet"])
        case "6": (ipv6, familyNamed, familyOrder) = (true, true, familyOrder + ["inet6"])
        case "r": try select(.routes)
        case "i": try select(.interfaces)
        case "s": try select(.statistics)
        case "g": groups = true
        case "F": break  // the FIB, which -r shows anyway
        case "N": symbolic = true  // symbolic hardware names; -r's names are masked by it
        case "v": break  // verbose: the listing is the same
        default:
            if let why = Self.refused[String(flag)] {
                throw ValidationError("netstat -\(flag) is not supported: \(why)")
            }
            throw ValidationError("netstat: unknown option -\(flag) in '\(argument)' (see sockwatch netstat --help)")
        }
    }

    /// The Internet protocols named: `-t -u -U -w`.
    private var namedInet: [NetID] {
        [tcp ? NetID.tcp : nil, udp ? .udp : nil, udplite ? .udplite : nil, raw ? .raw : nil].compactMap { $0 }
    }

    /// netstat's `flag_arg`: some protocol or family was named (`-4`/`-6` alone name every Internet protocol).
    private var anyNamed: Bool { !namedInet.isEmpty || unix || familyNamed || groups }

    /// The Internet section's transports, in netstat's order (tcp, udp, udplite, raw); empty for no section.
    /// With nothing named, or only `-4`/`-6`, all of them (SCTP, which netstat adds, is not listed).
    var inetNetids: [NetID] {
        if !namedInet.isEmpty { return namedInet }
        return anyNamed && !familyNamed ? [] : [.tcp, .udp, .udplite, .raw]
    }

    /// Whether the UNIX section follows: `-x`, or nothing named at all.
    var listsUnix: Bool { unix || !anyNamed }

    var families: [IPAddress.Family] {
        if ipv4 { return [.inet] }
        if ipv6 { return [.inet6] }
        return [.inet, .inet6]
    }
}
