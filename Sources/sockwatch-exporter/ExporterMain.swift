import ArgumentParser
import BuildInfo
import CommandSupport
import ExporterArguments
import Glibc
import SockExporter
import SockPipeline

/// `sockwatch-exporter`: the Prometheus exporter's server, started by `sockwatch exporter`.
///
/// A separate binary so that swift-nio is not linked into `sockwatch` itself (docs/exporter.md).
@main
struct ExporterMain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sockwatch exporter",
        abstract: "Serve the host's socket metrics to Prometheus on /metrics.",
        version: SockwatchVersion.line)

    @OptionGroup var options: ExporterOptions

    func run() throws {
        let namespace: NetworkNamespace
        do {
            namespace = try NetworkNamespace.current()
        } catch {
            throw CommandFailure("cannot read /proc/thread-self/ns/net: \(error)")
        }
        let workers = SocketPipeline.workers
        let collector = try SocketCollector(namespace: namespace, top: options.top, workers: workers)
        var makeTally: (() -> WorkloadTally)?
        if options.byContainer {
            // One cgroup cache for every namespace: cgroups are the host's.
            let cgroups = CgroupAttribution(identify: ContainerNaming.identifier(runtimeRoot: options.runtimeRoot))
            if cgroups.tree.mount == nil { Stderr.note(.noCgroupMount) }
            let limit = options.maxContainers
            makeTally = { WorkloadTally(cgroups: cgroups, limit: limit) }
            collector.workloads = makeTally?()
        }
        let exporter: Exporter
        if options.allNetns {
            let namespaces = NamespaceCollectors(own: collector, top: options.top, workers: workers)
            namespaces.makeTally = makeTally
            exporter = Exporter(
                collectors: [collector], top: options.top, workers: workers, ownersFullScan: options.ownersFullScan,
                refresh: namespaces.refresh)
        } else {
            exporter = Exporter(collector: collector, ownersFullScan: options.ownersFullScan)
        }
        let limits = ServerLimits(
            readTimeoutSeconds: options.readTimeout, idleTimeoutSeconds: options.idleTimeout,
            maxConnections: options.maxConnections)
        let web = try options.webConfigFile.map { try WebConfig.load(path: $0) } ?? WebConfig()
        let server: MetricsServer
        do {
            if options.systemdSocket {
                server = try MetricsServer.start(exporter, boundSocket: try Self.systemdSocket(), limits: limits, web: web)
            } else {
                server = try MetricsServer.start(exporter, listen: options.address, limits: limits, web: web)
            }
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("cannot serve on \(options.systemdSocket ? "the systemd socket" : options.listen): \(error)")
        }
        let scheme = web.tls == nil ? "http" : "https"
        let auth = web.users.isEmpty ? "" : " (basic auth: \(web.users.count) users)"
        Stderr.line("serving metrics on \(scheme)://\(Self.describe(server))/metrics\(auth)")
        try server.wait()
    }

    /// The listening socket of systemd socket activation: fd 3, when `LISTEN_FDS` says one was passed to us.
    static func systemdSocket() throws -> Int32 {
        guard let count = getenv("LISTEN_FDS").map({ Int(String(cString: $0)) ?? 0 }), count >= 1 else {
            throw CommandFailure("--systemd-socket: no socket was passed (LISTEN_FDS is not set)")
        }
        if let pid = getenv("LISTEN_PID").map({ Int32(String(cString: $0)) }), pid != getpid() {
            throw CommandFailure("--systemd-socket: the passed socket is for pid \(pid.map(String.init) ?? "?"), not this one")
        }
        var listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else {
            throw CommandFailure("--systemd-socket: fd 3 is not a listening socket")
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

    /// Parses and runs; bad usage is one line and status 2, a failure to serve one line and status 1.
    static func main() {
        runAndExit()
    }
}
