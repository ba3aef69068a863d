import ArgumentParser
import ProcIndex
import SockDiag

/// The `ss` filter expression and its sugar options.
struct FilterOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "An ss filter: [state NAME|exclude NAME]… EXPRESSION.",
            discussion: """
                Conditions: sport/dport OP PORT (OP: = == != < > <= >= eq ne lt gt le ge; PORT: :443, :https, 443), \
                src/dst [=|!=] HOST (HOST: 10.0.0.0/8, 127.0.0.1:8080, [::1]:443, [2001:db8::]/32, *, *:80, or a host \
                name, NAME or NAME:PORT, which matches every IPv4 and IPv6 address the resolver gives it). \
                Combine with and/&&, or/||, not/!, parentheses; two conditions side by side mean 'and'. \
                The filter is compiled to inet_diag bytecode and run by the kernel; --explain shows the program.
                """,
            valueName: "filter"))
    var expression: [String] = []

    @Option(name: .customLong("port"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Either end's port (sport or dport).", valueName: "port"))
    var ports: [String] = []

    @Option(name: .customLong("sport"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Local port (sugar for 'sport = PORT').", valueName: "port"))
    var sports: [String] = []

    @Option(name: .customLong("dport"), parsing: .unconditionalSingleValue, help: ArgumentHelp("Remote port (sugar for 'dport = PORT').", valueName: "port"))
    var dports: [String] = []

    @Option(name: .customLong("src"), help: ArgumentHelp("Local address (sugar for 'src HOST').", valueName: "host"))
    var sources: [String] = []

    @Option(name: .customLong("dst"), help: ArgumentHelp("Remote address (sugar for 'dst HOST').", valueName: "host"))
    var destinations: [String] = []

    @Flag(help: "Print the state mask, the kernel bytecode and the Swift residual of the filter, then exit.")
    var explain = false

    @Flag(
        name: .customLong("no-kernel-filter"),
        help: "Evaluate the filter in Swift on every socket instead of in the kernel (for comparison).")
    var noKernelFilter = false

    /// The expression and the sugar options, parsed together: sugar repeats OR, different sugar options AND.
    func parsed() throws -> ParsedFilter {
        do {
            // Host names resolve through NSS to every address they have (v4 and v6), within the deadline.
            return try FilterParser.parse(words()) { try HostAddresses.lookUp($0) }
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The expression's words with the sugar options written out as conditions.
    func words() -> [String] {
        var words = expression
        func sugar(_ values: [String], _ clause: (String) -> String) {
            guard !values.isEmpty else { return }
            if !words.isEmpty { words.append("and") }
            words.append("(")
            words.append(values.map(clause).joined(separator: " or "))
            words.append(")")
        }
        // `state` words must lead, so sugar goes after the user's expression.
        sugar(ports) { "( sport = \(Self.colon($0)) or dport = \(Self.colon($0)) )" }
        sugar(sports) { "sport = \(Self.colon($0))" }
        sugar(dports) { "dport = \(Self.colon($0))" }
        sugar(sources) { "src \($0)" }
        sugar(destinations) { "dst \($0)" }
        return words
    }

    private static func colon(_ port: String) -> String { port.hasPrefix(":") ? port : ":\(port)" }
}
