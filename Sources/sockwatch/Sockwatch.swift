import ArgumentParser
import BuildInfo
import CommandSupport
import Glibc

@main
struct Sockwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sockwatch",
        abstract: "List sockets with their state and owners, straight from the kernel's sock_diag.",
        discussion: """
            Without a subcommand, sockwatch lists sockets (the `list` subcommand): \
            `sockwatch -tlp`, `sockwatch state established '( dport = :443 )'`. \
            `sockwatch list --help` (and the sockwatch-list manual page) shows its options; \
            netstat, lsof, pfiles, watch, events and exporter have their own (sockwatch-netstat and so on).
            """,
        version: SockwatchVersion.line,
        subcommands: [
            ListCommand.self, NetstatCommand.self, LsofCommand.self, PfilesCommand.self, ExporterCommand.self,
            EventsCommand.self, WatchCommand.self,
        ],
        defaultSubcommand: ListCommand.self)

    /// Parses, runs, and maps every failure to one line on stderr and an exit status (`runAndExit`).
    static func main() {
        ProcessStart.prepare()
        signal(SIGPIPE, SIG_IGN)
        if VersionRequest.isRequested(Array(CommandLine.arguments.dropFirst())) {
            Glibc.exit(Stdout.writeHelp(SockwatchVersion.line + "\n"))
        }
        if let script = CompletionScript.requested(Array(CommandLine.arguments.dropFirst())) {
            Glibc.exit(Stdout.writeHelp(script))
        }
        // `sockwatch --help` describes the listing everyone runs, then names the dialects.
        if let first = CommandLine.arguments.dropFirst().first, first == "--help" || first == "-h",
            CommandLine.arguments.count == 2
        {
            let help = ListCommand.helpMessage(columns: nil).replacing("USAGE: list", with: "USAGE: sockwatch [list]")
                + "\nSUBCOMMANDS:\n  netstat                 net-tools netstat's flags and output (sockwatch netstat --help)\n"
                + "  lsof                    lsof -i's selection and output (sockwatch lsof --help)\n"
                + "  pfiles                  every descriptor of a process with its socket options (sockwatch pfiles --help)\n"
                + "  exporter                Prometheus metrics of the socket table on /metrics (sockwatch exporter --help)\n"
                + "  events                  NDJSON stream of new, state and destroy events (sockwatch events --help)\n"
                + "  watch                   a live view of rates, retransmits and rtt per socket or process (sockwatch watch --help)\n"
            Glibc.exit(Stdout.writeHelp(help))
        }
        runAndExit(FilterWords.coalesced(Array(CommandLine.arguments.dropFirst())))
    }
}
