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
            With neither -t nor -u, TCP and UDP are listed over IPv4 and IPv6. Without -l, -a or --state, \
            the connected states are listed, as ss does.
            """,
        version: "0.1.0")

    @OptionGroup(title: "Selection") var selection: SelectionOptions
    @OptionGroup(title: "Filter") var filter: FilterOptions
    @OptionGroup(title: "Processes") var processes: ProcessOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func run() throws {
        try SocketListing(selection: selection, output: output, filter: filter, processes: processes).run()
    }

    /// Parses, runs, and maps every failure to one line on stderr and an exit status:
    /// 0 for help and a closed pipe, 2 for bad usage, 1 for a kernel failure.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        let status: Int32
        do {
            var command = try parseAsRoot()
            try command.run()
            status = 0
        } catch let error as DiagError {
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
