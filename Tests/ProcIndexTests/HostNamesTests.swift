import Glibc
import SockDiag
import Synchronization
import Testing

@testable import ProcIndex

/// The name engine with lookups the test controls: parallelism, one lookup per address, deadlines.
@Suite struct HostNamesTests {
    /// `10.0.x.y` for `n`.
    static func address(_ n: Int) -> IPAddress {
        IPAddress("10.0.\(n / 256).\(n % 256)")!
    }

    /// Counts lookups and the most in flight at once.
    final class Probe: Sendable {
        let state = Mutex<(calls: [IPAddress: Int], inFlight: Int, most: Int)>(([:], 0, 0))
        /// Lets every stuck lookup return.
        let released = Atomic<Bool>(false)

        func enter(_ address: IPAddress) {
            state.withLock {
                $0.calls[address, default: 0] += 1
                $0.inFlight += 1
                $0.most = max($0.most, $0.inFlight)
            }
        }

        func leave() { state.withLock { $0.inFlight -= 1 } }

        /// Waits (bounded) until `count` lookups are in flight at once, or all `total` have started.
        func waitForInFlight(_ count: Int, total: Int) {
            for _ in 0..<10_000 {
                if state.withLock({ $0.inFlight >= count || $0.calls.count == total }) { return }
                usleep(1000)
            }
        }

        func blockUntilReleased() {
            while !released.load(ordering: .acquiring) { usleep(1000) }
        }
    }

    @Test func eachAddressIsLookedUpOnceAndNamed() {
        let probe = Probe()
        let names = HostNames(deadlines: .init(lookup: 60, total: 60)) { address in
            probe.enter(address)
            defer { probe.leave() }
            return address == Self.address(3) ? nil : "host-\(address.description)"
        }
        for _ in 0..<3 {
            for n in 0..<100 { names.lookUp(Self.address(n)) }
            names.lookUp(IPAddress("0.0.0.0")!)  // never looked up
        }
        #expect(names.finish() == 0)
        let calls = probe.state.withLock { $0.calls }
        #expect(calls.count == 100)
        #expect(calls.values.allSatisfy { $0 == 1 })
        #expect(names[Self.address(7)] == "host-10.0.0.7")
        #expect(names[Self.address(3)] == nil)
        #expect(names.names.count == 99)
    }

    /// 64 lookups run at once, never more: each waits until 64 are in flight.
    @Test func sixtyFourLookupsRunAtOnce() {
        let probe = Probe()
        let names = HostNames(deadlines: .init(lookup: 60, total: 60), parallel: 64) { address in
            probe.enter(address)
            probe.waitForInFlight(64, total: 640)
            probe.leave()
            return "n"
        }
        for n in 0..<640 { names.lookUp(Self.address(n)) }
        #expect(names.finish() == 0)
        #expect(probe.state.withLock { $0.most } == 64)
        #expect(names.names.count == 640)
    }

    /// A lookup stuck in the resolver is given up at the per-lookup deadline; the others still get names.
    @Test func aStuckLookupIsGivenUp() {
        let probe = Probe()
        let stuck = Self.address(5)
        let names = HostNames(deadlines: .init(lookup: 0.2, total: 60), parallel: 4) { address in
            if address == stuck { probe.blockUntilReleased() }
            return "name"
        }
        for n in 0..<50 { names.lookUp(Self.address(n)) }
        #expect(names.finish() == 1)
        probe.released.store(true, ordering: .releasing)
        #expect(names[stuck] == nil)
        #expect(names.names.count == 49)
    }

    /// A dead resolver: every lookup hangs; `finish` returns at the total deadline with all of them late.
    @Test func aDeadResolverEndsAtTheTotalDeadline() {
        let probe = Probe()
        let names = HostNames(deadlines: .init(lookup: 10, total: 0.3), parallel: 8) { _ in
            probe.blockUntilReleased()
            return "never"
        }
        for n in 0..<100 { names.lookUp(Self.address(n)) }
        #expect(names.finish() == 100)
        probe.released.store(true, ordering: .releasing)
        #expect(names.names.isEmpty)
        names.lookUp(Self.address(500))  // after finish: ignored
        #expect(names.finish() == 100)
    }

    /// The system resolver names loopback from /etc/hosts and finds every address of `localhost`.
    @Test func systemResolverReadsTheHostsFile() throws {
        let hosts = String(decoding: try WholeFile.read("/etc/hosts"), as: UTF8.self)
        try #require(hosts.split(separator: "\n").contains { $0.hasPrefix("127.0.0.1") && $0.contains("localhost") })
        #expect(HostNames.systemName(of: IPAddress("127.0.0.1")!) == "localhost")
        let addresses = try HostAddresses.lookUp("localhost")
        #expect(addresses.contains(IPAddress("127.0.0.1")!))
        #expect(throws: HostAddresses.Failure.self) { try HostAddresses.lookUp("no-such-host.invalid") }
    }
}
