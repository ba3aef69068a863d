import Foundation
import SockTestSupport
import Glibc
import Testing

/// `sockwatch exporter` as a user runs it: the built binaries.
@Suite struct ExporterCLITests {
    static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let output = try ChildProcess.run(
            TestBinaries.path(of: program), arguments,
            environment: environment.map { $0.map { "\($0.key)=\($0.value)" } })
        return (
            output.status, String(decoding: output.stdout, as: UTF8.self),
            String(decoding: output.stderr, as: UTF8.self)
        )
    }


    @Test(arguments: ["0.0.0.0:9477", "[::]:9477", ":9477"])
    func allInterfacesRefused(address: String) throws {
        for program in [["sockwatch", "exporter"], ["sockwatch-exporter"]] {
            let result = try Self.run(program[0], Array(program.dropFirst()) + ["--listen", address])
            #expect(result.status == 2)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("sockwatch: --listen: "))
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains("--allow-public"))
        }
    }

    @Test func badTopIsUsage() throws {
        let result = try Self.run("sockwatch", ["exporter", "--top", "-1"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// `sockwatch exporter` runs the server binary beside it: its own failure (no systemd socket) comes back.
    @Test func execsTheServerBinary() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["LISTEN_FDS"] = nil
        let result = try Self.run("sockwatch", ["exporter", "--systemd-socket"], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr == "sockwatch: --systemd-socket: no socket was passed (LISTEN_FDS is not set)\n")
    }
}
