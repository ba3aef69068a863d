import Foundation
import SockTestSupport

/// A running `sockwatch events`, read line by line as it writes.
final class EventStream {
    let pid: pid_t
    private let out: Int32
    private let err: Int32
    private var pending: [UInt8] = []
    /// Every event read so far, in order.
    private(set) var events: [[String: Any]] = []
    /// Lines that were not JSON objects.
    private(set) var garbage: [String] = []
    private var stopped = false

    /// Starts `sockwatch ARGS` with stdout and stderr on pipes.
    init(_ arguments: [String]) throws {
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXError(.EMFILE) }
        pid = try ChildProcess.spawn(
            BinaryRunner.binary, [BinaryRunner.binary] + arguments, holding: [(outPipe[1], 1), (errPipe[1], 2)])
        close(outPipe[1])
        close(errPipe[1])
        out = outPipe[0]
        err = errPipe[0]
    }

    deinit {
        stop()
        close(out)
        close(err)
    }

    /// Reads until an event satisfies `match` or `timeout` seconds pass; returns its index in `events`.
    @discardableResult
    func waitFor(timeout: Double = 10, _ match: ([String: Any]) -> Bool) -> Int? {
        if let i = events.firstIndex(where: match) { return i }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let before = events.count
            guard read(until: deadline) else { return nil }
            if let i = events[before...].firstIndex(where: match) { return i }
        }
        return nil
    }

    /// Reads whatever arrives for `seconds`.
    func drain(for seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, read(until: deadline) {}
    }

    /// Stops the process (SIGKILL: a test thread may block SIGTERM, and a spawned child inherits that mask)
    /// and returns what it wrote on stderr.
    @discardableResult
    func stop() -> String {
        guard !stopped else { return "" }
        stopped = true
        kill(pid, SIGKILL)
        ChildProcess.wait(pid)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Foundation.read(err, &chunk, chunk.count)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits for output up to `deadline` and parses complete lines; false on EOF.
    private func read(until deadline: Date) -> Bool {
        var pfd = pollfd(fd: out, events: Int16(POLLIN), revents: 0)
        let ms = Int32(max(0, min(1000, deadline.timeIntervalSinceNow * 1000)))
        guard poll(&pfd, 1, ms) > 0 else { return true }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = Foundation.read(out, &chunk, chunk.count)
        if n <= 0 { return false }
        pending += chunk[0..<n]
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = Data(pending[..<newline])
            pending.removeSubrange(...newline)
            if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] {
                events.append(object)
            } else {
                garbage.append(String(decoding: line, as: UTF8.self))
            }
        }
        return true
    }
}
