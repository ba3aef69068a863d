import ArgumentParser
import SockDiag

/// `sockwatch events [options] [filter]`: NDJSON, one line per socket opened, changing state, or destroyed.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Stream socket events as NDJSON: new, state and destroy (needs CAP_NET_ADMIN).",
        discussion: """
            "destroy" comes from the kernel's sock_diag destroy notices (as ss -E reads them) with the final \
            tcp_info; "new" and "state" come from comparing dumps taken every --interval seconds. Sockets open \
            at start are followed silently unless --initial. Filters select as in the listing; a destroy notice \
            passes the filter expression, and with a state selection (--state, -l, state words) only sockets \
            seen in those states are reported destroyed.
            """)

    @OptionGroup(title: "Selection") var selection: SelectionOptions<TCPAndUDPOnly>
    @OptionGroup(title: "Filter") var filter: FilterOptions
    @OptionGroup(title: "Containers, pods and units") var containers: ContainerOptions

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seconds between dumps (new and state events).", valueName: "seconds"))
    var interval: Double = 1

    @Flag(name: .long, help: "Accepted for symmetry with the other commands: events always writes NDJSON.")
    var json = false

    @Flag(name: .long, help: "Report the sockets open at start as \"new\" events.")
    var initial = false

    @Flag(name: [.customShort("i"), .long], help: "Add tcp_info to new and state events (destroy events always have it).")
    var info = false

    @Option(
        name: .customLong("max-sockets"),
        help: ArgumentHelp("Sockets followed at most; beyond it new sockets get no new/state events.", valueName: "count"))
    var maxSockets = 250_000

    func validate() throws {
        guard interval > 0, interval.isFinite, interval <= 86_400 else {
            throw ValidationError("--interval takes seconds greater than 0 (up to 86400), not \(interval)")
        }
        guard maxSockets > 0 else { throw ValidationError("--max-sockets takes a positive count") }
        if filter.explain { throw ValidationError("--explain is for listings: run sockwatch --explain with the same filter") }
        if containers.summaryGroup != nil { throw ValidationError("--by counts per workload in a listing with -s") }
        _ = try netids()
    }

    /// TCP and UDP, or those of them named: the kernel has destroy notices for those only.
    private func netids() throws -> [NetID] {
        try selection.transports(
            allowed: [.tcp, .udp], defaults: [.tcp, .udp],
            reason: "events follows TCP and UDP only (the kernel has destroy notices for those)")
    }

    func run() throws {
        let parsed = try filter.parsed()
        var states = parsed.states ?? selection.stateSet
        for excluded in selection.excludedStates { states.subtract(excluded.set) }
        let narrowed =
            parsed.states != nil || !selection.states.isEmpty || !selection.excludedStates.isEmpty
            || selection.listening
        try EventLoop(
            netids: try netids(), families: selection.families, states: states, statesNarrowed: narrowed,
            expression: parsed.expression, kernelFilter: !filter.noKernelFilter,
            interval: UInt64(interval * 1e9), initial: initial, info: info, capacity: maxSockets,
            cgroups: containers.columns, workloads: containers.workloads.selectors, identify: containers.workloads.identifier
        ).run()
    }
}
