import Foundation
import Glibc
import ProcIndex
import SockTestSupport
import Testing

@testable import SockExporter

/// The exporter against clients that connect and wait, or dribble headers: it must keep serving scrapes.
@Suite struct ExporterAbuseTests {
    /// 300 idle and 100 slowloris connections against an exporter limited to 256 descriptors: it stays near
    /// idle, a scrape is answered, and every one of those connections is closed after the short timeouts.
    @Test(.timeLimit(.minutes(1))) func idleAndSlowClientsDoNotStopScrapes() throws {
        let exporter = try ExporterProcess(
            wrapper: ["/usr/bin/prlimit", "--nofile=256:256", "--"],
            arguments: ["--top", "0", "--read-timeout", "1", "--idle-timeout", "1"])
        defer { exporter.stop() }
        try #require(exporter.port > 0, "exporter did not start: \(exporter.stderr)")

        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for batch in 0..<8 {
            for _ in 0..<50 {
                let fd = RawClient.connecting(port: exporter.port)
                clients.append(fd)
                // The last two batches send half a request head and then nothing.
                if batch >= 6 { RawClient.send(fd, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n") }
            }
            usleep(20_000)
        }

        // A quiet interval with all of them open: the exporter's CPU time stays far below the wall time.
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        let before = exporter.cpuTicks()
        sleep(2)
        let used = exporter.cpuTicks() - before
        #expect(before >= 0 && used < ticksPerSecond, "\(used) ticks of CPU in 2 s while clients wait")

        // A real scrape is answered.
        let scrape = RawClient.connecting(port: exporter.port)
        defer { close(scrape) }
        var writable = pollfd(fd: scrape, events: Int16(POLLOUT), revents: 0)
        _ = poll(&writable, 1, 5_000)
        RawClient.send(scrape, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let answer = RawClient.readToClose(scrape, timeout: 10_000)
        #expect(answer.closed)
        #expect(answer.bytes.hasPrefix("HTTP/1.1 200 OK"))
        #expect(answer.bytes.contains("# TYPE sockwatch_sockets gauge"))

        // Every idle and slow connection is closed by the server (timeouts of 1 s; generous wait).
        var open = clients
        let deadline = Date().addingTimeInterval(20)
        while !open.isEmpty, Date() < deadline {
            open = open.filter { !RawClient.isClosed($0) }
            if !open.isEmpty { usleep(200_000) }
        }
        #expect(open.isEmpty, "\(open.count) of \(clients.count) connections still open")
        #expect(kill(exporter.pid, 0) == 0, "the exporter died: \(exporter.stderr)")
    }

    /// A request the parser refuses gets one 400 and the connection is closed.
    @Test(arguments: [
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nBad header line\r\n\r\n",
        "GET /metrics\r\n\r\n",
    ])
    func badRequestIsAnsweredOnceAndClosed(request: String) throws {
        let exporter = Exporter(collector: try SocketCollector(namespace: try NetworkNamespace.current(), top: 0))
        let server = try MetricsServer.start(
            exporter, listen: .init(host: "127.0.0.1", port: 0, isIPv6: false))
        defer { server.shutdown() }
        let client = LiveSocket.tcpClient(port: UInt16(server.port))
        RawClient.send(client.fd, request)
        let answer = RawClient.readToClose(client.fd, timeout: 10_000)
        #expect(answer.closed, "the server kept the connection open after: \(answer.bytes.debugDescription)")
        #expect(answer.bytes.components(separatedBy: "HTTP/1.1 400").count == 2, "\(answer.bytes.debugDescription)")
        #expect(answer.bytes.contains("Connection: close") || answer.bytes.contains("connection: close"))
    }
}
