import ArgumentParser
import Glibc
import ProcIndex
import CommandSupport
import SockPipeline
import SockDiag
import SockRender

extension WatchSort: ExpressibleByArgument {}

/// `sockwatch watch [options] [filter]`: which sockets and processes move bytes, live, from `tcp_info`.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "A live view of sockets and processes: send and receive rates, retransmits, rtt, cwnd, owner.",
        discussion: """
            Rates are the deltas of tcp_info's bytes_acked and bytes_received per socket between two dumps, \
            retransmits the delta of total_retrans; UDP rows show no rates. Keys: s cycles the sort (rate, rtt, \
            retrans, age: newest first), p one row per process, / a live filter, Enter details, ? every key, q \
            quits. With -c, --json, or stdout not a terminal, one plain table (or NDJSON) is written per interval \
            instead. -n is the interval, as in procps watch (-n beside -d is the old count, deprecated).
            """)

    @OptionGroup(title: "Selection") var selection: SelectionOptions<NoLocalFamilies>
    @OptionGroup(title: "Filter") var filter: FilterOptions
    @OptionGroup(title: "Processes") var processes: ProcessOptions
    @OptionGroup(title: "Containers, pods and units") var workloads: WorkloadOptions

    @Option(
        name: [.customShort("n"), .customLong("interval")], parsing: .unconditional,
        help: ArgumentHelp("Seconds between refreshes, as procps watch -n (fractions allowed; default 1).", valueName: "seconds"))
    var interval: String?

    @Option(
        name: [.customShort("d"), .customLong("delay")], parsing: .unconditional,
        help: ArgumentHelp("The same as -n (the older spelling).", valueName: "seconds"))
    var delay: String?

    @Option(
        name: [.customShort("c"), .customLong("count")], parsing: .unconditional,
        help: ArgumentHelp("Write COUNT intervals as plain tables (or NDJSON), then exit.", valueName: "count"))
    var count: String?

    @Option(
        name: .customLong("color"),
        help: ArgumentHelp(
            "Colour the live view: auto (a colour terminal, and NO_COLOR unset), always or never.",
            valueName: "when"))
    var color: ColorChoice = .auto

    @Flag(name: .long, help: "Write NDJSON: one object per socket (or process) per interval, with its rates.")
    var json = false

    @Option(help: ArgumentHelp("The first sort: rate, rtt, retrans or age.", valueName: "key"))
    var sort: WatchSort = .rate

    @Flag(name: .customLong("by-process"), help: "Start with one row per process (the p key).")
    var byProcess = false

    @Flag(name: [.customShort("H"), .customLong("no-header")], help: "Plain output: leave out the interval and header lines.")
    var noHeader = false

    @Flag(name: .customLong("rescan-owners"), help: .hidden)
    var rescanOwners = false

    /// When the live view is coloured, as `ls --color` and `grep --color` take it.
    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    func validate() throws {
        _ = try timing()
        if filter.explain { throw ValidationError("--explain belongs to the listing: sockwatch --explain FILTER") }
    }

    /// The interval (`-n`, `-d`) and the count (`-c`), and a note when `-n` is read in its old meaning.
    ///
    /// Until 0.x `-n` was the count. `-n` beside `-d` can only be that (two intervals make no sense): it keeps
    /// working for this release, with a deprecation note. `-n` alone is the interval, as in procps `watch`.
    private func timing() throws -> (seconds: Double, count: Int?, note: String?) {
        var intervalText = interval ?? delay ?? "1"
        var countText = count
        var note: String?
        if let interval, let delay {
            guard count == nil else {
                throw ValidationError("-n and -d both give the interval: use one (and -c/--count for a count)")
            }
            intervalText = delay
            countText = interval
            note = "-n COUNT is deprecated: -n is now the interval in seconds, as in procps watch; use -c \(interval)"
        }
        guard let seconds = Double(intervalText), seconds.isFinite, seconds > 0, seconds <= 86400 else {
            let name = delay != nil ? "-d/--delay" : "-n/--interval"
            throw ValidationError("\(name) takes seconds greater than 0 (at most 86400), not '\(intervalText)'")
        }
        guard let countText else { return (seconds, nil, note) }
        guard let value = Int(countText), value > 0 else {
            throw ValidationError("-c/--count takes a number of intervals greater than 0, not '\(countText)'")
        }
        return (seconds, value, note)
    }

    /// Colour for the live view: `always`, `never`, or with `auto` a terminal that has colours and no
    /// `NO_COLOR` (no-color.org: set and not empty).
    private func colourOn() -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
            guard isatty(1) == 1, let term = getenv("TERM").map({ String(cString: $0) }) else { return false }
            if term.isEmpty || term == "dumb" { return false }
            if getenv("COLORTERM") != nil || term.contains("color") || term.contains("256") { return true }
            let families = ["xterm", "screen", "tmux", "rxvt", "linux", "konsole", "gnome", "alacritty", "kitty", "foot", "vt220", "ansi", "cygwin", "putty", "st"]
            return families.contains { term == $0 || term.hasPrefix($0 + "-") }
        }
    }

    func run() throws {
        let parsed = try filter.parsed()
        var states = parsed.states ?? selection.stateSet
        for excluded in selection.excludedStates { states.subtract(excluded.set) }
        // Rates come from tcp_info: watch follows INET transports only (TCP and UDP unless others are named).
        let netids = try selection.transports(
            allowed: Set(NetID.allCases.filter(\.isInet)), defaults: [.tcp, .udp],
            reason: "watch follows INET sockets only (TCP, UDP…): name no other family in -A (unix, netlink, packet, vsock)")
        var query = SocketQuery(netids: netids, families: selection.families, states: states)
        query.expression = parsed.expression
        query.kernelFilter = !filter.noKernelFilter
        query.selection = try processes.selection()
        query.workloads = workloads.selectors
        if !query.selection.isEmpty {
            let (pids, missing) = query.selection.resolve()
            if pids.isEmpty && !missing.isEmpty { throw PipelineError.noSuchProcess(missing) }
            for pid in missing { Stderr.line("no process with pid \(pid)") }
        }

        let (seconds, count, note) = try timing()
        if let note { Stderr.line("note: " + note) }
        let period = UInt64(seconds * 1e9)
        let delayText = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        let view = WatchView(sort: sort, byProcess: byProcess)
        let sampler = try WatchSampler(query: query, rescanOwners: rescanOwners, identify: workloads.identifier)

        if count == nil && !json && isatty(1) == 1 {
            var base = query
            base.expression = .all
            base.states = selection.stateSet
            for excluded in selection.excludedStates { base.states.subtract(excluded.set) }
            var live = LiveWatch(
                sampler: sampler, view: view, period: period, delayText: delayText, colour: colourOn(),
                baseQuery: base, filterText: filter.words().joined(separator: " "))
            return try live.run()
        }
        if interval != nil, delay == nil, count == nil, Int(interval!) != nil {
            // Plain output with -n alone: a script written for -n COUNT would now run on; say so once.
            Stderr.line("note: -n is the interval in seconds (as procps watch); -c/--count COUNT stops after COUNT intervals")
        }
        let out = OutputBuffer(fd: 1)
        let render: (Int, [WatchRow]) throws -> Void
        if json {
            let renderer = WatchJSONRenderer(out: out, view: view)
            render = { try renderer.render(interval: $0, $1) }
        } else {
            let renderer = WatchTableRenderer(out: out, view: view, delay: delayText, header: !noHeader)
            render = { try renderer.render(interval: $0, $1) }
        }
        var plain = PlainWatch(sampler: sampler, period: period, count: count, render: render)
        try plain.run()
    }
}
