import ArgumentParser
import ProcIndex
import SockDiag
import SockRender

/// The native listing: options turned into a `SocketQuery`, run by the engine into a table or NDJSON.
struct SocketListing {
    var selection: SelectionOptions
    var output: OutputOptions
    var filter: FilterOptions
    var processes: ProcessOptions
    var namespaces = NamespaceOptions()

    func run() throws {
        let parsed = try filter.parsed()
        var states = parsed.states ?? selection.stateSet
        for excluded in selection.excludedStates { states.subtract(excluded.set) }
        if output.summary && parsed.states == nil && selection.states.isEmpty && !selection.listening {
            states = .all  // a summary counts every state unless told otherwise
            for excluded in selection.excludedStates { states.subtract(excluded.set) }
        }
        var query = SocketQuery(netids: selection.netids, families: selection.families, states: states)
        query.explicitNetids = selection.explicitNetids
        query.unixTypes = selection.unixTypes
        query.namespaces = try namespaces.namespaces()
        query.extensions = output.extensions
        query.expression = parsed.expression
        query.kernelFilter = !filter.noKernelFilter
        query.selection = try processes.selection()
        query.owners = output.processes || output.sockopts || !query.selection.isEmpty
        if output.sockopts { query.socketOptions = SocketOptionsTable() }
        query.allOwners = output.allOwners
        if filter.explain { return try explain(states: states, plan: query.plan) }

        var options = output.renderOptions
        options.processes = query.owners
        options.socketOptions = query.socketOptions
        if let namespaces = query.namespaces { options.namespaces = NamespaceTable(namespaces) }
        let out = OutputBuffer(fd: 1)
        let renderer: any SocketRenderer
        if output.summary {
            query.owners = false
            renderer = SummaryRenderer(out: out, json: output.json, namespaces: options.namespaces)
        } else if output.json {
            renderer = JSONRenderer(out: out, options: options)
        } else {
            renderer = TableRenderer(out: out, options: options)
        }
        try SocketEngine().run(query, into: renderer)
    }

    /// `--explain`: what the kernel is asked, and what Swift still checks.
    private func explain(states: StateSet, plan: BytecodeCompiler.Plan) throws {
        let out = OutputBuffer(fd: 1)
        out.append("states: \(states.states.map(\.name).joined(separator: ","))\n")
        if plan.bytecode.isEmpty {
            out.append("kernel bytecode: none\n")
        } else {
            out.append("kernel bytecode (\(plan.bytecode.count) bytes, INET_DIAG_REQ_BYTECODE):\n")
            for line in BytecodeCompiler.disassemble(plan.bytecode) { out.append("  \(line)\n") }
        }
        out.append("swift residual: \(plan.residual == .all ? "none" : plan.residual.description)\n")
        try out.flush()
    }
}
