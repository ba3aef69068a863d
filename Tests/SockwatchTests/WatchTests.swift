import Foundation
import SockTestSupport
import Testing

/// `sockwatch watch` without a terminal: one table (or NDJSON) per interval, rates against a connection whose
/// true rate the test sets.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct WatchTests {
    /// The intervals of a plain run: each one's rows.
    static func intervals(_ stdout: String) -> [[WatchTableRow]] {
        var out: [[WatchTableRow]] = []
        for line in stdout.split(separator: "\n") {
            if line.hasPrefix("interval ") {
                out.append([])
            } else if let row = WatchTableRow(line), !out.isEmpty {
                out[out.count - 1].append(row)
            }
        }
        return out
    }

    @Test func plainIntervalsShowTheConnectionsTrueRate() throws {
        let flow = SteadyFlow()
        defer { flow.stop() }
        usleep(200_000)  // the writer is under way before the first dump
        let result = try BinaryRunner.run(["watch", "-c", "3", "-n", "0.5", "-t"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let intervals = Self.intervals(result.stdout)
        #expect(intervals.count == 3)
        let me = "127.0.0.1:\(flow.client.localPort)"
        let listener = "127.0.0.1:\(flow.listener.localPort)"
        for (i, rows) in intervals.enumerated() {
            let sender = try #require(rows.first { $0.local == me && $0.peer == listener }, "interval \(i + 1)")
            let receiver = try #require(rows.first { $0.local == listener && $0.peer == me })
            #expect(sender.owner.hasPrefix("\(getpid())/"))
            // Every interval has a baseline dump before it, so every one has rates.
            let send = try #require(sender.sendRate, "interval \(i + 1): \(sender.cells)")
            let receive = try #require(receiver.receiveRate)
            #expect(abs(send - flow.rate) / flow.rate < 0.2, "interval \(i + 1): \(send) B/s, true \(flow.rate)")
            #expect(abs(receive - flow.rate) / flow.rate < 0.2, "interval \(i + 1): \(receive) B/s")
            #expect(sender.receiveRate == 0 && receiver.sendRate == 0)
        }
    }

    @Test func ndjsonCarriesIntervalsRatesAndOwners() throws {
        let flow = SteadyFlow(idleConnections: 1)
        defer { flow.stop() }
        usleep(200_000)
        let port = flow.listener.localPort
        let result = try BinaryRunner.run(["watch", "--count", "2", "--interval", "0.4", "--json", "-t", "( sport = :\(port) or dport = :\(port) )"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let objects = try #require(result.objects, "not NDJSON: \(result.stdout)")
        // Two intervals of four sockets: the moving connection's ends and the idle one's.
        #expect(objects.count == 8)
        #expect(objects.map { $0["interval"] as? Int } == [1, 1, 1, 1, 2, 2, 2, 2])
        let sender = try #require(
            objects.last { ($0["local_port"] as? Int) == Int(flow.client.localPort) })
        let rate = Double(try #require(sender["send_rate"] as? Int))
        #expect(abs(rate - flow.rate) / flow.rate < 0.2, "\(rate) B/s, true \(flow.rate)")
        #expect((sender["bytes_acked"] as? Int ?? 0) > 0)
        #expect(sender["rtt"] is Int && sender["cwnd"] is Int && sender["retrans"] is Int)
        let processes = try #require(sender["processes"] as? [[String: Any]])
        #expect(processes.first?["pid"] as? Int == Int(getpid()))
        #expect(processes.first?["fd"] as? Int == Int(flow.client.fd))
        // Sorted by rate: an end of the moving connection leads each interval.
        let first = objects[4]
        let ends = [Int(flow.client.localPort), Int(port)]
        #expect(ends.contains(first["local_port"] as? Int ?? -1) && ends.contains(first["peer_port"] as? Int ?? -1))

        let byProcess = try BinaryRunner.run(
            ["watch", "-n", "1", "-d", "0.2", "--json", "--by-process", "-t", "( sport = :\(port) or dport = :\(port) )"])
        let processRows = try #require(byProcess.objects)
        #expect(processRows.count == 1)
        #expect(processRows.first?["pid"] as? Int == Int(getpid()))
        #expect(processRows.first?["sockets"] as? Int == 4)
        #expect(processRows.first?["interval"] as? Int == 1)
        // The old spelling (-n COUNT beside -d SECONDS) still counts, with a deprecation note.
        #expect(byProcess.stderr.hasPrefix("sockwatch: note: -n COUNT is deprecated"), "\(byProcess.stderr)")
        #expect(byProcess.stderr.contains("use -c 1"))
    }

    /// `-n` alone is the interval (procps watch): without -c plain output runs on, so it says how to count.
    @Test func nAloneIsTheIntervalAndSaysHowToCount() throws {
        let result = try BinaryRunner.shell(
            "\"$SW\" watch -n 1 -t 2>&1 | head -3")
        #expect(result.stdout.contains("note: -n is the interval in seconds"), "\(result.stdout)")
        #expect(result.stdout.contains("interval 1  every 1s"), "\(result.stdout)")
    }

    @Test(arguments: [["-d", "0"], ["-d", "-1"], ["-d", "soon"], ["-d", "nan"], ["-n", "0"], ["-n", "x"], ["-c", "0"], ["-c", "x"],
        ["-n", "1", "-d", "1", "-c", "2"], ["--color", "sometimes"], ["--sort", "speed"]])
    func badArgumentsExitTwoWithOneLine(_ arguments: [String]) throws {
        let result = try BinaryRunner.run(["watch"] + arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("sockwatch: "))
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// Help lists only what watch accepts: not the transports it cannot follow, which it refuses as unknown.
    @Test func helpListsOnlyAcceptedTransports() throws {
        let help = try BinaryRunner.run(["watch", "--help"])
        #expect(help.status == 0)
        for option in ["-x,", "--unix", "--netlink", "-0,", "--packet", "--vsock"] {
            #expect(!help.stdout.contains(option), "watch --help lists \(option)")
        }
        #expect(help.stdout.contains("--tcp") && help.stdout.contains("--udp"))
        for option in ["-x", "--netlink", "-0", "--vsock"] {
            let result = try BinaryRunner.run(["watch", option, "-n", "1"])
            #expect(result.status == 2, "\(option)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(option): \(result.stderr)")
        }
        #expect(try BinaryRunner.run(["watch", "-A", "unix", "-n", "1"]).status == 2)
    }

    @Test func aClosedPipeEndsTheRunQuietly() throws {
        // Not a terminal and no -n: it runs until the reader goes away, then exits 0 without a word.
        let result = try BinaryRunner.shell(
            "f=$(mktemp); { \"$SW\" watch -d 0.1 -t; echo $? > \"$f\"; } | head -1; sleep 0.5; cat \"$f\"; rm -f \"$f\"")
        #expect(result.lines.count == 2)
        #expect(result.lines.first?.hasPrefix("interval 1  every 0.1s") == true)
        #expect(result.lines.last == "0")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }
}
