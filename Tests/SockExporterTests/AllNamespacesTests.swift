import Foundation
import Glibc
import ProcIndex
import SockDiag
import SockTestSupport
import Testing

@testable import SockExporter

@_silgen_name("setns")
private func enterNamespace(_ fd: Int32, _ type: Int32) -> Int32

/// `--all-netns`: every namespace's sockets under its own netns label, found again at each scrape.
@Suite(.enabled(if: geteuid() == 0, "needs root for named network namespaces (ip netns add, setns)"), .serialized)
struct AllNamespacesTests {
    /// A named namespace holding a listener and one accepted connection (3 TCP sockets), made from a thread
    /// that entered it.
    final class Named: @unchecked Sendable {
        let name: String
        var sockets: [LiveSocket] = []

        init(_ tag: String) {
            name = "sockwatch-exporter-\(tag)-\(getpid())"
            _ = system("ip netns del \(name) 2>/dev/null; ip netns add \(name) && ip -n \(name) link set lo up")
            let path = "/run/netns/\(name)"
            let done = DispatchSemaphore(value: 0)
            let thread = Thread { [self] in
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                precondition(fd >= 0 && enterNamespace(fd, 0x4000_0000) == 0, "setns failed: \(errno)")
                close(fd)
                let listener = LiveSocket.tcpListener(v6: false, backlog: 8)
                let (client, server) = LiveSocket.tcpConnection(to: listener)
                sockets = [listener, client, server]
                done.signal()
            }
            thread.start()
            done.wait()
        }

        func remove() {
            sockets = []  // released: closed
            _ = system("ip netns del \(name) 2>/dev/null")
        }

        deinit { remove() }
    }

    /// The value of `metric` whose labels include every one of `labels`, nil when there is none.
    static func sample(_ text: String, _ metric: String, _ labels: [String]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, labels.allSatisfy({ parts[0].contains($0) }) else { continue }
            return Double(parts[1])
        }
        return nil
    }

    @Test func everyNamespaceIsExportedAndAGoneOneIsDropped() throws {
        let a = Named("a")
        let b = Named("b")
        defer { a.remove(); b.remove() }
        let own = try SocketCollector(namespace: try NetworkNamespace.current(), top: 0)
        let exporter = Exporter(
            collectors: [own], top: 0, workers: 2, refresh: NamespaceCollectors(own: own, top: 0, workers: 2).refresh)

        let first = String(decoding: try exporter.scrape(), as: UTF8.self)
        for ns in [a, b] {
            let netns = "netns=\"\(ns.name)\""
            #expect(Self.sample(first, "sockwatch_sockets", ["netid=\"tcp\"", "state=\"established\"", netns]) == 2)
            #expect(Self.sample(first, "sockwatch_sockets", ["netid=\"tcp\"", "state=\"listen\"", netns]) == 1)
        }
        // The exporter's own namespace is there too, under its ns:INODE label.
        #expect(first.contains("netns=\"\(own.namespace.label)\""))

        b.remove()  // its sockets closed and its name gone: nothing keeps it findable
        let second = String(decoding: try exporter.scrape(), as: UTF8.self)
        #expect(!second.contains("netns=\"\(b.name)\""))
        #expect(Self.sample(second, "sockwatch_sockets", ["state=\"established\"", "netns=\"\(a.name)\""]) == 2)
    }
}
