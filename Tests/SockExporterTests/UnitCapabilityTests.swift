import Foundation
import Glibc
import SockTestSupport
import Testing

/// The exporter under the capabilities its systemd unit grants (Packaging/systemd/sockwatch-exporter.service),
/// as an unprivileged uid: owners of another user's process and every namespace are still reported; without
/// them, the sockets are, with notes saying what could not be seen.
@Suite(
    .enabled(if: geteuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0, "needs root and setpriv to drop to a uid with capabilities"),
    .serialized)
struct UnitCapabilityTests {
    /// The unit's `AmbientCapabilities=` as setpriv takes them: `+dac_read_search,+sys_ptrace,...`.
    static func unitCapabilities() throws -> String {
        let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Packaging/systemd/sockwatch-exporter.service")
        let text = try String(contentsOf: unit, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("AmbientCapabilities=") })
        let names = line.dropFirst("AmbientCapabilities=".count).split(separator: " ")
        #expect(!names.isEmpty)
        return names.map { "+" + $0.dropFirst("CAP_".count).lowercased() }.joined(separator: ",")
    }

    /// A listener held by `sleep` running as uid and gid 4321 (not the exporter's, not ours).
    static func otherUsersListener() throws -> (LiveSocket, pid_t) {
        let listener = LiveSocket.tcpListener(v6: false)
        let pid = try ChildProcess.spawn(
            "/usr/bin/setpriv",
            ["setpriv", "--reuid=4321", "--regid=4321", "--clear-groups", "/bin/sleep", "60"],
            holding: [(listener.fd, 3)])
        // Ready once setpriv has become sleep (its own comm) with the socket at fd 3.
        for _ in 0..<1000 {
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/3")) ?? ""
            if comm == "sleep\n" && link == "socket:[\(listener.inode)]" { return (listener, pid) }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = ChildProcess.wait(pid)
        throw SpawnError("the uid-4321 sleep never held the listener")
    }

    /// Runs the exporter as nobody holding exactly `capabilities` (setpriv's list; empty: none), scrapes it
    /// twice (the namespaces are found at each scrape) and returns the last body and its stderr.
    static func scrape(capabilities: String) throws -> (body: String, stderr: String) {
        var wrapper = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        if capabilities.isEmpty {
            wrapper += ["--inh-caps=-all", "--bounding-set=-all"]
        } else {
            wrapper += ["--inh-caps=\(capabilities)", "--ambient-caps=\(capabilities)", "--bounding-set=-all,\(capabilities)"]
        }
        let exporter = try ExporterProcess(wrapper: wrapper, arguments: ["--all-netns", "--top", "10000"])
        defer { exporter.stop() }
        try #require(exporter.port > 0, "exporter did not start: \(exporter.stderr)")
        var body = ""
        for _ in 0..<2 {
            let response = MetricsServerTests.fetch(port: exporter.port, path: "/metrics")
            #expect(response.status == 200)
            body = response.body
        }
        while exporter.readStderr(timeout: 200) {}
        return (body, exporter.stderr)
    }

    @Test func theUnitsCapabilitiesReportOwnersAndEveryNamespace() throws {
        let capabilities = try Self.unitCapabilities()
        let (listener, pid) = try Self.otherUsersListener()
        defer { kill(pid, SIGKILL); _ = ChildProcess.wait(pid); withExtendedLifetime(listener) {} }
        let namespace = AllNamespacesTests.Named("caps")
        defer { namespace.remove() }

        let granted = try Self.scrape(capabilities: capabilities)
        #expect(granted.body.contains("sockwatch_process_sockets{") && granted.body.contains("pid=\"\(pid)\""),
                "the uid-4321 process is missing; stderr: \(granted.stderr)")
        #expect(AllNamespacesTests.sample(
            granted.body, "sockwatch_sockets", ["state=\"listen\"", "netns=\"\(namespace.name)\""]) == 1)
        #expect(granted.body.contains("sockwatch_unreadable_processes 0"))
        #expect(!granted.stderr.contains("could not be read") && !granted.stderr.contains("EPERM"), "\(granted.stderr)")

        let none = try Self.scrape(capabilities: "")
        // Still every socket of its own namespace, with the listener among them, but no owners ...
        #expect((AllNamespacesTests.sample(none.body, "sockwatch_sockets", ["state=\"listen\""]) ?? 0) >= 1)
        #expect(!none.body.contains("pid=\"\(pid)\""))
        let unreadable = none.body.split(separator: "\n").first { $0.hasPrefix("sockwatch_unreadable_processes ") }
        #expect(unreadable.flatMap { Double($0.split(separator: " ")[1]) }.map { $0 >= 1 } == true)
        #expect(none.stderr.contains("could not be read"), "\(none.stderr)")
        // ... and not the other namespace, which a note names.
        #expect(!none.body.contains("netns=\"\(namespace.name)\""))
        #expect(none.stderr.contains("cannot enter network namespace \(namespace.name): EPERM"), "\(none.stderr)")

        // CAP_DAC_READ_SEARCH without CAP_SYS_PTRACE: the other uid's table lists but its links are refused.
        // Its owners are unknown, and that is counted and noted, not lost silently.
        let listOnly = try Self.scrape(capabilities: "+dac_read_search")
        #expect(!listOnly.body.contains("pid=\"\(pid)\""))
        let counted = listOnly.body.split(separator: "\n").first { $0.hasPrefix("sockwatch_unreadable_processes ") }
        #expect(counted.flatMap { Double($0.split(separator: " ")[1]) }.map { $0 >= 1 } == true, "\(listOnly.body)")
        #expect(listOnly.stderr.contains("could not be read"), "\(listOnly.stderr)")
    }
}
