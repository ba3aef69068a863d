import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockRender

/// `sockwatch netstat [flags]`: net-tools netstat's Internet socket listing, line for line, on sockwatch's
/// engine (sock_diag and the /proc inode index instead of parsing /proc/net and reading every fd per socket).
struct NetstatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netstat",
        abstract: "net-tools netstat's socket listing: same flags, same output, sockwatch's speed.",
        discussion: """
            Accepted, alone or combined (-tulpn): -t --tcp, -u --udp, -U --udplite, -l --listening, -a --all, \
            -n --numeric, --numeric-hosts, --numeric-ports, --numeric-users, -p --program, -e --extend, \
            -o --timers, -W --wide, -4 --inet, -6 --inet6, -c --continuous.
            Without -n, names come from /etc/hosts and /etc/services only (no DNS).
            Refused, with the tool to use instead: -r --route, -i --interfaces, -s --statistics, -g --groups, \
            -M --masquerade, -x --unix and -w --raw (not listed by sockwatch yet), and anything else.
            """)

    @Argument(parsing: .allUnrecognized, help: "netstat flags.")
    var arguments: [String] = []

    func run() throws {
        let flags = try NetstatFlags(arguments)
        let names = ProcessNames()
        let files = NameFiles.load().names(hosts: !flags.numericHosts, ports: !flags.numericPorts)
        var options = NetstatRenderer.Options()
        options.numericHosts = flags.numericHosts
        options.numericPorts = flags.numericPorts
        options.numericUsers = flags.numericUsers
        options.wide = flags.wide
        options.extended = flags.extended
        options.programs = flags.programs
        options.timers = flags.timers

        var query = SocketQuery(
            netids: flags.netids, families: flags.families,
            states: flags.all ? .all : flags.listening ? .listening : .connected)
        query.owners = flags.programs
        let out = OutputBuffer(fd: 1)
        let renderer = NetstatRenderer(
            out: out, options: options,
            names: NetstatRenderer.Names(
                host: { files.hosts?[$0] },
                service: { port, netid in (netid == .tcp ? files.tcpServices : files.udpServices)?[port] },
                user: names.user(uid:),
                program: { holder in
                    // netstat's buffer holds 19 characters of "PID/name".
                    String("\(holder.pid)/\(names.program(pid: holder.pid))".utf8.prefix(19)) ?? ""
                }))
        if flags.notListed { _ = Sockwatch.fail("note: raw and UNIX sockets are not listed (not supported yet)", status: 0) }
        repeat {
            out.append(NetstatRenderer.heading(listening: flags.listening, all: flags.all))
            out.append(0x0A)
            renderer.writeHeader()
            try SocketEngine().run(query, into: renderer)
            if flags.continuous { sleep(1) }
        } while flags.continuous
    }
}

/// netstat's command line: short flags alone or combined, and their long forms.
struct NetstatFlags {
    var tcp = false, udp = false, udplite = false
    var listening = false, all = false
    var numericHosts = false, numericPorts = false, numericUsers = false
    var programs = false, extended = false, timers = false, wide = false, continuous = false
    var ipv4 = false, ipv6 = false

    /// Flags that name other netstat modes, with where to go instead.
    static let refused: [String: String] = [
        "r": "the routing table is not a socket listing; use `ip route`",
        "i": "interface statistics are not a socket listing; use `ip -s link`",
        "s": "protocol statistics are not a socket listing; use `nstat` or `ss -s`",
        "g": "multicast groups are not a socket listing; use `ip maddr`",
        "M": "masqueraded connections are not a socket listing; use `conntrack -L`",
        "x": "UNIX sockets are not listed by sockwatch yet; use `ss -x`",
        "w": "raw sockets are not listed by sockwatch yet; use `ss -w`",
    ]

    static let longForms: [String: Character] = [
        "tcp": "t", "udp": "u", "udplite": "U", "listening": "l", "all": "a", "numeric": "n", "program": "p",
        "programs": "p", "extend": "e", "timers": "o", "wide": "W", "inet": "4", "inet6": "6", "continuous": "c",
        "route": "r", "interfaces": "i", "statistics": "s", "groups": "g", "masquerade": "M", "unix": "x",
        "raw": "w",
    ]

    init(_ arguments: [String]) throws {
        for argument in arguments {
            if argument.hasPrefix("--") {
                let name = String(argument.dropFirst(2))
                switch name {
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
    }

    private mutating func apply(_ flag: Character, as argument: String) throws {
        switch flag {
        case "t": tcp = true
        case "u": udp = true
        case "U": udplite = true
        case "l": listening = true
        case "a": all = true
        case "n": (numericHosts, numericPorts, numericUsers) = (true, true, true)
        case "p": programs = true
        case "e": extended = true
        case "o": timers = true
        case "W": wide = true
        case "c": continuous = true
        case "4": ipv4 = true
        case "6": ipv6 = true
        default:
            if let why = Self.refused[String(flag)] {
                throw ValidationError("netstat -\(flag) is not supported: \(why)")
            }
            throw ValidationError("netstat: unknown option -\(flag) in '\(argument)' (see sockwatch netstat --help)")
        }
    }

    /// With no protocol named, netstat lists every family; sockwatch lists TCP and UDP and says so.
    var notListed: Bool { !tcp && !udp && !udplite }

    var netids: [NetID] {
        if notListed { return [.tcp, .udp] }
        return [tcp ? NetID.tcp : nil, udp ? .udp : nil, udplite ? .udplite : nil].compactMap { $0 }
    }

    var families: [IPAddress.Family] {
        if ipv4 { return [.inet] }
        if ipv6 { return [.inet6] }
        return [.inet, .inet6]
    }
}
