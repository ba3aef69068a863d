import ArgumentParser
import SockPipeline

/// How long a listing waits for host names: `--resolve-timeout`, `--resolve-deadline`.
struct ResolveOptions: ParsableArguments {
    @Option(
        name: .customLong("resolve-timeout"),
        help: ArgumentHelp(
            "Seconds one name lookup may take before its address prints as a number (default 1).", valueName: "seconds"))
    var lookup: Double = HostNames.Deadlines.standard.lookup

    @Option(
        name: .customLong("resolve-deadline"),
        help: ArgumentHelp(
            "Seconds all name lookups of a listing may take together (default 2); 128 run at once.",
            valueName: "seconds"))
    var total: Double = HostNames.Deadlines.standard.total

    func validate() throws {
        guard lookup > 0, lookup.isFinite, total > 0, total.isFinite, lookup <= 3600, total <= 3600 else {
            throw ValidationError("--resolve-timeout and --resolve-deadline take seconds between 0 and 3600")
        }
    }

    var deadlines: HostNames.Deadlines { HostNames.Deadlines(lookup: lookup, total: total) }

    /// A table for one listing's names.
    func table() -> HostNames { HostNames(deadlines: deadlines) }
}
