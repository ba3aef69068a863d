import Foundation
import SockTestSupport
import Testing

/// The tests' own process launcher: children hold exactly what they are given, output and status come back.
@Suite struct ChildProcessTests {
    @Test func childHoldsOnlyTheDescriptorsGiven() throws {
        let socket = LiveSocket.udp(v6: false)
        // A descriptor of ours left open without close-on-exec must not reach the child either.
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        let pid = try ChildProcess.spawn("/bin/sleep", ["/bin/sleep", "30"], holding: [(socket.fd, 7), (socket.fd, 9)])
        defer {
            kill(pid, SIGKILL)
            ChildProcess.wait(pid)
        }
        let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { Int($0) }
        #expect(Set(held) == [0, 1, 2, 7, 9])
        for fd in [7, 9] {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
            #expect(target == "socket:[\(socket.inode)]")
        }
    }

    @Test func runCapturesBothStreamsAndTheStatus() throws {
        // More than a pipe's buffer on stdout while stderr is written too: both are drained as they come.
        let output = try ChildProcess.run(
            "/bin/sh", ["-c", "head -c 200000 /dev/zero; echo oops >&2; exit 3"])
        #expect(output.stdout.count == 200_000)
        #expect(output.stderr == Array("oops\n".utf8))
        #expect(output.status == 3)
        let killed = try ChildProcess.run("/bin/sh", ["-c", "kill -TERM $$"])
        #expect(killed.status == SIGTERM)
    }

    @Test func aMissingProgramThrows() {
        #expect(throws: SpawnError.self) { try ChildProcess.run("/nonexistent/program", []) }
    }
}
