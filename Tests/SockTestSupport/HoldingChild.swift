import Foundation
import Glibc

/// A child process holding some of the test's descriptors (and no other of ours), killed by `terminate()`.
public struct HoldingChild: Sendable {
    public let processIdentifier: pid_t

    /// Kills the child and reaps it.
    public func terminate() {
        kill(processIdentifier, SIGKILL)
        ChildProcess.wait(processIdentifier)
    }

    /// Starts `sleep 1800` holding `descriptors` at consecutive numbers from `first` (by default just above the
    /// highest of them); returns once the child holds them all.
    ///
    /// The child outlives any suite that keeps it, even on a loaded machine (a minute was once too short for a
    /// serialized suite); `terminate()` ends it.
    public static func sleep(holding descriptors: [Int32], from first: Int32? = nil) throws -> HoldingChild {
        let numbers = numbered(descriptors, from: first)
        let pid = try ChildProcess.spawn("/bin/sleep", ["/bin/sleep", "1800"], holding: numbers)
        try waitFor(pid, comm: "sleep", holding: numbers)
        return HoldingChild(processIdentifier: pid)
    }

    /// Starts a shell that renames itself to `name` (as `prctl(PR_SET_NAME)` would) and then waits, holding
    /// `descriptors` as `sleep(holding:from:)` does.
    public static func named(_ name: String, holding descriptors: [Int32], from first: Int32? = nil) throws
        -> HoldingChild
    {
        let numbers = numbered(descriptors, from: first)
        let file = "/tmp/sockwatch-comm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try name.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // The shell writes its own comm with a builtin (only its own thread group may), then stays: an exec
        // would reset the name. argv[0] carries the name too: netstat names a program by its first word.
        let script = "n=$(cat '\(file)'); printf '%s' \"$n\" > /proc/$$/comm; while :; do sleep 1; done"
        let pid = try ChildProcess.spawn("/bin/sh", [name, "-c", script], holding: numbers)
        try waitFor(pid, comm: String(name.prefix(15)), holding: numbers)
        return HoldingChild(processIdentifier: pid)
    }

    /// `descriptors` paired with the child's numbers, counting up from `first`.
    private static func numbered(_ descriptors: [Int32], from first: Int32?) -> [(ours: Int32, theirs: Int32)] {
        let base = first ?? ((descriptors.max() ?? 2) + 1)
        return descriptors.enumerated().map { (ours: $0.element, theirs: base + Int32($0.offset)) }
    }

    /// Waits (up to 10 s) until `pid`'s comm reads `comm` and each of its descriptors is the same open file as
    /// ours; throws (after killing the child) when it never is.
    private static func waitFor(_ pid: pid_t, comm: String, holding descriptors: [(ours: Int32, theirs: Int32)]) throws {
        func identity(_ st: stat) -> [UInt64] { [UInt64(st.st_dev), UInt64(st.st_ino)] }
        let wanted = descriptors.map { ours, theirs -> (Int32, [UInt64]) in
            var st = stat()
            return (theirs, fstat(ours, &st) == 0 ? identity(st) : [])
        }
        var current = ""
        var missing: [Int32] = []
        for _ in 0..<1000 {
            current = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
            missing = wanted.filter { theirs, object in
                var st = stat()
                return stat("/proc/\(pid)/fd/\(theirs)", &st) != 0 || identity(st) != object
            }.map(\.0)
            if current == comm + "\n" && missing.isEmpty { return }
            usleep(10_000)
        }
        HoldingChild(processIdentifier: pid).terminate()
        throw SpawnError(
            "child \(pid) (comm \(current.debugDescription)) does not hold descriptors \(missing.sorted())")
    }
}
