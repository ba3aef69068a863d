import ArgumentParser
import ExporterArguments
import Glibc
import ProcIndex
import SockDiag
import SockExporter

/// `sockwatch-exporter`: the Prometheus exporter's server, started by `sockwatch exporter`.
///
/// A separate binary so that swift-nio is not linked into `sockwatch` itself (see README, "Monitoring").
@main
struct ExporterMain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sockwatch exporter",
        abstract: "Serve the host's socket metrics to Prometheus on /metrics.")

    @OptionGroup var options: ExporterOptions

    func run() throws {
        let namespace: NetworkNamespace
        do {
            namespace = try NetworkNamespace.current()
        } catch {
            throw Failure("cannot read /proc/thread-self/ns/net: \(error)")
        }
        let workers = max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        let collector = try SocketCollector(namespace: namespace, top: options.top, workers: workers)
        let exporter =
            options.allNetns
            ? Exporter(
                collectors: [collector], top: options.top, workers: workers,
                refresh: NamespaceCollectors(own: collector, top: options.top, workers: workers).refresh)
            : Exporter(collector: collector)
        let server: MetricsServer
        do {
            if options.systemdSocket {
                server = try MetricsServer.start(exporter, boundSocket: try Self.systemdSocket())
            } else {
                server = try MetricsServer.start(exporter, listen: options.address)
            }
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure("cannot serve on \(options.systemdSocket ? "the systemd socket" : options.listen): \(error)")
        }
        var line = "sockwatch: serving metrics on http://\(Self.describe(server))/metrics\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        try server.wait()
    }

    /// The listening socket of systemd socket activation: fd 3, when `LISTEN_FDS` says one was passed to us.
    static func systemdSocket() throws -> Int32 {
        guard let count = getenv("LISTEN_FDS").map({ Int(String(cString: $0)) ?? 0 }), count >= 1 else {
            throw Failure("--systemd-socket: no socket was passed (LISTEN_FDS is not set)")
        }
        if let pid = getenv("LISTEN_PID").map({ Int32(String(cString: $0)) }), pid != getpid() {
            throw Failure("--systemd-socket: the passed socket is for pid \(pid.map(String.init) ?? "?"), not this one")
        }
        var listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else {
            throw Failure("--systemd-socket: fd 3 is not a listening socket")
        }
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDNAMES")
        return 3
    }

    static func describe(_ server: MetricsServer) -> String {
        guard let address = server.localAddress, let ip = address.ipAddress else { return "?" }
        return address.protocol == .inet6 ? "[\(ip)]:\(server.port)" : "\(ip):\(server.port)"
    }

    /// A failure to start serving: one line, exit status 1.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses and runs; bad usage is one line and status 2, a failure to serve one line and status 1.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        let status: Int32
        do {
            var command = try parseAsRoot()
            try command.run()
            status = 0
        } catch let failure as Failure {
            status = fail(failure.description, status: 1)
        } catch let code as ExitCode {
            status = code.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                status = 0
            } else if code == .validationFailure {
                let message = message(for: error)
                    .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "\(error)"
                status = fail(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message, status: 2)
            } else {
                status = fail("\(error)", status: 1)
            }
        }
        Glibc.exit(status)
    }

    static func fail(_ message: String, status: Int32) -> Int32 {
        var line = "sockwatch: \(message)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        return status
    }
}
