import ArgumentParser
import CommandSupport
import SockDiag
import SockPipeline
import SockRender

/// The native listing: options turned into a `SocketQuery`, run by the pipeline into a table or NDJSON.
struct SocketListing {
    var selection: SelectionOptions<LocalFamilyOptions>
    var output: OutputOptions
    var filter: FilterOptions
    var processes: ProcessOptions
    var namespaces = NamespaceOptions()
    var containers = ContainerOptions()

    func run() throws {
        let query = try query()
        let pipeline = SocketPipeline(identify: containers.workloads.identifier, report: Stderr.note)
        if filter.explain { return try explain(query.resolvingCgroups(pipeline.cgroups)) }
        try pipeline.run(query, into: renderer(for: query, cgroups: pipeline.cgroups))
    }

    /// The options as a query for the pipeline.
    func query() throws -> SocketQuery {
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
        query.followSelectedNamespaces()
        // A summary counts; it never needs owners (a process selection still narrows it).
        query.owners = !output.summary && (output.processes || output.sockopts) || !query.selection.isEmpty
        query.socketOptions = output.sockopts
        query.allOwners = output.allOwners
        query.cgroups = containers.columns
        query.workloads = containers.workloads.selectors
        if containers.summaryGroup != nil && !output.summary {
            throw ValidationError("--by counts per workload with -s: add -s, or use --containers to show them")
        }
        if output.resolve && !output.summary { query.hostNames = output.resolveDeadlines.table() }
        return query
    }

    /// The table, NDJSON with `--json`, or the counts with `-s`, on stdout.
    func renderer(for query: SocketQuery, cgroups: CgroupAttribution? = nil) -> any SocketSink {
        var options = output.renderOptions
        options.processes = query.owners
        options.socketOptions = query.socketOptions
        options.cgroups = query.cgroups.contains(.paths)
        options.containers = query.cgroups.contains(.containers)
        if let namespaces = query.namespaces {
            options.namespaces = NamespaceTable(namespaces)
            if options.containers, let cgroups { options.namespaces?.containers = cgroups.labels(of: namespaces) }
        }
        // Interface indexes are per namespace: names only for sockwatch's own.
        if query.netids.contains(.packet) && query.namespaces == nil { options.interfaceNames = InterfaceNames.load() }
        if let hostNames = query.hostNames {
            var names = NameFiles.load().names(hosts: false, ports: true)
            names.resolved = hostNames
            options.names = names
        }
        let out = OutputBuffer(fd: 1)
        if output.summary { return SummaryRenderer(
                out: out, json: output.json, namespaces: options.namespaces, by: containers.summaryGroup) }
        return output.json ? JSONRenderer(out: out, options: options) : TableRenderer(out: out, options: options)
    }

    /// `--explain`: what the kernel is asked, and what Swift still checks.
    private func explain(_ query: SocketQuery) throws {
        let plan = query.plan
        let out = OutputBuffer(fd: 1)
        out.append("states: \(query.states.states.map(\.name).joined(separator: ","))\n")
        // What the INET requests ask the kernel to compare before the bytecode (TCP and UDP dumps).
        let pinned = query.requests.lazy.compactMap { request -> (local: UInt16, remote: UInt16)? in
            guard case .inet(let inet) = request else { return nil }
            let ports = inet.kernelPorts
            return ports != (0, 0) ? ports : nil
        }
        if let kernelPorts = pinned.first {
            let ports = [("sport", kernelPorts.local), ("dport", kernelPorts.remote)].filter { $0.1 != 0 }
            out.append("kernel port match (request id): \(ports.map { "\($0.0) \($0.1)" }.joined(separator: ", "))\n")
        }
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
