import ExporterArguments
import Glibc
import ProcIndex
import SockDiag
import SockTestSupport
import Testing

@testable import SockExporter

/// The real server on an ephemeral loopback port, fetched with a plain socket.
@Suite struct MetricsServerTests {
    struct Response {
        var status: Int
        var headers: [String]
        var body: String

        /// The value of the sample named exactly `series` (`name{labels}`), nil when absent.
        func sample(_ series: String) -> Double? {
            for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
                return Double(line.dropFirst(series.count + 1))
            }
            return nil
        }
    }

    /// Sends one HTTP/1.1 request and reads the answer until the server closes.
    static func fetch(port: Int, method: String = "GET", path: String) -> Response {
        let client = LiveSocket.tcpClient(port: UInt16(port))
        let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.utf8CString.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count - 1, 0) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
        let head = parts[0].split(separator: "\r\n").map(String.init)
        let status = head.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        return Response(status: status, headers: Array(head.dropFirst()), body: parts.count > 1 ? String(parts[1]) : "")
    }

    @Test func scrapeShowsOwnListenerAndProcess() throws {
        let listener = LiveSocket.tcpListener(v6: false, backlog: 16)
        let port = listener.localPort
        let pending = (0..<3).map { _ in LiveSocket.tcpClient(port: port) }
        // A child holding the listener and two ends of one connection of another listener: 3 sockets.
        let other = LiveSocket.tcpListener(v6: false, backlog: 4)
        let (client, server) = LiveSocket.tcpConnection(to: other)
        defer { withExtendedLifetime((other, client, server)) {} }
        let child = try HoldingChild.sleep(holding: [listener.fd, client.fd, server.fd], from: 3)
        var childAlive = true
        // Killed once only: a second kill would name a pid the kernel may have handed to another process.
        defer { if childAlive { child.terminate() } }

        let namespace = try NetworkNamespace.current()
        let exporter = Exporter(collector: try SocketCollector(namespace: namespace, top: 10_000))
        let metrics = try MetricsServer.start(
            exporter, listen: ListenAddress(host: "127.0.0.1", port: 0, isIPv6: false))
        defer { metrics.shutdown() }
        #expect(metrics.port > 0)

        let ns = "netns=\"\(namespace.label)\""
        let first = Self.fetch(port: metrics.port, path: "/metrics")
        #expect(first.status == 200)
        #expect(first.headers.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(first.sample("sockwatch_listen_queue_depth{\(ns),port=\"\(port)\"}") == 3)
        #expect(first.sample("sockwatch_listen_queue_backlog{\(ns),port=\"\(port)\"}") == 16)
        #expect(first.sample("sockwatch_listen_queue_backlog{\(ns),port=\"\(metrics.port)\"}") == 64)
        #expect(first.sample("sockwatch_process_sockets{\(ns),pid=\"\(child.processIdentifier)\",command=\"sleep\"}") == 3)
        #expect((first.sample("sockwatch_scrape_duration_seconds") ?? 0) > 0)
        if getuid() == 0 { #expect(first.sample("sockwatch_unreadable_processes") == 0) }
        #expect(first.sample("sockwatch_tcp_retransmits_total{\(ns)}") != nil)
        #expect((first.sample("sockwatch_sockets{netid=\"tcp\",state=\"listen\",\(ns)}") ?? 0) >= 3)
        #expect((first.sample("sockwatch_tcp_rtt_seconds_count{\(ns)}") ?? 0) >= 3)

        // The listener gone (the child too): its port's series go with it.
        child.terminate()
        childAlive = false
        listener.close()
        pending.forEach { $0.close() }
        let second = Self.fetch(port: metrics.port, path: "/metrics")
        #expect(second.status == 200)
        #expect(second.sample("sockwatch_listen_queue_depth{\(ns),port=\"\(port)\"}") == nil)
        #expect(second.sample("sockwatch_process_sockets{\(ns),pid=\"\(child.processIdentifier)\",command=\"sleep\"}") == nil)
        #expect(second.sample("sockwatch_listen_queue_backlog{\(ns),port=\"\(metrics.port)\"}") == 64)
    }

    @Test func otherPathsAndMethods() throws {
        let exporter = Exporter(collector: try SocketCollector(namespace: try NetworkNamespace.current(), top: 0))
        let metrics = try MetricsServer.start(
            exporter, listen: ListenAddress(host: "127.0.0.1", port: 0, isIPv6: false))
        defer { metrics.shutdown() }
        #expect(Self.fetch(port: metrics.port, path: "/").status == 404)
        #expect(Self.fetch(port: metrics.port, path: "/metricsx").status == 404)
        #expect(Self.fetch(port: metrics.port, method: "POST", path: "/metrics").status == 405)
        let withQuery = Self.fetch(port: metrics.port, path: "/metrics?x=1")
        #expect(withQuery.status == 200)
        #expect(withQuery.body.contains("# TYPE sockwatch_sockets gauge"))
        let head = Self.fetch(port: metrics.port, method: "HEAD", path: "/metrics")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }
}
