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

    /// The visible pane with its colours and attributes as SGR escapes (`capture-pane -e`).
    func captureEscapes() throws -> String {
        try tmux(["capture-pane", "-p", "-e", "-t", "w"]).stdout
    }

    /// Types `keys` (tmux key names: `Down`, `PageDown`, `Enter`, `Escape`, `C-u`, or literal text).
    func send(_ keys: String...) throws {
        try tmux(["send-keys", "-t", "w"] + keys)
    }

    /// Types `text` literally (no key-name lookup: `/` and spaces as they are).
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", "w", "-l", text])
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
    /// `sockwatch watch -n 0.5 -t` on the flow's listener port, then a line with its exit status, then a wait.
    /// The wrapper shell ignores SIGINT, so Ctrl-C reaches only sockwatch (which installs its own handler)
    /// and the shell lives on to report how it ended.
    static func command(_ flow: SteadyFlow, environment: String = "", options: String = "") -> String {
        let port = flow.listener.localPort
        return "trap '' INT; \(environment) '\(BinaryRunner.binary)' watch -n 0.5 \(options) -t "
            + "'( sport = :\(port) or dport = :\(port) )'; echo sockwatch-exit=$?; sleep 600"
    }

    /// Rows on screen once the moving connection has a rate.
    static func rows(_ lines: [String]) -> [WatchTableRow] {
        lines.dropFirst(2).compactMap { WatchTableRow(Substring($0)) }
    }

    static func hasRates(_ lines: [String]) -> Bool {
        rows(lines).contains { ($0.sendRate ?? 0) > 0 }
    }

    /// Runs `body` once the live view of a flow with `idleConnections` idle connections shows a rate in tmux.
    static func withLiveView(
        idleConnections: Int, width: Int = 200, height: Int = 50, environment: String = "", options: String = "",
        _ body: (SteadyFlow, TmuxSession) throws -> Void
    ) throws {
        let flow = SteadyFlow(idleConnections: idleConnections)
        defer { flow.stop() }
        let tmux = try TmuxSession(
            command(flow, environment: environment, options: options), width: width, height: height)
        defer { tmux.kill() }
        _ = try tmux.waitFor(seconds: 30) { lines in lines.contains { $0.contains("rows 1–") } }
        try body(flow, tmux)
    }

    /// Whether a line of the table shows the socket `local` -> `peer` (loopback ports), whichever columns fit.
    static func shows(_ line: String, local: UInt16, peer: UInt16) -> Bool {
        let words = line.split(separator: " ")
        return zip(words, words.dropFirst()).contains { $0 == "127.0.0.1:\(local)" && $1 == "127.0.0.1:\(peer)" }
    }

    /// The lines drawn in reverse video (the selected row), from `capture-pane -e`.
    static func selectedLines(_ escaped: String) -> [String] {
        escaped.split(separator: "\n").filter { $0.contains("\u{1B}[7m") && $0.contains("127.0.0.1:") }.map { line in
            // Drop the escapes: ESC [ … final byte.
            var text = ""
            var inEscape = false
            for scalar in line.unicodeScalars {
                if inEscape {
                    if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
                } else if scalar == "\u{1B}" {
                    inEscape = true
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
            return text
        }
    }

    /// Whether `escaped` (a `capture-pane -e`) sets a foreground colour: SGR 30–37, 90–97 or 38;….
    static func hasColour(_ escaped: String) -> Bool {
        let codes = (30...37).map { "\u{1B}[\($0)m" } + (90...97).map { "\u{1B}[\($0)m" } + ["\u{1B}[38;"]
        return codes.contains { escaped.contains($0) }
    }

    @Test func movingConnectionIsOnTopAtItsTrueRateAndQRestoresTheTerminal() throws {
        try Self.withLiveView(idleConnections: 3) { flow, tmux in
            #expect(try tmux.display("#{alternate_on}") == "1")
            _ = try tmux.waitFor(seconds: 30, Self.hasRates)
            // Two more refreshes at a steady rate: the moving connection is 2 s old.
            var lines = try tmux.waitFor(seconds: 30) { lines in
                Self.rows(lines).contains { ($0.sendRate ?? 0) > 0 && $0.ageSeconds.map { $0 >= 2 } == true }
            }
            #expect(lines.count == 50)
            #expect(lines[0].hasPrefix("sockwatch watch  every 0.5s  sort: rate  rows 1–8 of 8"), "\(lines[0])")
            #expect(lines[1].hasPrefix("8 sockets ↑"), "\(lines[1])")
            #expect(lines[2].hasPrefix("Proto State"))
            #expect(lines[49].hasPrefix("? help  / filter"), "\(lines[49])")
            let rows = Self.rows(lines)
            #expect(rows.count == 8, "\(lines)")
            let me = "127.0.0.1:\(flow.client.localPort)"
            // (The live view's rows are checked after rates showed: the sender's rate on screen.)
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
            lines = try tmux.waitFor(seconds: 20) { $0.count > 3 && words($0[2]).first == "PID" }
            #expect(words(lines[2]).prefix(3) == ["PID", "Program", "Sockets"], "\(lines.prefix(4))")
            #expect(words(lines[3]).first == "\(getpid())")
            #expect(words(lines[3]).dropFirst(2).first == "8")
            #expect(lines[0].contains("by process"))
            try tmux.tmux(["send-keys", "-t", "w", "s"])
            lines = try tmux.waitFor(seconds: 20) { $0.first?.contains("sort: rtt") == true }
            #expect(lines[0].contains("sort: rtt"))

            try tmux.tmux(["send-keys", "-t", "w", "q"])
            lines = try tmux.waitFor(seconds: 20) { $0.contains("sockwatch-exit=0") }
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
            let lines = try tmux.waitFor(seconds: 20) { $0.contains { $0.hasPrefix("sockwatch-exit=") } }
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
            let lines = try tmux.waitFor(seconds: 20) { $0.count == 8 && $0[0].contains("rows 1–4 of 8") }
            // 8 lines: the title, the totals, the header, 4 of the 8 sockets and the key line.
            #expect(lines.count == 8, "\(lines)")
            #expect(lines.allSatisfy { $0.count <= 60 })
            #expect(lines[0].hasPrefix("sockwatch watch  every 0.5s"))
            #expect(lines[0].contains("rows 1–4 of 8"), "\(lines)")
            #expect(lines[2].hasPrefix("State"), "\(lines)")  // Proto and Cwnd give way first
            #expect(lines[7].hasPrefix("? help"), "\(lines)")
            try tmux.tmux(["send-keys", "-t", "w", "C-c"])
            let after = try tmux.waitFor(seconds: 20) { $0.contains { $0.hasPrefix("sockwatch-exit=") } }
            #expect(after.contains("sockwatch-exit=130"), "\(after)")  // SIGINT, after restoring
            #expect(try tmux.display("#{alternate_on}") == "0")
        }
    }

    /// 80×24, 62 sockets: PgDn reaches a socket the first screen did not show, the title says which rows are
    /// shown, and the selection stays on its socket across refreshes and a sort change.
    @Test func scrollingReachesSocketsBeyondTheFirstScreenAndTheSelectionFollowsItsSocket() throws {
        try Self.withLiveView(idleConnections: 30, width: 80, height: 24) { flow, tmux in
            let port = flow.listener.localPort
            var lines = try tmux.waitFor(seconds: 30) { $0.first?.contains("rows 1–20 of 62") == true }
            #expect(lines.count == 24)
            #expect(lines[0].contains("rows 1–20 of 62"), "\(lines[0])")
            #expect(lines.allSatisfy { $0.unicodeScalars.count <= 80 })
            // An idle connection's client end that the first screen does not show.
            let hidden = try #require(flow.idle.first { idle in
                !lines.contains { Self.shows($0, local: idle.client.localPort, peer: port) }
            })
            let target = hidden.client.localPort
            var pages = 0
            while !lines.contains(where: { Self.shows($0, local: target, peer: port) }) && pages < 3 {
                try tmux.send("PageDown")
                pages += 1
                let first = 1 + 20 * pages
                lines = try tmux.waitFor(seconds: 20) { $0.first?.contains("rows \(first)–") == true }
            }
            #expect(lines.contains { Self.shows($0, local: target, peer: port) }, "\(lines)")
            #expect(!lines[0].contains("rows 1–20"), "\(lines[0])")
            // The selected row (reverse video) is still the same socket after two refreshes and a new sort.
            let selected = try #require(Self.selectedLines(try tmux.captureEscapes()).first)
            let ends = selected.split(separator: " ").filter { $0.hasPrefix("127.0.0.1:") }
            try #require(ends.count == 2)
            let totalsBefore = lines[1]
            _ = try tmux.waitFor(seconds: 20) { $0.count > 1 && $0[1] != totalsBefore }
            try tmux.send("s")
            _ = try tmux.waitFor(seconds: 20) { $0.first?.contains("sort: rtt") == true }
            let after = Self.selectedLines(try tmux.captureEscapes())
            #expect(after.count == 1)
            #expect(after.first.map { $0.split(separator: " ").filter { $0.hasPrefix("127.0.0.1:") } } == ends, "\(after)")
            // Home and End.
            try tmux.send("End")
            lines = try tmux.waitFor(seconds: 20) { $0.first?.contains("rows 43–62 of 62") == true }
            #expect(lines[0].contains("rows 43–62 of 62"), "\(lines[0])")
            try tmux.send("Home")
            lines = try tmux.waitFor(seconds: 20) { $0.first?.contains("rows 1–20 of 62") == true }
            #expect(lines[0].contains("rows 1–20 of 62"), "\(lines[0])")
        }
    }

    /// `/dport = :PORT` leaves the one socket, a bad filter keeps it, Enter shows its rtt and owner, b and t
    /// switch units and totals, ? shows the help.
    @Test func liveFilterDetailsUnitsTotalsAndHelp() throws {
        try Self.withLiveView(idleConnections: 5, width: 80, height: 24) { flow, tmux in
            let port = flow.listener.localPort
            let client = flow.idle[2].client.localPort
            try tmux.send("/")
            var lines = try tmux.waitFor(seconds: 20) { $0.last?.hasPrefix("/( sport = :\(port)") == true }
            #expect(lines.last?.hasPrefix("/( sport = :\(port) or dport = :\(port) )") == true, "\(lines.last ?? "")")
            try tmux.send("C-u")
            try tmux.type("dport = :\(client)")
            try tmux.send("Enter")
            lines = try tmux.waitFor(seconds: 20) { $0.first?.contains("rows 1–1 of 1") == true }
            #expect(lines[0].contains("rows 1–1 of 1") && lines[0].contains("filter: dport = :\(client)"), "\(lines[0])")
            let rows = lines.filter { $0.contains("127.0.0.1:") }
            #expect(rows.count == 1, "\(lines)")
            #expect(rows.first.map { Self.shows($0, local: port, peer: client) } == true, "\(rows)")

            // A bad expression: its error in the prompt, the old filter kept.
            try tmux.send("/")
            _ = try tmux.waitFor(seconds: 20) { $0.last?.hasPrefix("/dport") == true }
            try tmux.send("C-u")
            try tmux.type("dport = :nope")
            try tmux.send("Enter")
            lines = try tmux.waitFor(seconds: 20) { $0.last?.contains("bad port") == true }
            #expect(lines.last?.hasPrefix("/dport = :nope   ") == true, "\(lines.last ?? "")")
            #expect(lines.last?.contains("bad port") == true)
            try tmux.send("Escape")
            let totalsBefore = lines[1]
            lines = try tmux.waitFor(seconds: 20) { $0.count > 1 && $0[1] != totalsBefore && $0.last?.hasPrefix("? help") == true }
            #expect(lines[0].contains("rows 1–1 of 1") && lines[0].contains("filter: dport = :\(client)"), "\(lines[0])")
            #expect(lines.filter { $0.contains("127.0.0.1:") }.count == 1)

            // Details: rtt and the owner (this test process) with its command line.
            try tmux.send("Enter")
            lines = try tmux.waitFor(seconds: 20) { $0.contains { $0.hasPrefix("  rtt") || $0.contains(" rtt:") } }
            #expect(lines.contains { $0.hasPrefix("tcp ESTABLISHED  127.0.0.1:\(port) -> 127.0.0.1:\(client)") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("rate ") && $0.contains(" rtt ") && $0.contains(" ms") }, "\(lines)")
            #expect(lines.contains { $0.contains(" rtt:") }, "\(lines)")  // the tcp_info field
            #expect(lines.contains { $0.hasPrefix("  \(getpid())/") && $0.contains(" fd \(flow.idle[2].server.fd) ") }, "\(lines)")
            #expect(lines.contains("socket options") && lines.contains("container  -"), "\(lines)")
            try tmux.send("Escape")
            _ = try tmux.waitFor(seconds: 20) { $0.count > 2 && $0[2].contains("Send/s") }

            // b: bits; t: totals since start.
            try tmux.send("b")
            lines = try tmux.waitFor(seconds: 20) { $0.count > 2 && $0[2].contains("Send b/s") }
            #expect(lines[0].contains("  bits"), "\(lines[0])")
            #expect(lines[2].contains("Send b/s") && lines[2].contains("Recv b/s"), "\(lines[2])")
            try tmux.send("b", "t")
            lines = try tmux.waitFor(seconds: 20) { $0.count > 2 && $0[2].contains("Sent") }
            #expect(lines[0].contains("totals since start") && !lines[0].contains("  bits"), "\(lines[0])")
            #expect(lines[2].contains("Sent") && lines[2].contains("Received"), "\(lines[2])")

            // ?: the help, every key; any key closes it.
            try tmux.send("?")
            lines = try tmux.waitFor(seconds: 20) { $0.contains("Keys") }
            #expect(lines.contains { $0.hasPrefix("  PgUp/PgDn") } && lines.contains { $0.hasPrefix("  q, Ctrl-C") }, "\(lines)")
            try tmux.send("x")
            lines = try tmux.waitFor(seconds: 20) { !$0.contains("Keys") }
            #expect(!lines.contains("Keys"))
            try tmux.send("q")
            lines = try tmux.waitFor(seconds: 20) { $0.contains("sockwatch-exit=0") }
            #expect(lines.contains("sockwatch-exit=0"))
        }
    }

    /// Colours show in `capture-pane -e` with --color=always and on this colour terminal, never with
    /// --color=never or NO_COLOR.
    /// (The test runner may have NO_COLOR set itself: the auto case clears it.)
    @Test(arguments: [
        ("", "--color=always", true), ("env -u NO_COLOR", "", true), ("env -u NO_COLOR", "--color=never", false),
        ("NO_COLOR=1", "", false),
    ])
    func coloursOnlyWhenEnabled(_ environment: String, _ options: String, _ coloured: Bool) throws {
        try Self.withLiveView(idleConnections: 1, environment: environment, options: options) { _, tmux in
            _ = try tmux.waitFor(seconds: 30, Self.hasRates)
            let escaped = try tmux.captureEscapes()
            #expect(escaped.contains("ESTABLISHED"))
            #expect(Self.hasColour(escaped) == coloured, "\(environment) \(options): \(escaped.prefix(600))")
            #expect(escaped.contains("\u{1B}[7m"))  // reverse video (header, selection) either way
        }
    }

    /// `/NAME` keeps the rows of processes whose command contains NAME; a name nobody has leaves none.
    @Test func aProcessNameFiltersRowsByOwner() throws {
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(comm.allSatisfy { $0.isLetter || $0.isNumber || "_.-".contains($0) }, "comm \(comm)")
        try Self.withLiveView(idleConnections: 1) { flow, tmux in
            try tmux.send("/")
            _ = try tmux.waitFor(seconds: 20) { $0.last?.hasPrefix("/( sport") == true }
            try tmux.send("C-u")
            try tmux.type(comm)
            try tmux.send("Enter")
            var lines = try tmux.waitFor(seconds: 20) { lines in
                lines.first?.contains("filter: \(comm)") == true
                    && lines.contains { Self.shows($0, local: flow.client.localPort, peer: flow.listener.localPort) }
            }
            #expect(lines[0].contains("filter: \(comm)"), "\(lines[0])")
            #expect(lines.contains { Self.shows($0, local: flow.client.localPort, peer: flow.listener.localPort) })
            let rows = Self.rows(lines)
            #expect(!rows.isEmpty)
            #expect(rows.allSatisfy { $0.owner.hasSuffix("/\(comm)") || $0.owner.contains("/\(comm)+") }, "\(rows.map(\.owner))")

            try tmux.send("/")
            _ = try tmux.waitFor(seconds: 20) { $0.last?.hasPrefix("/\(comm)") == true }
            try tmux.send("C-u")
            try tmux.type("no-such-program-\(getpid())")
            try tmux.send("Enter")
            lines = try tmux.waitFor(seconds: 20) { $0.first?.contains("rows 0–0 of 0") == true }
            #expect(lines[0].contains("rows 0–0 of 0"), "\(lines[0])")
        }
    }
}
