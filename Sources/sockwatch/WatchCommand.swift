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
            retrans, age: newest first), p toggles one row per process, q quits. With -n, --json, or stdout not \
            a terminal, one plain table (or NDJSON) is written per interval instead.
            """)

    @OptionGroup(title: "Selection") var selection: SelectionOptions<NoLocalFamilies>
    @OptionGroup(title: "Filter") var filter: FilterOptions
    @OptionGroup(title: "Processes") var processes: ProcessOptions

    @Option(
        name: [.customShort("d"), .customLong("delay")], parsing: .unconditional,
        help: ArgumentHelp("Seconds between refreshes (fractions allowed).", valueName: "seconds"))
    var delay = "1"

    @Option(
        name: [.customShort("n"), .customLong("count")],
        help: ArgumentHelp("Write COUNT intervals as plain tables (or NDJSON), then exit.", valueName: "count"))
    var count: String?

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

    func validate() throws {
        _ = try seconds()
        _ = try intervals()
        if filter.explain { throw ValidationError("--explain belongs to the listing: sockwatch --explain FILTER") }
    }

    /// `-d` as seconds: a number greater than 0, at most a day.
    private func seconds() throws -> Double {
        guard let value = Double(delay), value.isFinite, value > 0, value <= 86400 else {
            throw ValidationError("-d/--delay takes seconds greater than 0 (at most 86400), not '\(delay)'")
        }
        return value
    }

    private func intervals() throws -> Int? {
        guard let count else { return nil }
        guard let value = Int(count), value > 0 else {
            throw ValidationError("-n/--count takes a number of intervals greater than 0, not '\(count)'")
        }
        return value
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
        if !query.selection.isEmpty {
            let (pids, missing) = query.selection.resolve()
            if pids.isEmpty && !missing.isEmpty { throw PipelineError.noSuchProcess(missing) }
            for pid in missing { Stderr.line("no process with pid \(pid)") }
        }

        let seconds = try seconds()
        let period = UInt64(seconds * 1e9)
        let delayText = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        let view = WatchView(sort: sort, byProcess: byProcess)
        let sampler = try WatchSampler(query: query, rescanOwners: rescanOwners)
        let count = try intervals()

        if count == nil && !json && isatty(1) == 1 {
            var live = LiveWatch(sampler: sampler, view: view, period: period, delayText: delayText)
            return try live.run()
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
