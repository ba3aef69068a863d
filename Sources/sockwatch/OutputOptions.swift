import ArgumentParser
import SockDiag
import SockRender

/// What to show about each socket and in which format.
struct OutputOptions: ParsableArguments {
    @Flag(name: [.customShort("n"), .long], help: "Numeric addresses and ports (the default; accepted for habit).")
    var numeric = false

    @Flag(
        name: [.customShort("r"), .long],
        help: ArgumentHelp(
            "Show host and service names (the system resolver: /etc/hosts, DNS…; services: /etc/services).",
            discussion: "128 lookups at a time, each address once, within --resolve-timeout and --resolve-deadline; names that come later print as numbers, with one note. JSON gets local_name/peer_name beside the numbers."))
    var resolve = false

    @OptionGroup var resolveDeadlines: ResolveOptions

    @Flag(name: [.customShort("p"), .long], help: "Show the processes holding each socket (pid, fd, command).")
    var processes = false

    @Flag(
        name: .customLong("all-owners"),
        help: ArgumentHelp(
            "With -p on a narrowed listing (-l, --state, a filter), read every process's fds.",
            discussion: "Otherwise the /proc scan stops once each socket has an owner, so a socket shared with a later process may not list it."))
    var allOwners = false

    @Flag(name: [.customShort("e"), .long], help: "Show uid, inode and cookie.")
    var extended = false

    @Flag(name: [.customShort("o"), .long], help: "Show the socket timer.")
    var timers = false

    @Flag(name: [.customShort("i"), .long], help: "Show TCP internals (tcp_info, congestion control).")
    var info = false

    @Flag(name: [.customShort("m"), .long], help: "Show socket memory (skmem).")
    var memory = false

    @Flag(name: [.customShort("H"), .customLong("no-header")], help: "Leave out the header line.")
    var noHeader = false

    @Flag(
        name: [.customShort("s"), .long],
        help: "Count sockets per kind, IP family and state instead of listing them (with --json: one object per kind).")
    var summary = false

    @Flag(name: .long, help: "Write NDJSON: one object per socket.")
    var json = false

    @Flag(
        name: .long,
        help: "Show the socket options that are on (SO_KEEPALIVE, TCP_NODELAY…), read as pfiles reads them. Implies -p.")
    var sockopts = false

    var renderOptions: RenderOptions {
        var options = RenderOptions()
        options.processes = processes
        options.extended = extended
        options.timers = timers
        options.info = info
        options.memory = memory
        options.header = !noHeader
        return options
    }

    /// Only the extensions the output needs.
    var extensions: DiagExtensions {
        var ext: DiagExtensions = []
        if info { ext.formUnion([.info, .congestion]) }
        if memory { ext.insert(.skMemInfo) }
        return ext
    }
}
