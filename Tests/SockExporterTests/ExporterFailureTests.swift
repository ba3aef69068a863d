import Glibc
import SockTestSupport
import Testing

/// How the server binary fails and what it says.
@Suite struct ExporterFailureTests {
    /// A port already bound: one line naming the address and the errno, status 1, no swift-nio internals.
    @Test func bindFailureIsOneLine() throws {
        let taken = LiveSocket.tcpListener(v6: false)
        defer { withExtendedLifetime(taken) {} }
        let address = "127.0.0.1:\(taken.localPort)"
        let result = try ExporterCLITests.run("sockwatch-exporter", ["--listen", address])
        #expect(result.status == 1)
        #expect(result.stderr == "sockwatch: cannot listen on \(address): address in use (EADDRINUSE)\n")
    }

    /// Run as nobody, the exporter counts the processes it could not read and says so once.
    @Test func unreadableProcessesAsNobody() throws {
        guard getuid() == 0, access("/usr/bin/setpriv", X_OK) == 0 else { return }
        let exporter = try ExporterProcess(
            wrapper: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
            arguments: ["--top", "5"])
        defer { exporter.stop() }
        try #require(exporter.port > 0, "exporter did not start: \(exporter.stderr)")
        // This test process runs as root: at least it cannot be read.
        for _ in 0..<2 {
            let response = MetricsServerTests.fetch(port: exporter.port, path: "/metrics")
            #expect(response.status == 200)
            #expect((response.sample("sockwatch_unreadable_processes") ?? 0) >= 1)
        }
        while exporter.readStderr(timeout: 200) {}
        let notes = exporter.stderr.split(separator: "\n").filter { $0.contains("could not be read") }
        #expect(notes.count == 1, "\(exporter.stderr)")
    }
}
