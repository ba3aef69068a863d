import Foundation
import SockTestSupport
import Testing

/// `--version` and `-V` on every command, the dialects included.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct VersionTests {
    /// `sockwatch 0.2.0 (git abc1234)`, or `(git unknown)` outside a clone.
    static func isVersionLine(_ text: String) -> Bool {
        text.wholeMatch(of: /sockwatch [0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]{7,}|unknown)\)\n/) != nil
    }

    @Test(arguments: [
        ["--version"], ["-V"], ["list", "--version"], ["list", "-V"], ["-tan", "-V"],
        ["netstat", "--version"], ["netstat", "-V"], ["lsof", "--version"],
        ["pfiles", "--version"], ["pfiles", "-V"], ["watch", "--version"], ["watch", "-V"],
        ["events", "--version"], ["events", "-V"], ["exporter", "--version"], ["exporter", "-V"],
    ])
    func everyCommandPrintsTheVersion(_ arguments: [String]) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(Self.isVersionLine(result.stdout), "stdout: \(result.stdout)")
        #expect(result.stderr.isEmpty)
    }

    /// In the lsof dialect `-V` keeps lsof's meaning (name the items not found), so it lists, not prints.
    @Test func lsofKeepsItsOwnV() throws {
        let result = try BinaryRunner.run(["lsof", "-V", "-p", "2147483646"])
        #expect(!Self.isVersionLine(result.stdout))
        #expect(result.status == 1, "stderr: \(result.stderr)")
    }

    /// After `--` a `-V` is a word like any other.
    @Test func afterTheTerminatorItIsNotAFlag() throws {
        let result = try BinaryRunner.run(["--", "-V"])
        #expect(!Self.isVersionLine(result.stdout))
        #expect(result.status == 2)
    }

    /// The exporter's own binary answers `--version` too.
    @Test(.enabled(if: TestBinaries.isAvailable("sockwatch-exporter"), "build sockwatch-exporter first"))
    func exporterBinaryPrintsTheVersion() throws {
        let result = try BinaryRunner.exec(TestBinaries.path(of: "sockwatch-exporter"), ["--version"])
        #expect(result.status == 0)
        #expect(Self.isVersionLine(result.stdout), "stdout: \(result.stdout)")
    }
}
