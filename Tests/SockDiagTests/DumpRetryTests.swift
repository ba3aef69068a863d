import SystemPackage
import Testing

@testable import SockDiag

/// The restart logic for inconsistent dumps, driven by scripted runs (inet_diag itself never sets
/// NLM_F_DUMP_INTR today, so a live test could not reach it).
@Suite struct DumpRetryTests {
    /// Replays `runs`: each is the cookies one dump run sees and how it ends.
    final class Script {
        enum End { case clean, interrupted, overflow }
        var runs: [([UInt64], End)]
        var handedOn: [UInt64] = []
        init(_ runs: [([UInt64], End)]) { self.runs = runs }

        func once(_ deliver: (UInt64) -> Bool) throws -> Bool {
            let (cookies, end) = runs.removeFirst()
            for cookie in cookies where deliver(cookie) { handedOn.append(cookie) }
            switch end {
            case .clean: return false
            case .interrupted: return true
            case .overflow: throw DiagError.system(.noBufferSpace, operation: "recv")
            }
        }
    }

    @Test func aCleanDumpRunsOnce() throws {
        let script = Script([([1, 2, 3], .clean)])
        let result = try DumpRetry(retries: 3).run(script.once)
        #expect(result == DumpRetry.Result(delivered: 3, gaveUp: false, runs: 1))
        #expect(script.handedOn == [1, 2, 3])
    }

    @Test func anInterruptedDumpRestartsWithoutDuplicates() throws {
        // The table changed: the second run sees a new socket (4) and one is gone (2).
        let script = Script([([1, 2, 3], .interrupted), ([1, 3, 4], .clean)])
        let result = try DumpRetry(retries: 3).run(script.once)
        #expect(result == DumpRetry.Result(delivered: 4, gaveUp: false, runs: 2))
        #expect(script.handedOn == [1, 2, 3, 4])
    }

    @Test func lostMessagesRestartToo() throws {
        let script = Script([([1], .overflow), ([1, 2], .clean)])
        let result = try DumpRetry(retries: 3).run(script.once)
        #expect(result.runs == 2 && !result.gaveUp)
        #expect(script.handedOn == [1, 2])
    }

    @Test func givesUpAfterTheRetriesAndSaysSo() throws {
        let script = Script(Array(repeating: ([1, 2], .interrupted), count: 4) + [([9], .clean)])
        let result = try DumpRetry(retries: 3).run(script.once)
        #expect(result == DumpRetry.Result(delivered: 2, gaveUp: true, runs: 4))
        #expect(script.handedOn == [1, 2])
        #expect(script.runs.count == 1)  // the fifth run never happened
    }

    @Test func otherErrorsAreNotRetried() {
        let script = Script([([1], .clean)])
        #expect(throws: DiagError.self) {
            try DumpRetry(retries: 3).run { _ in throw DiagError.kernel(.notPermitted, request: "x") }
        }
        #expect(script.handedOn.isEmpty)
    }
}

@Suite struct DeliveredCookiesTests {
    /// A set holding `cookies`, frozen as a run leaves it.
    static func frozen(_ cookies: Range<UInt64>) -> DeliveredCookies {
        var set = DeliveredCookies()
        for cookie in cookies { set.insert(cookie) }
        set.freeze()
        return set
    }

    /// How many of `asked` a frozen set holding `held` claims by mistake; expects it to claim every one it holds
    /// (a delivered socket is never listed twice).
    static func falseClaims(
        holding held: Range<UInt64>, asked: Range<UInt64>, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Int {
        let set = frozen(held)
        #expect(held.allSatisfy { set.contains($0) }, sourceLocation: sourceLocation)
        return asked.filter { set.contains($0) }.count
    }

    @Test func aFewCookiesAreAnsweredExactly() {
        var set = DeliveredCookies()
        for cookie in stride(from: UInt64(0), to: 1000, by: 2) { set.insert(cookie) }
        // Before and after the set is frozen for lookups, and for cookies inserted after it (a restarted run).
        #expect((0..<1000).allSatisfy { set.contains(UInt64($0)) == ($0 % 2 == 0) })
        set.freeze()
        set.insert(1001)
        #expect(set.count == 501)
        #expect((0..<1000).allSatisfy { set.contains(UInt64($0)) == ($0 % 2 == 0) })
        #expect(set.contains(1001) && !set.contains(1003))
    }

    @Test func twoHundredThousandCookiesWithAlmostNoFalseClaims() {
        let base: UInt64 = 9_000_000
        // 32-bit hashes: about n / 2^32 of new cookies collide (0.005%).
        let wrong = Self.falseClaims(holding: base..<(base + 200_000), asked: (base + 200_000)..<(base + 400_000))
        #expect(wrong < 50, "false claims: \(wrong) of 200000")
    }

    @Test func aSpilledSetKeepsEveryCookieAcrossARestart() {
        let base: UInt64 = 1 << 40
        let total = UInt64(DeliveredCookies.hashLimit) + 1000
        // Frozen below the limit, then filled past it during the restarted run: the set spills to the filter.
        var set = Self.frozen(base..<(base + 1000))
        for cookie in (base + 1000)..<(base + total) { set.insert(cookie) }
        #expect((base..<(base + total)).allSatisfy { set.contains($0) })
    }

    @Test func aMillionCookiesInBoundedMemoryWithFewFalseClaims() {
        let base: UInt64 = 4_000_000
        // Never forgets one that was delivered; new cookies are rarely claimed by mistake.
        let wrong = Self.falseClaims(holding: base..<(base + 1_000_000), asked: (base + 1_000_000)..<(base + 1_100_000))
        #expect(wrong < 7_000, "false claims: \(wrong) of 100000")
    }
}
