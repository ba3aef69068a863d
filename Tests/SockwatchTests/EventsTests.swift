import Foundation
import SockTestSupport
import Testing

/// `sockwatch events` against connections the test opens, moves known bytes over, and closes.
@Suite(.enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"))
struct EventsTests {
    /// Moves exactly `count` bytes from `sender` to `receiver`, in chunks small enough never to block.
    func transfer(_ count: Int, from sender: LiveSocket, to receiver: LiveSocket) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var left = count
        while left > 0 {
            let chunk = min(left, buffer.count)
            sender.send(count: chunk)
            var got = 0
            while got < chunk {
                let n = recv(receiver.fd, &buffer, chunk - got, 0)
                precondition(n > 0, "recv failed: \(errno)")
                got += n
            }
            left -= chunk
        }
    }

    func isEvent(_ kind: String, local: UInt16, peer: UInt16) -> ([String: Any]) -> Bool {
        { $0["event"] as? String == kind && $0["local_port"] as? Int == Int(local) && $0["peer_port"] as? Int == Int(peer) }
    }

    func cookie(_ event: [String: Any]) -> UInt64? { (event["cookie"] as? NSNumber)?.uint64Value }

    @Test(
        .enabled(if: getuid() == 0, "needs root (CAP_NET_ADMIN) for the sock_diag destroy groups on some kernels"),
        arguments: [false, true])
    func everyEventArrivesInOrderWithTheBytesMoved(v6: Bool) throws {
        var listener: LiveSocket? = LiveSocket.tcpListener(v6: v6)
        let port = listener!.localPort
        // -a: the listener is in the initial dump (--initial reports it), which says sockwatch is ready; later
        // dumps also show the time-wait remnants, which must not come back as "new".
        let stream = try EventStream(["events", "-t", "-a", "--initial", "--interval", "0.2", "--port", "\(port)"])
        try #require(
            stream.waitFor { $0["event"] as? String == "new" && $0["state"] as? String == "listen" && $0["local_port"] as? Int == Int(port) } != nil,
            "no initial event for the listener")

        // Two connections, different byte counts each way.
        let sizes = [(up: 1000, down: 70_000), (up: 123_456, down: 17)]
        var clients: [LiveSocket?] = []
        var servers: [LiveSocket?] = []
        for size in sizes {
            let (client, server) = LiveSocket.tcpConnection(to: listener!)
            transfer(size.up, from: client, to: server)
            transfer(size.down, from: server, to: client)
            clients.append(client)
            servers.append(server)
        }
        // A decoy outside the filter, opened and closed in the same window: neither its dumps nor its
        // destroy notices may show up.
        var decoyListener: LiveSocket? = LiveSocket.tcpListener(v6: v6)
        let decoyPort = decoyListener!.localPort
        var decoy: (client: LiveSocket, server: LiveSocket)? = LiveSocket.tcpConnection(to: decoyListener!)
        let clientPorts = clients.map { $0!.localPort }
        // Each end is first seen by a dump ("new"), so its owner is known when it is destroyed.
        for clientPort in clientPorts {
            #expect(stream.waitFor(isEvent("new", local: clientPort, peer: port)) != nil)
            #expect(stream.waitFor(isEvent("new", local: port, peer: clientPort)) != nil)
        }
        // The client closes first (releasing the LiveSocket closes it); once its destroy is in, the server
        // closes. So the client is freed before the server's FIN arrives (its bytes_received is exactly the
        // data) and the server once its own FIN is acknowledged.
        for (i, clientPort) in clientPorts.enumerated() {
            clients[i] = nil
            #expect(stream.waitFor(isEvent("destroy", local: clientPort, peer: port)) != nil)
            servers[i] = nil
            #expect(stream.waitFor(isEvent("destroy", local: port, peer: clientPort)) != nil)
        }
        _ = decoy  // held open until here
        decoy = nil
        decoyListener = nil
        let listenerCookie = stream.events.first { $0["state"] as? String == "listen" }.flatMap(cookie)
        listener = nil
        #expect(stream.waitFor { $0["event"] as? String == "destroy" && self.cookie($0) == listenerCookie } != nil)
        stream.drain(for: 0.6)  // a few more dumps, which see the time-wait remnants
        let stderr = stream.stop()
        #expect(stream.garbage.isEmpty, "not NDJSON: \(stream.garbage)")
        // The filter holds for dumps and destroy notices alike.
        let outside = stream.events.filter { $0["local_port"] as? Int != Int(port) && $0["peer_port"] as? Int != Int(port) }
        #expect(outside.isEmpty, "events outside --port \(port): \(outside)")
        #expect(!stream.events.contains { $0["local_port"] as? Int == Int(decoyPort) || $0["peer_port"] as? Int == Int(decoyPort) })

        for (i, size) in sizes.enumerated() {
            let clientPort = clientPorts[i]
            for (local, peer, isClient) in [(clientPort, port, true), (port, clientPort, false)] {
                let mine = stream.events.enumerated().filter {
                    $0.element["local_port"] as? Int == Int(local) && $0.element["peer_port"] as? Int == Int(peer)
                }
                let news = mine.filter { $0.element["event"] as? String == "new" }
                let destroys = mine.filter { $0.element["event"] as? String == "destroy" }
                try #require(news.count == 1 && destroys.count == 1, "events for \(local)->\(peer): \(mine.map(\.element))")
                let new = news[0]
                let destroy = destroys[0]
                // Order: new first, destroy last, one cookie throughout.
                #expect(new.offset < destroy.offset)
                #expect(mine.last?.offset == destroy.offset, "an event after the destroy: \(mine.map(\.element))")
                #expect(Set(mine.compactMap { cookie($0.element) }).count == 1)
                #expect(cookie(new.element).map { $0 > 0 } == true)
                #expect(new.element["family"] as? String == (v6 ? "inet6" : "inet"))
                #expect(new.element["state"] as? String == "established")
                #expect(destroy.element["state"] as? String == "close")
                // Named by the process that held it when the dump saw it: this test.
                let processes = try #require(destroy.element["processes"] as? [[String: Any]])
                #expect(processes.contains { $0["pid"] as? Int == Int(getpid()) }, "\(processes)")
                #expect((destroy.element["duration_ms"] as? Int).map { $0 >= 0 } == true)
                // The final counters. A SYN and a FIN take one sequence number each: the client's SYN and FIN
                // are acknowledged bytes, the client's FIN is a received byte for the server.
                let info = try #require(destroy.element["tcp_info"] as? [String: Any])
                let sent = isClient ? size.up : size.down
                let received = isClient ? size.down : size.up
                #expect(info["bytes_sent"] as? Int == sent)
                #expect(info["bytes_acked"] as? Int == sent + (isClient ? 2 : 1))
                #expect(info["bytes_received"] as? Int == received + (isClient ? 0 : 1))
                #expect(info["total_retrans"] as? Int != nil)
            }
        }
        // The listener was open at start: reported by --initial, destroyed with its owner but no duration.
        let listenerEvents = stream.events.filter { cookie($0) == listenerCookie }
        #expect(listenerEvents.map { $0["event"] as? String } == ["new", "destroy"])
        let listenerDestroy = try #require(listenerEvents.last)
        #expect(listenerDestroy["duration_ms"] == nil)
        #expect((listenerDestroy["processes"] as? [[String: Any]])?.first?["pid"] as? Int == Int(getpid()))
        #expect(stderr.isEmpty, "stderr: \(stderr)")
    }

    /// Help lists only what events accepts: TCP and UDP; the other transports are refused as unknown options.
    @Test func helpListsOnlyTCPAndUDP() throws {
        let help = try BinaryRunner.run(["events", "--help"])
        #expect(help.status == 0)
        for option in ["--udplite", "--sctp", "--raw", "--mptcp", "--unix", "--netlink", "--packet", "--vsock", "-x,", "-0,", "-w,", "-M,"] {
            #expect(!help.stdout.contains(option), "events --help lists \(option)")
        }
        #expect(help.stdout.contains("--tcp") && help.stdout.contains("--udp"))
        for option in ["-x", "--sctp", "-w", "-M", "--udplite", "--vsock"] {
            let result = try BinaryRunner.run(["events", option])
            #expect(result.status == 2, "\(option)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(option): \(result.stderr)")
        }
    }
}
