import Testing

@testable import SockDiag
@testable import SockPipeline
@testable import sockwatch

/// The live view's prompt: an ss expression, a process name, or the parser's error; and the keys it reads.
@Suite struct LiveFilterTests {
    @Test func expressionsNamesAndErrors() throws {
        guard case .success(.expression(let parsed)) = LiveFilter.parse("dport = :443") else {
            Issue.record("an expression")
            return
        }
        #expect(parsed == (try FilterParser.parse(["dport = :443"])))
        guard case .success(.expression(let states)) = LiveFilter.parse("state established  sport > :1024") else {
            Issue.record("states and an expression")
            return
        }
        #expect(states.states != nil)
        guard case .success(.name(let name)) = LiveFilter.parse("nginx") else {
            Issue.record("a process name")
            return
        }
        #expect(name == "nginx")
        // An empty prompt is no filter at all.
        guard case .success(.expression(let all)) = LiveFilter.parse("  ") else {
            Issue.record("empty")
            return
        }
        #expect(all.expression == .all && all.states == nil)
        // Unfinished or wrong expressions are errors, with the parser's words, not names.
        for bad in ["dport = :nope", "sport", "dport = :1 and", "10.0.0.1", "( sport = :1"] {
            guard case .failure(let error) = LiveFilter.parse(bad) else {
                Issue.record("'\(bad)' was accepted")
                continue
            }
            #expect(!error.description.isEmpty && !error.description.contains("\n"))
        }
    }

    @Test func nameFiltersMatchTheOwnersCommand() {
        let sample = WatchSample(
            netid: .tcp, state: .established, local: InetEndpoint(address: IPAddress("127.0.0.1")!, port: 1),
            peer: InetEndpoint(address: IPAddress("127.0.0.1")!, port: 2), cookie: 1,
            holders: [SocketHolder(pid: 5, fd: 3, command: "nginx: worker")])
        let row = WatchRow(sample: sample, sendRate: nil, receiveRate: nil, retransmits: nil, age: 0)
        #expect(LiveFilter.name("nginx").keeps(row))
        #expect(!LiveFilter.name("curl").keeps(row))
    }

    @Test func terminalSequencesBecomeKeys() {
        let bytes: [UInt8] = Array("\u{1B}[A\u{1B}[B\u{1B}[5~\u{1B}[6~\u{1B}[H\u{1B}[F\u{1B}[1~\u{1B}[4~\u{1B}OAj\n\u{7F}\u{1B}".utf8)
        #expect(Key.decode(bytes) == [
            .up, .down, .pageUp, .pageDown, .home, .end, .home, .end, .up, .character(UInt8(ascii: "j")), .enter,
            .backspace, .escape,
        ])
    }
}
