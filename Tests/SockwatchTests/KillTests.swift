import Foundation
import SockTestSupport
import Testing

/// `sockwatch --kill` on connections the test opens.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct KillTests {
    /// Waits (up to 5 s) for `socket` to be readable, then reads; returns the count, or -errno.
    func readAfterWait(_ socket: LiveSocket) -> Int {
        var pfd = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&pfd, 1, 5000)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(socket.fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return n >= 0 ? n : -Int(errno)
    }

    /// Sends `text` from one end and reads it at the other.
    func roundTrip(_ text: String, from sender: LiveSocket, to receiver: LiveSocket) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ send(sender.fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { return nil }
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while got.count < bytes.count {
            var pfd = pollfd(fd: receiver.fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 5000) > 0 else { return nil }
            let n = recv(receiver.fd, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            got += buffer[0..<n]
        }
        return String(decoding: got, as: UTF8.self)
    }

    @Test(
        .enabled(if: getuid() == 0, "needs root: SOCK_DESTROY needs CAP_NET_ADMIN"),
        arguments: [false, true])
    func killsOneConnectionAndLeavesTheOther(v6: Bool) throws {
        let listener = LiveSocket.tcpListener(v6: v6)
        let (victim, victimPeer) = LiveSocket.tcpConnection(to: listener)
        let (survivor, survivorPeer) = LiveSocket.tcpConnection(to: listener)
        // The victim's whole address pair: its ephemeral port may also be another test's port towards another peer.
        let result = try BinaryRunner.run([
            "--kill", "--yes", "-t", "sport", "=", ":\(victim.localPort)", "and", "dport", "=", ":\(listener.localPort)",
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // The table first (the one socket), then one result line.
        let killed = result.lines.filter { $0.hasPrefix("killed ") }
        #expect(killed.count == 1, "\(result.stdout)")
        let loopback = v6 ? "[::1]" : "127.0.0.1"
        #expect(killed.first?.hasPrefix("killed tcp \(loopback):\(victim.localPort) -> \(loopback):\(listener.localPort) cookie ") == true)
        #expect(killed.first?.hasSuffix(": ok") == true, "\(result.stdout)")
        #expect(result.lines.contains { $0.contains("\(loopback):\(victim.localPort)") && $0.contains("ESTABLISHED") })

        // The killed end reports the abort; its peer sees a reset (or end of file).
        #expect(readAfterWait(victim) == -Int(ECONNABORTED))
        let peer = readAfterWait(victimPeer)
        #expect(peer == 0 || peer == -Int(ECONNRESET), "peer read gave \(peer)")
        // The other connection still carries data both ways.
        #expect(roundTrip("ping", from: survivor, to: survivorPeer) == "ping")
        #expect(roundTrip("pong", from: survivorPeer, to: survivor) == "pong")
    }

    @Test func refusesWithoutAFilter() throws {
        for arguments in [["--kill"], ["--kill", "--yes"], ["--kill", "-t", "--state", "established"], ["-t", "--kill", "-a"]] {
            let result = try BinaryRunner.run(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments): nothing is listed")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(result.stderr.contains("--kill needs a filter"), "\(arguments): \(result.stderr)")
        }
        #expect(try BinaryRunner.run(["--kill", "-u", "--port", "53"]).status == 2)
        #expect(try BinaryRunner.run(["--yes", "--port", "53"]).status == 2)
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root and setpriv to run sockwatch as nobody, who lacks CAP_NET_ADMIN"))
    func aRefusedDestroyIsReportedAsFailedNotKilled() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let result = try BinaryRunner.runAsNobody([
            "--kill", "--yes", "-t", "sport = :\(client.localPort) and dport = :\(listener.localPort)",
        ])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(!result.lines.contains { $0.hasPrefix("killed") }, "\(result.stdout)")
        let failed = result.lines.filter { $0.hasPrefix("failed ") }
        #expect(failed.count == 1, "\(result.stdout)")
        #expect(failed.first?.hasPrefix("failed tcp 127.0.0.1:\(client.localPort) -> 127.0.0.1:\(listener.localPort) cookie ") == true)
        #expect(failed.first?.contains(": EPERM") == true, "\(result.stdout)")
        #expect(roundTrip("still here", from: client, to: server) == "still here")
    }

    @Test func refusesWithoutATerminalOrYes() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        // No controlling terminal (setsid) and stdin not a terminal: nothing to ask on, so nothing is killed.
        let result = try BinaryRunner.shell(
            "exec setsid -w \"$SW\" --kill -t sport = :\(client.localPort) </dev/null")
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("add --yes"), "\(result.stderr)")
        #expect(!result.stdout.contains("killed "))
        #expect(roundTrip("still here", from: client, to: server) == "still here")
    }
}
