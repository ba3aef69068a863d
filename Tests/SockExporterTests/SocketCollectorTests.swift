import Glibc
import ProcIndex
import SockDiag
import SockTestSupport
import Testing

@testable import SockExporter

@Suite struct SocketCollectorTests {
    /// A listener with pending, never accepted connections: its port's queue depth is their number, its
    /// backlog the one given to listen().
    @Test func listenQueueOfOwnListener() throws {
        let listener = LiveSocket.tcpListener(v6: false, backlog: 16)
        let port = listener.localPort
        let clients = (0..<3).map { _ in LiveSocket.tcpClient(port: port) }
        defer { withExtendedLifetime((listener, clients)) {} }

        let collector = try SocketCollector(namespace: try NetworkNamespace.current(), top: 0)
        var snapshot = SocketSnapshot(namespace: collector.namespace)
        try collector.collect(into: &snapshot)
        let queue = try #require(snapshot.listeners[port])
        #expect(queue.depth == 3)
        #expect(queue.backlog == 16)
        #expect(queue.listeners == 1)

        // One accepted: one fewer waiting.
        let accepted = listener.acceptOne()
        defer { withExtendedLifetime(accepted) {} }
        try collector.collect(into: &snapshot)
        #expect(snapshot.listeners[port]?.depth == 2)
    }

    /// A child holding a known set of sockets is ranked with exactly that many.
    @Test func socketsOfOwnProcess() throws {
        let listener = LiveSocket.tcpListener(v6: false, backlog: 8)
        var held = [listener]
        for _ in 0..<4 {
            let (client, server) = LiveSocket.tcpConnection(to: listener)
            held += [client, server]
        }
        defer { withExtendedLifetime(held) {} }
        // The listener twice: two descriptors, one socket.
        let child = try HoldingChild.sleep(holding: (held + [listener]).map(\.fd), from: 3)
        defer { child.terminate() }

        let collector = try SocketCollector(namespace: try NetworkNamespace.current(), top: 10_000)
        var snapshot = SocketSnapshot(namespace: collector.namespace)
        try collector.collect(into: &snapshot)
        let entry = try #require(snapshot.processes.first { $0.pid == child.processIdentifier })
        #expect(entry.sockets == 9)
        #expect(entry.command == "sleep")
        #expect(snapshot.processCount >= 2)

        // Ranked most first, and cut at `top`.
        #expect(zip(snapshot.processes, snapshot.processes.dropFirst()).allSatisfy { $0.sockets >= $1.sockets })
        collector.top = 1
        try collector.collect(into: &snapshot)
        #expect(snapshot.processes.count == 1)
    }

    /// In a namespace of its own (root only), the counts by state are exact: every socket there is the test's.
    @Test(.enabled(if: geteuid() == 0, "needs root for a private network namespace (unshare CLONE_NEWNET)"))
    func exactCountsInPrivateNamespace() throws {
        let outcome = try PrivateNamespace.run { () throws -> (SocketSnapshot, NetworkNamespace) in
            let listener = LiveSocket.tcpListener(v6: false, backlog: 32)
            var held = [listener]
            for _ in 0..<5 {
                let (client, server) = LiveSocket.tcpConnection(to: listener)
                held += [client, server]
            }
            for _ in 0..<2 { held.append(LiveSocket.tcpClient(port: listener.localPort)) }  // pending
            held.append(LiveSocket.udp(v6: false))
            let pair = LiveSocket.unixPair()  // UNIX sockets live in a namespace too
            held += [pair.0, pair.1]
            defer { withExtendedLifetime(held) {} }
            let namespace = try NetworkNamespace.current()
            let collector = try SocketCollector(namespace: namespace, top: 5)
            var snapshot = SocketSnapshot(namespace: namespace)
            try collector.collect(into: &snapshot)
            return (snapshot, namespace)
        }
        let (snapshot, namespace) = outcome
        #expect(namespace != (try NetworkNamespace.current()))
        // 5 accepted connections and 2 pending ones (their server ends wait in the accept queue, established).
        #expect(snapshot.count(.tcp, .established) == 14)
        #expect(snapshot.count(.tcp, .listen) == 1)
        #expect(snapshot.count(.udp, .close) == 1)
        #expect(snapshot.count(.unix, .established) == 2)
        #expect(snapshot.total == 18)
        #expect(snapshot.listeners.count == 1)
        #expect(snapshot.listeners.values.first?.depth == 2)
        #expect(snapshot.listeners.values.first?.backlog == 32)
        // rtt of every established socket with tcp_info: the 14 established ones (loopback: > 0, < 1 s).
        #expect(snapshot.rttSeconds.count == 14)
        #expect(snapshot.rttSeconds.allSatisfy { $0 > 0 && $0 < 1 })
        // The test process holds the listener, 5 + 5 ends, 2 pending clients and the UDP socket: 14 TCP and UDP
        // sockets (the pending server ends have no file yet; the UNIX pair is not counted per process).
        #expect(snapshot.processes.first { $0.pid == getpid() }?.sockets == 14)
    }

    /// Per-process counts are of TCP and UDP sockets: a process holding only socketpairs is not ranked.
    @Test func unixSocketsAreNotCountedPerProcess() throws {
        let (a, b) = LiveSocket.unixPair()
        let (c, d) = LiveSocket.unixPair(type: Int32(SOCK_DGRAM.rawValue))
        let listener = LiveSocket.tcpListener(v6: false)
        defer { withExtendedLifetime((a, b, c, d, listener)) {} }
        let unixOnly = try HoldingChild.sleep(holding: [a.fd, b.fd, c.fd, d.fd])
        defer { unixOnly.terminate() }
        let withTCP = try HoldingChild.sleep(holding: [a.fd, listener.fd])
        defer { withTCP.terminate() }

        let collector = try SocketCollector(namespace: try NetworkNamespace.current(), top: 10_000)
        var snapshot = SocketSnapshot(namespace: collector.namespace)
        try collector.collect(into: &snapshot)
        #expect(!snapshot.processes.contains { $0.pid == unixOnly.processIdentifier })
        #expect(snapshot.processes.first { $0.pid == withTCP.processIdentifier }?.sockets == 1)
        #expect(snapshot.count(.unix, .established) >= 2)
    }
}
