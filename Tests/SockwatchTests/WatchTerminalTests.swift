import Foundation
import SockTestSupport
import Testing

/// A private tmux server (its own socket name) with one detached session: a real pty for the live view.
struct TmuxSession {
    static let path = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let server = "sockwatch-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    /// Starts `command` (a shell command line) in a `width`×`height` window.
    ///
    /// The server outlives the call, so it is started clean: stdio on /dev/null and no other descriptor of
    /// the test process (a pipe it inherited would hold another test's reader open), no blocked signals and
    /// default dispositions (tmux hands its mask to the pane, and the test runner blocks most signals).
    init(_ command: String, width: Int = 200, height: Int = 50) throws {
        let arguments = [
            Self.path!, "-L", server, "new-session", "-d", "-s", "w", "-x", "\(width)", "-y", "\(height)", command,
        ]
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        let pid = try ChildProcess.spawn(Self.path!, arguments, holding: [(null, 0), (null, 1), (null, 2)])
        let status = ChildProcess.wait(pid)
        try #require(status == 0, "tmux new-session failed: status \(status)")
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.exec(Self.path!, ["-L", server] + arguments)
    }

    /// The visible pane, one string per line.
    func capture() throws -> [String] {
        var lines = try tmux(["capture-pane", "-p", "-t", "w"]).stdout
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }  // the newline after the last line
        return lines
    }

    func display(_ format: String) throws -> String {
        try tmux(["display", "-p", "-t", "w", format]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Captures until `done` holds, for up to `seconds`; returns the last capture.
    func waitFor(seconds: Double = 10, _ done: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var lines = try capture()
        while !done(lines) && Date() < deadline {
            usleep(100_000)
            lines = try capture()
        }
        return lines
    }

    /// The pid of the pane's shell's child (the sockwatch under test).
    func child() throws -> pid_t {
        let shell = try display("#{pane_pid}")
        let children = try String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        return try #require(children.split(separator: " ").first.flatMap { pid_t($0) })
    }

    /// Stops the server and removes its socket file, which tmux leaves behind.
    func kill() {
        _ = try? tmux(["kill-server"])
        let directory = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(directory)/tmux-\(getuid())/\(server)")
    }
}

/// The live view in a real terminal (tmux): the moving connection on top at its true rate, keys, resizing,
/// and the terminal put back on `q` and on SIGTERM.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: TmuxSession.path != nil, "tmux is not installed: the live view's terminal tests are skipped"))
struct WatchTerminalTests {
    /// `sockwatch watch -d 0.5 -t` on the flow's listener port, then a line with its exit status, then a wait.
    /// The wrapper shell ignores SIGINT, so Ctrl-C reaches only sockwatch (which installs its own handler)
    /// and the shell lives on to report how it ended.
    static func command(_ flow: SteadyFlow) -> String {
        let port = flow.listener.localPort
        return "trap '' INT; '\(BinaryRunner.binary)' watch -d 0.5 -t '( sport = :\(port) or dport = :\(port) )'; "
            + "echo sockwatch-exit=$?; sleep 600"
    }

    /// Rows on screen once the moving connection has a rate.
    static func rows(_ lines: [String]) -> [WatchTableRow] {
        lines.dropFirst(2).compactMap { WatchTableRow(Substring($0)) }
    }

    static func hasRates(_ lines: [String]) -> Bool {
        rows(lines).contains { ($0.sendRate ?? 0) > 0 }
    }

    /// Runs `body` once the live view of a flow with `idleConnections` idle connections shows a rate in tmux.
    static func withLiveView(idleConnections: Int, _ body: (SteadyFlow, TmuxSession) throws -> Void) throws {
        let flow = SteadyFlow(idleConnections: idleConnections)
        defer { flow.stop() }
        let tmux = try TmuxSession(command(flow))
        defer { tmux.kill() }
        _ = try tmux.waitFor(hasRates)
        try body(flow, tmux)
    }

    @Test func movingConnectionIsOnTopAtItsTrueRateAndQRestoresTheTerminal() throws {
        try Self.withLiveView(idleConnections: 3) { flow, tmux in
            #expect(try tmux.display("#{alternate_on}") == "1")
            usleep(1_100_000)  // two more refreshes at a steady rate
            var lines = try tmux.capture()
            #expect(lines.count == 50)
            #expect(lines[0].hasPrefix("sockwatch watch  every 0.5s  sort: rate  8 sockets"), "\(lines[0])")
            #expect(lines[1].hasPrefix("Proto State"))
            let rows = Self.rows(lines)
            #expect(rows.count == 8, "\(lines)")
            let me = "127.0.0.1:\(flow.client.localPort)"
            let listener = "127.0.0.1:\(flow.listener.localPort)"
            // The two ends of the moving connection lead, then the idle ones.
            let top = Set(rows.prefix(2).map { "\($0.local) \($0.peer)" })
            #expect(top == ["\(me) \(listener)", "\(listener) \(me)"], "\(lines.prefix(12))")
            let sender = try #require(rows.first { $0.local == me })
            let send = try #require(sender.sendRate)
            #expect(abs(send - flow.rate) / flow.rate < 0.2, "\(send) B/s on screen, true \(flow.rate)")
            #expect(rows.dropFirst(2).allSatisfy { $0.sendRate == 0 && $0.receiveRate == 0 })
            #expect(sender.owner.hasPrefix("\(getpid())/"))

            // p: one row per process; s: the next sort.
            try tmux.tmux(["send-keys", "-t", "w", "p"])
            func words(_ line: String) -> [Substring] { line.split(separator: " ") }
            lines = try tmux.waitFor(seconds: 3) { $0.count > 2 && words($0[1]).first == "PID" }
            #expect(words(lines[1]).prefix(3) == ["PID", "Program", "Sockets"], "\(lines.prefix(3))")
            #expect(words(lines[2]).first == "\(getpid())")
            #expect(words(lines[2]).dropFirst(2).first == "8")
            #expect(lines[0].contains("by process"))
            try tmux.tmux(["send-keys", "-t", "w", "s"])
            lines = try tmux.waitFor(seconds: 3) { $0.first?.contains("sort: rtt") == true }
            #expect(lines[0].contains("sort: rtt"))

            try tmux.tmux(["send-keys", "-t", "w", "q"])
            lines = try tmux.waitFor(seconds: 5) { $0.contains("sockwatch-exit=0") }
            #expect(lines.contains("sockwatch-exit=0"), "\(lines.prefix(5))")
            #expect(try tmux.display("#{alternate_on}") == "0")
            #expect(try tmux.display("#{cursor_flag}") == "1")
            // The main screen is back: nothing of the live view is left on it.
            #expect(!lines.contains { $0.hasPrefix("sockwatch watch") || $0.hasPrefix("Proto") })
        }
    }

    @Test func sigtermRestoresTheTerminal() throws {
        try Self.withLiveView(idleConnections: 1) { _, tmux in
            #expect(try tmux.display("#{alternate_on}") == "1")
            #expect(kill(try tmux.child(), SIGTERM) == 0)
            let lines = try tmux.waitFor(seconds: 5) { $0.contains { $0.hasPrefix("sockwatch-exit=") } }
            // Died of the signal after restoring (the shell reports 128 + 15).
            #expect(lines.contains("sockwatch-exit=143"), "\(lines.prefix(5))")
            #expect(try tmux.display("#{alternate_on}") == "0")
            #expect(try tmux.display("#{cursor_flag}") == "1")
            #expect(!lines.contains { $0.hasPrefix("sockwatch watch") })
        }
    }

    @Test func aSmallerWindowIsRedrawnToFit() throws {
        try Self.withLiveView(idleConnections: 3) { _, tmux in
            try tmux.tmux(["resize-window", "-t", "w", "-x", "60", "-y", "8"])
            let lines = try tmux.waitFor(seconds: 5) { $0.last?.hasPrefix("… ") == true }
            // 8 lines: the title, the header, 5 of the 8 sockets and a line saying how many are left out.
            #expect(lines.count == 8, "\(lines)")
            #expect(lines.allSatisfy { $0.count <= 60 })
            #expect(lines[0].hasPrefix("sockwatch watch  every 0.5s"))
            #expect(lines[1].hasPrefix("Proto State"))
            #expect(lines[7] == "… 3 more", "\(lines)")
            try tmux.tmux(["send-keys", "-t", "w", "C-c"])
            let after = try tmux.waitFor(seconds: 5) { $0.contains { $0.hasPrefix("sockwatch-exit=") } }
            #expect(after.contains("sockwatch-exit=130"), "\(after)")  // SIGINT, after restoring
            #expect(try tmux.display("#{alternate_on}") == "0")
        }
    }
}
