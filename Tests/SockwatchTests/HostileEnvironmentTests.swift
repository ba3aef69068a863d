import Foundation
import SockTestSupport
import Testing

/// sockwatch started in a hostile environment: standard descriptors closed, a tiny descriptor limit, a /proc
/// that hides processes, a process in another network namespace. Each run is a child process with its own
/// descriptors and limits.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct HostileEnvironmentTests {
    // MARK: - Closed standard descriptors (D4)

    @Test func aListingWithStdoutClosedFailsInsteadOfWritingIntoItsOwnSocket() throws {
        // Before: fd 1 became the netlink socket, the table went into it and the exit status was 0.
        let result = try BinaryRunner.shell("\"$SW\" -tanp >&-")
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot write output: Bad file descriptor"), "stderr: \(result.stderr)")
    }

    @Test func pfilesWithStdoutClosedFails() throws {
        // Before: the report went into the pidfd opened on the process.
        let result = try BinaryRunner.shell("\"$SW\" pfiles $$ >&-")
        #expect(result.status == 1)
        #expect(result.stderr.contains("Bad file descriptor"), "stderr: \(result.stderr)")
    }

    @Test func eventsWithStdoutClosedStopsAtItsFirstEvent() throws {
        // Before: events wrote into its own netlink socket and never stopped. A listener opened and closed in a
        // loop (bounded) makes the events; `timeout` bounds a failure.
        let script = """
            timeout 60 "$SW" events >&- & pid=$!
            i=0
            while kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do
                python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.close()'
                i=$((i + 1))
            done
            wait $pid
            """
        let result = try BinaryRunner.shell(script)
        #expect(result.status == 1, "124 means events never stopped; stderr: \(result.stderr)")
        #expect(result.stderr.contains("Bad file descriptor"), "stderr: \(result.stderr)")
    }

    @Test func closedStdinAndStderrLeaveTheTableIntact() throws {
        let result = try BinaryRunner.shell("\"$SW\" -tan <&- 2>&-")
        #expect(result.status == 0)
        #expect(result.lines.first?.hasPrefix("Proto") == true || result.lines.first?.hasPrefix("State") == true
            || result.lines.first?.contains("Local") == true, "stdout: \(result.stdout)")
    }

    // MARK: - Descriptor limit (D7)

    @Test func aLowSoftLimitIsRaisedToTheHardOne() throws {
        // Soft 6, hard unchanged: raised at start, every process is read and nothing is dropped.
        let result = try BinaryRunner.shell("exec >/dev/null; ulimit -S -n 6 && exec \"$SW\" -xap")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("EMFILE"), "stderr: \(result.stderr)")
    }

    @Test func aLowHardLimitDropsOwnersWithANoteNamingEMFILE() throws {
        // (The redirection comes first: dash saves descriptors above 10 around a redirected command.)
        // Soft and hard 4: one descriptor beyond stdio. The dump runs in it (its receiver falls back to the
        // calling thread without an eventfd); the /proc scan, during the dump or after it, never has a second
        // one for a process's table, so a warning says so whatever the timing. (With 5 the scan has two once
        // the dump has closed its socket, and whether it runs short depends on when it starts.)
        let result = try BinaryRunner.shell("exec >/dev/null; ulimit -n 4 && exec \"$SW\" -xap")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("too many open files (EMFILE)"), "stderr: \(result.stderr)")
    }

    @Test func watchUnderALowHardLimitSaysSoOnce() throws {
        // watch reads owners through the cache kept between intervals: the same warning, once. A connection of
        // its own to watch: with none, no owner is looked for and no descriptor runs short. At 4 descriptors
        // watch's netlink socket takes the only one beyond stdio, so /proc cannot be listed at any refresh;
        // at 5 the cache (which closes /proc before reading tables) ran short only when its two workers
        // opened tables at the same moment.
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        defer { withExtendedLifetime([listener, client, server]) {} }
        let result = try BinaryRunner.shell(
            "exec >/dev/null; ulimit -n 4 && exec \"$SW\" watch -c 2 -d 0.2 --port \(listener.localPort)")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.components(separatedBy: "too many open files (EMFILE)").count == 2, "stderr: \(result.stderr)")
    }

    @Test func lsofUnderFourDescriptorsSaysWhy() throws {
        // Before: exit 1 and no message at all.
        let result = try BinaryRunner.shell("exec >/dev/null; ulimit -n 4 && exec \"$SW\" lsof -nPi")
        #expect(result.status == 1)
        #expect(result.stderr.contains("EMFILE"), "stderr: \(result.stderr)")
    }

    // MARK: - Address-space limit (D8)

    @Test func aTightAddressSpaceLimitFailsWithOneLine() throws {
        // The first allocation to fail moves with the limit: sweep it (each run a child with its own limit) and
        // find runs where the capture's chunk is the one that fails. Before: "Fatal error: failed to allocate"
        // and a backtrace at every such limit. Runs where a Swift allocation fails first are still fatal
        // (docs/exit-status.md), so they are not counted here.
        let script = """
            for kb in $(seq 20000 250 60000); do
                ( ulimit -v $kb; exec "$SW" -tanp ) >/dev/null 2>/tmp/sockwatch-oom-$$.err
                echo "$? $(head -n 2 /tmp/sockwatch-oom-$$.err | tr '\\n' '|')"
            done
            rm -f /tmp/sockwatch-oom-$$.err
            """
        let result = try BinaryRunner.shell(script)
        let runs = result.lines.map { line in (status: line.prefix { $0 != " " }, stderr: line.drop { $0 != " " }.dropFirst()) }
        let clean = runs.filter { $0.stderr.hasPrefix("sockwatch: out of memory (") }
        #expect(!clean.isEmpty, "no limit gave the one-line failure: \(result.stdout)")
        for run in clean {
            #expect(run.status == "1")
            // One line: the message, and nothing after it.
            #expect(run.stderr.split(separator: "|").count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("bytes for the socket capture)") || run.stderr.contains("bytes for the output buffer)"))
        }
        // The sweep reaches limits where everything works.
        #expect(runs.contains { $0.status == "0" })
    }

    // MARK: - /proc with hidepid (D5)

    @Test(.enabled(if: geteuid() == 0, "mounting a proc with hidepid=2 needs root"))
    func hidepidIsNamedInANote() throws {
        let directory = "/tmp/sockwatch-hidepid-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let copy = "\(directory)/sockwatch"
        try FileManager.default.copyItem(atPath: BinaryRunner.binary, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        // A private mount namespace: the hidepid proc is seen by this child only.
        let script = "mount -t proc -o hidepid=2 proc /proc && "
            + "exec setpriv --reuid=65534 --regid=65534 --clear-groups '\(copy)' -tap"
        let hidden = try BinaryRunner.exec("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script])
        #expect(hidden.status == 0, "stderr: \(hidden.stderr)")
        #expect(hidden.stderr.contains("/proc is mounted with hidepid"), "stderr: \(hidden.stderr)")
        // The same run on the host's /proc has no such note.
        let plain = try BinaryRunner.exec(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy, "-tap"])
        #expect(!plain.stderr.contains("hidepid"), "stderr: \(plain.stderr)")
    }

    // MARK: - A process in another network namespace (D13)

    /// Runs `body` with a python listener inside a new network namespace: its pid, port and namespace inode.
    private func withListenerInOwnNamespace(_ body: (Int32, Int, UInt64) throws -> Void) throws {
        let portFile = "/tmp/sockwatch-netns-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let program = "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
            + "open('\(portFile).tmp', 'w').write(str(s.getsockname()[1])); "
            + "import os; os.rename('\(portFile).tmp', '\(portFile)'); time.sleep(120)"
        // unshare without --fork execs: the pid is the listener's.
        let pid = try ChildProcess.spawn(
            "/usr/bin/unshare", ["unshare", "-n", "/bin/sh", "-c", "ip link set lo up && exec python3 -c \"\(program)\""],
            holding: [])
        defer {
            kill(pid, SIGKILL)
            ChildProcess.wait(pid)
        }
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while port == nil && Date() < deadline {
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(20_000) }
        }
        let listening = try #require(port, "the listener in its own namespace did not start")
        var st = stat()
        try #require(stat("/proc/\(pid)/ns/net", &st) == 0)
        try body(pid, listening, UInt64(st.st_ino))
    }

    @Test(.enabled(if: geteuid() == 0, "unshare -n needs root"))
    func pidOfAProcessInAnotherNamespaceListsItsSocketsTagged() throws {
        try withListenerInOwnNamespace { pid, port, namespace in
            let result = try BinaryRunner.run(["-tl", "--pid", "\(pid)", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let objects = try #require(result.objects, "not NDJSON: \(result.stdout)")
            // Before: a header and nothing else.
            #expect(objects.count == 1, "stdout: \(result.stdout)")
            let listener = try #require(objects.first)
            #expect(listener["local_port"] as? Int == port)
            let netns = listener["netns"] as? [String: Any]
            #expect(netns?["inode"] as? Int == Int(namespace))
            #expect(netns?["pid"] as? Int == Int(pid))

            let table = try BinaryRunner.run(["-tl", "--pid", "\(pid)"])
            #expect(table.stdout.contains("ns:\(namespace)/\(pid)"), "stdout: \(table.stdout)")
        }
    }

    @Test(.enabled(if: geteuid() == 0, "unshare -n needs root"))
    func pfilesOfAProcessInAnotherNamespaceKeepsItsSockDiagLine() throws {
        try withListenerInOwnNamespace { pid, port, namespace in
            let result = try BinaryRunner.run(["pfiles", "\(pid)"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            // Before: the sock_diag line was missing (looked up in sockwatch's namespace).
            let lines = result.stdout.split(separator: "\n")
            let diag = lines.filter { $0.contains("sock_diag: LISTEN") }
            #expect(diag.count == 1, "stdout: \(result.stdout)")
            #expect(diag.first?.contains("netns:ns:\(namespace)") == true)
            #expect(result.stdout.contains("port: \(port)"), "stdout: \(result.stdout)")
        }
    }
}
