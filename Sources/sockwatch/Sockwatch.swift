import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockRender

@main
struct Sockwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sockwatch",
        abstract: "List sockets with their state and owners, straight from the kernel's sock_diag.",
        discussion: """
            Without a subcommand, sockwatch lists sockets (the `list` subcommand): \
            `sockwatch -tlp`, `sockwatch state established '( dport = :443 )'`. \
            `sockwatch list --help` shows its options.
            """,
        version: "0.1.0",
        subcommands: [
            ListCommand.self, NetstatCommand.self, LsofCommand.self, PfilesCommand.self, ExporterCommand.self,
            EventsCommand.self, WatchCommand.self,
        ],
        defaultSubcommand: ListCommand.self)

    /// Parses, runs, and maps every failure to one line on stderr and an exit status:
    /// 0 for help and a closed pipe, 2 for bad usage, 1 for a kernel failure.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        // `sockwatch --help` describes the listing everyone runs, then names the dialects.
        if let first = CommandLine.arguments.dropFirst().first, first == "--help" || first == "-h",
            CommandLine.arguments.count == 2
        {
            print(ListCommand.helpMessage(columns: nil).replacing("USAGE: list", with: "USAGE: sockwatch [list]"))
            print("SUBCOMMANDS:\n  netstat                 net-tools netstat's flags and output (sockwatch netstat --help)")
            print("  lsof                    lsof -i's selection and output (sockwatch lsof --help)")
            print("  pfiles                  every descriptor of a process with its socket options (sockwatch pfiles --help)")
            print("  exporter                Prometheus metrics of the socket table on /metrics (sockwatch exporter --help)")
            print("  events                  NDJSON stream of new, state and destroy events (sockwatch events --help)")
            print("  watch                   a live view of rates, retransmits and rtt per socket or process (sockwatch watch --help)")
            Glibc.exit(0)
        }
        let status: Int32
        do {
            var command = try parseAsRoot()
            try command.run()
            status = 0
        } catch let error as DiagError {
            status = Self.fail(error.description, status: 1)
        } catch let error as NamespaceError {
            status = Self.fail(error.description, status: 1)
        } catch is OutputBuffer.Closed {
            status = 0
        } catch let error as OutputBuffer.WriteFailed {
            status = Self.fail(error.description, status: 1)
        } catch let code as ExitCode {
            status = code.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                status = 0
            } else {
                let message = message(for: error)
                    .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "\(error)"
                status = Self.fail(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message, status: 2)
            }
        }
        Glibc.exit(status)
    }

    /// Writes `sockwatch: MESSAGE` on stderr and returns `status`.
    static func fail(_ message: String, status: Int32) -> Int32 {
        var line = "sockwatch: \(message)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        return status
    }
}
