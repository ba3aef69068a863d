import Foundation
import SockTestSupport
import Testing

/// The bash completion script, loaded into a real bash, completing against the built binary.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct CompletionTests {
    /// Sources `sockwatch --generate-completion-script bash` into `bash --norc`, fills the words bash would for
    /// each line (cursor at the end), runs the completion function and returns one candidate list per line.
    static func complete(_ lines: [String]) throws -> [[String]] {
        let script = try BinaryRunner.run(["--generate-completion-script", "bash"])
        #expect(script.status == 0, "stderr: \(script.stderr)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sockwatch-completion-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptPath = directory.appendingPathComponent("sockwatch.bash").path
        try script.stdout.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        // The custom completions run "${COMP_WORDS[0]}": the built binary, found on PATH as `sockwatch`.
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("sockwatch").path, withDestinationPath: BinaryRunner.binary)
        let driver = """
            source "$1"; shift
            PATH="$(dirname "$1"):$PATH"; shift
            for line in "$@"; do
                COMP_LINE="$line"; COMP_POINT=${#line}
                read -ra COMP_WORDS <<< "$line"; [[ "$line" == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                COMPREPLY=()
                _sockwatch sockwatch "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\\n' "${COMPREPLY[*]}"
            done
            """
        let result = try BinaryRunner.exec(
            "/bin/bash",
            ["--norc", "--noprofile", "-c", driver, "bash", scriptPath, directory.appendingPathComponent("sockwatch").path]
                + lines)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let replies = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(replies.count == lines.count, "stdout: \(result.stdout)")
        return replies.map { $0.split(separator: " ").map(String.init) }
    }

    @Test func theDefaultCommandsOptionsStatesAndDialectFlagsComplete() throws {
        let replies = try Self.complete([
            "sockwatch --sta",
            "sockwatch --state est",
            "sockwatch -t --state listen,est",
            "sockwatch netstat -t",
            "sockwatch netstat --numeric-p",
            "sockwatch lsof -iT",
            "sockwatch -A unix_s",
            "sockwatch net",
            "sockwatch watch --by-",
        ])
        guard replies.count == 9 else { return }
        #expect(replies[0] == ["--state"])
        #expect(replies[1] == ["established"])
        #expect(replies[2] == ["listen,established"])
        #expect(replies[3].first == "-t" && replies[3].contains("-tl") && replies[3].contains("-tn"))
        #expect(!replies[3].contains("-tt"))
        #expect(replies[4] == ["--numeric-ports"])
        #expect(replies[5] == ["-iTCP"])
        #expect(replies[6] == ["unix_stream", "unix_seqpacket"])
        #expect(replies[7] == ["netstat"])
        #expect(replies[8] == ["--by-process"])
    }

    /// `--netns` offers the names in /run/netns: one the test adds itself is among them.
    @Test func netnsNamesComplete() throws {
        guard getuid() == 0 else {
            print("skipped: adding a network namespace needs root")
            return
        }
        let name = "swcomp\(getpid())x\(UInt16.random(in: 0...UInt16.max))"
        let add = try BinaryRunner.exec("/usr/sbin/ip", ["netns", "add", name])
        #expect(add.status == 0, "ip netns add: \(add.stderr)")
        defer { _ = try? BinaryRunner.exec("/usr/sbin/ip", ["netns", "delete", name]) }
        let replies = try Self.complete(["sockwatch --netns swcomp\(getpid())x", "sockwatch -N no-such-\(name)"])
        #expect(replies.first == [name])
        #expect(replies.last == [])
    }
}
