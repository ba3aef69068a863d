import Foundation
import SockTestSupport
import Testing

/// Whether python3 can import the validator Scripts/check-json-schema uses.
enum SchemaValidator {
    static let available: Bool =
        (try? BinaryRunner.exec("/usr/bin/env", ["python3", "-c", "import jsonschema, referencing"]).status) == 0
}

/// The NDJSON of every record kind, from live sockets, against docs/schema/v1 with Python's jsonschema
/// (`Scripts/check-json-schema`; Scripts/setup-deps installs the module).
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: SchemaValidator.available, "python3 has no jsonschema module: run Scripts/setup-deps"))
struct JSONSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let checker = root.appendingPathComponent("Scripts/check-json-schema").path

    /// Writes each output to a file and runs the checker over them; its status and report.
    static func check(_ kind: String, _ outputs: [String]) throws -> BinaryRunner.Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sockwatch-schema-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for (i, output) in outputs.enumerated() {
            let file = directory.appendingPathComponent("\(kind)-\(i).ndjson").path
            try output.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        return try BinaryRunner.exec("/usr/bin/env", ["python3", checker, kind] + files)
    }

    /// `sockwatch ARGS`, expected to succeed; its stdout.
    static func output(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 0, "sockwatch \(arguments.joined(separator: " ")): \(result.stderr)",
                sourceLocation: sourceLocation)
        return result.stdout
    }

    @Test func listingsOfEveryFamilyAndOptionValidate() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let listener6 = LiveSocket.tcpListener(v6: true)
        let udp = LiveSocket.udp(v6: false, connectedTo: LiveSocket.udp(v6: false))
        let udp6 = LiveSocket.udp(v6: true)
        let unixName = "@sockwatch-schema-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let unixListener = LiveSocket.unixListener(unixName)
        let unixClient = LiveSocket.unixClient(to: unixName)  // not accepted: the listener's `pending`
        let (pairA, pairB) = LiveSocket.unixPair()
        let netlink = LiveSocket.netlink()
        let mine = [listener, client, server, listener6, udp, udp6, unixListener, unixClient, pairA, pairB, netlink]
        defer { withExtendedLifetime(mine) {} }
        // UDP-Lite; packet and raw (root only); MPTCP where the kernel has it. Held by a child, not by this
        // process: the lsof dialect tests compare this process's Internet sockets with lsof's, which lists
        // raw sockets the dialect leaves out.
        let exotic = [LiveSocket.udplite(), LiveSocket.packet(), LiveSocket.rawICMP(), LiveSocket.mptcpListener()]
            .compactMap { $0 }
        let exoticInodes = exotic.map(\.inode)
        let holder = try HoldingChild.sleep(holding: exotic.map(\.fd))
        defer { holder.terminate() }
        for socket in exotic { socket.close() }

        let listings = try [
            ["-a", "--json"], ["-A", "all", "-a", "--json", "-p", "-e", "-o"], ["-a", "--json", "-i", "-m"],
            ["-t", "-a", "--json", "-i", "-m", "-e", "-o", "-p"], ["-x", "-a", "--json", "-p"],
            ["-a", "--json", "--pid", "\(getpid())", "--sockopts"],
            // Listeners only: another namespace may hold a benchmark's 200k connections.
            ["--all-netns", "-l", "--json", "-p"],
            // Cgroups and containers (every socket's, the root cgroup's label included), and each namespace's.
            ["-A", "all", "-a", "--json", "-p", "--cgroup", "--containers"], ["--all-netns", "-l", "--json", "--containers"],
        ].map { try Self.output($0) }
        // Every socket the test opened is in what was checked.
        let inodes = Set(listings.joined(separator: "\n").split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["inode"] as? Int
        })
        for inode in mine.map(\.inode) + exoticInodes { #expect(inodes.contains(Int(inode)), "inode \(inode) missing") }

        let result = try Self.check("listing", listings)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 invalid"))
    }

    @Test func summariesValidate() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        defer { withExtendedLifetime(listener) {} }
        let outputs = try [
            ["-s", "--json"], ["-s", "--json", "-a"], ["-s", "--json", "--all-netns"], ["-s", "--json", "--by", "container"],
            ["-s", "--json", "--by", "pod"],
        ].map {
            try Self.output($0)
        }
        let result = try Self.check("summary", outputs)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test(.enabled(if: getuid() == 0, "needs root (CAP_NET_ADMIN) for the sock_diag destroy groups on some kernels"))
    func eventsValidate() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let port = listener.localPort
        let stream = try EventStream([
            "events", "-t", "-a", "-i", "--initial", "--interval", "0.2", "--port", "\(port)", "--cgroup", "--containers",
        ])
        defer { stream.stop() }
        #expect(stream.waitFor { $0["state"] as? String == "listen" } != nil)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let clientPort = Int(client.localPort)
        #expect(stream.waitFor { $0["local_port"] as? Int == clientPort && $0["event"] as? String == "new" } != nil)
        client.close()
        server.close()
        #expect(stream.waitFor { $0["event"] as? String == "destroy" && $0["local_port"] as? Int == clientPort } != nil)
        let lines = try stream.events.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self)
        }
        let result = try Self.check("event", [lines.joined(separator: "\n") + "\n"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func watchRowsAndProcessRowsValidate() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        defer { withExtendedLifetime([listener, client, server]) {} }
        client.send(count: 4096)
        let port = "\(listener.localPort)"
        let outputs = try [
            ["watch", "--json", "-n", "2", "-d", "0.1", "--port", port],
            ["watch", "--json", "-n", "2", "-d", "0.1", "--by-process", "--port", port],
        ].map { try Self.output($0) }
        #expect(outputs[0].contains("\"inode\":\(client.inode)"))
        let result = try Self.check("watch", outputs)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// A record with a misspelt state, a missing cookie and an unknown key fails, each error named.
    @Test func aWrongRecordFails() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        defer { withExtendedLifetime(listener) {} }
        let line = try #require(
            try Self.output(["-t", "-l", "--json", "--port", "\(listener.localPort)"]).split(separator: "\n").first)
        var record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let good = try Self.check("listing", [String(line) + "\n"])
        #expect(good.status == 0, "\(good.stdout)")
        record["state"] = "listening"
        record["cookie"] = nil
        record["colour"] = "blue"
        let bad = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        let result = try Self.check("listing", [bad + "\n"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("state: 'listening' is not one of"), "\(result.stdout)")
        #expect(result.stdout.contains("'cookie' is a required property"), "\(result.stdout)")
        #expect(result.stdout.contains("'colour' was unexpected"), "\(result.stdout)")
    }
}
