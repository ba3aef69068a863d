import Testing

@testable import SockExporter

@Suite struct RetransmitTrackerTests {
    /// Runs one scrape of `(cookie, total)` pairs; returns the new retransmits.
    static func scrape(_ tracker: inout RetransmitTracker, _ sockets: [(UInt64, UInt32)]) -> UInt64 {
        var sum: UInt64 = 0
        for (cookie, total) in sockets { sum += tracker.observe(cookie: cookie, totalRetransmits: total) }
        tracker.finishScrape()
        return sum
    }

    @Test func countsGrowthOnly() {
        var tracker = RetransmitTracker()
        // First scrape: a baseline, nothing counted.
        #expect(Self.scrape(&tracker, [(1, 5), (2, 0), (3, 7)]) == 0)
        #expect(tracker.tracked == 2)  // sockets at 0 are not remembered
        // 1 grew by 2, 2 by 4 (from 0), 3 closed (its total leaves the sum: no negative step), 4 is new with 3.
        #expect(Self.scrape(&tracker, [(1, 7), (2, 4), (4, 3)]) == 9)
        // Nothing moved.
        #expect(Self.scrape(&tracker, [(1, 7), (2, 4), (4, 3)]) == 0)
        #expect(tracker.tracked == 3)
    }

    @Test func abandonedScrapeIsNotCountedTwice() {
        var tracker = RetransmitTracker()
        _ = Self.scrape(&tracker, [(1, 1)])
        #expect(tracker.observe(cookie: 1, totalRetransmits: 4) == 3)
        tracker.abandonScrape()
        #expect(Self.scrape(&tracker, [(1, 4)]) == 3)
    }

    @Test func memoryIsBoundedAndNeverCountsTwice() {
        var tracker = RetransmitTracker(capacity: 8)
        let cookies = Array(UInt64(1)...64)
        _ = Self.scrape(&tracker, cookies.map { ($0, 1) })
        #expect(tracker.tracked <= 8)
        #expect(tracker.stride >= 8)
        // Every socket retransmits once more: only the tracked ones count, each once.
        let counted = Self.scrape(&tracker, cookies.map { ($0, 2) })
        #expect(counted == UInt64(cookies.filter { $0 % tracker.stride == 0 }.count))
        #expect(counted <= 8)
        // And again: untracked sockets never come back as "new" with their whole history.
        #expect(Self.scrape(&tracker, cookies.map { ($0, 2) }) == 0)
        #expect(tracker.tracked <= 8)
    }
}
