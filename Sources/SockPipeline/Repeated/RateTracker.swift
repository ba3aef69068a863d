/// Turns successive dumps into per-interval rates, keyed by socket cookie.
///
/// Only the sockets of the latest dump are remembered, so memory follows the socket table, not its churn. The
/// counters live in two `CookieTable`s swapped at each update, their capacity kept: a refresh of the same table
/// allocates nothing (a new `Dictionary` per refresh was 4% of `watch`'s CPU at 200k sockets).
public struct RateTracker: Sendable {
    /// The counters of one socket at its last sample; `CookieTable.none` where unknown.
    struct Previous: Sendable {
        var time: UInt64
        var firstSeen: UInt64
        var bytesAcked: UInt64
        var bytesReceived: UInt64
        var totalRetransmits: UInt64
        /// The counters when this run first saw the socket (for the totals since start).
        var firstAcked: UInt64
        var firstReceived: UInt64
    }

    private var previous = CookieTable()
    private var next = CookieTable()

    /// Bytes acknowledged by peers, over every socket seen, since the first update (closed sockets included).
    public private(set) var hostSent: UInt64 = 0
    /// Bytes received over every socket seen since the first update (closed sockets included).
    public private(set) var hostReceived: UInt64 = 0

    public init() {}

    /// Sockets remembered (those of the latest dump).
    public var count: Int { previous.count }

    /// Rows for `samples`, taken at `time` (monotonic nanoseconds), with rates against each socket's sample
    /// of the previous call; sockets absent from `samples` are forgotten.
    public mutating func update(_ samples: [WatchSample], at time: UInt64) -> [WatchRow] {
        next.clear(keeping: samples.count)
        var rows: [WatchRow] = []
        rows.reserveCapacity(samples.count)
        for sample in samples {
            let before = previous[sample.cookie]
            let firstSeen = before?.firstSeen ?? time
            let acked = Self.known(sample.bytesAcked)
            let received = Self.known(sample.bytesReceived)
            let firstAcked = before.map { $0.firstAcked } ?? acked
            let firstReceived = before.map { $0.firstReceived } ?? received
            var row = WatchRow(
                sample: sample, sendRate: nil, receiveRate: nil, retransmits: nil,
                age: Double(time &- firstSeen) / 1e9, sentSinceStart: Self.delta(firstAcked, acked),
                receivedSinceStart: Self.delta(firstReceived, received))
            if let before, time > before.time {
                let seconds = Double(time - before.time) / 1e9
                let sent = Self.delta(before.bytesAcked, acked)
                let receivedDelta = Self.delta(before.bytesReceived, received)
                row.sendRate = sent.map { Double($0) / seconds }
                row.receiveRate = receivedDelta.map { Double($0) / seconds }
                row.retransmits = Self.delta(before.totalRetransmits, Self.known(sample.totalRetransmits))
                hostSent &+= sent ?? 0
                hostReceived &+= receivedDelta ?? 0
            }
            rows.append(row)
            next.insert(
                Previous(
                    time: time, firstSeen: firstSeen, bytesAcked: acked, bytesReceived: received,
                    totalRetransmits: Self.known(sample.totalRetransmits), firstAcked: firstAcked,
                    firstReceived: firstReceived),
                for: sample.cookie)
        }
        swap(&previous, &next)
        return rows
    }

    @inline(__always)
    private static func known(_ value: UInt64?) -> UInt64 { value ?? CookieTable.none }

    /// `new - old` when both are known and the counter did not go back.
    @inline(__always)
    private static func delta(_ old: UInt64, _ new: UInt64) -> UInt64? {
        guard old != CookieTable.none, new != CookieTable.none, new >= old else { return nil }
        return new - old
    }
}

/// Socket cookie → the counters of its last sample: open addressing on a multiplicative hash, cleared in O(1)
/// by a generation number, its arrays kept between refreshes.
///
/// Slots hold the cookie, the generation that wrote it and the index of the entry in `entries`, which grows in
/// insertion order; a slot of an older generation is empty. At most half the slots are used.
struct CookieTable: Sendable {
    /// A counter the kernel did not send.
    static let none = UInt64.max

    private struct Slot: Sendable {
        var cookie: UInt64
        var generation: UInt32
        var entry: UInt32
    }

    private var slots: [Slot] = []
    private var entries: [RateTracker.Previous] = []
    private var generation: UInt32 = 1
    private var shift: UInt64 = 64

    /// Entries held.
    var count: Int { entries.count }

    /// Empties the table, keeping room for `expected` entries (growing the slots when needed).
    mutating func clear(keeping expected: Int) {
        entries.removeAll(keepingCapacity: true)
        entries.reserveCapacity(expected)
        var size = 64
        while size < 2 * expected { size *= 2 }
        if size > slots.count || generation == .max {
            slots = Array(repeating: Slot(cookie: 0, generation: 0, entry: 0), count: max(size, slots.count))
            shift = 64 - UInt64(slots.count.trailingZeroBitCount)
            generation = 1
        } else {
            generation += 1
        }
    }

    @inline(__always)
    private func slot(_ cookie: UInt64) -> Int { Int(truncatingIfNeeded: (cookie &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The entry of `cookie`; nil when not there.
    @inline(__always)
    subscript(cookie: UInt64) -> RateTracker.Previous? {
        guard !entries.isEmpty else { return nil }
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = slot(cookie)
            while slots[i].generation == generation {
                if slots[i].cookie == cookie { return entries[Int(slots[i].entry)] }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    /// Sets the entry of `cookie` (the last one wins when a cookie comes twice).
    mutating func insert(_ value: RateTracker.Previous, for cookie: UInt64) {
        if 2 * (entries.count + 1) > slots.count { grow() }
        let generation = self.generation
        let shift = self.shift
        let index = UInt32(entries.count)
        let replaced: Int? = slots.withUnsafeMutableBufferPointer { slots in
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: (cookie &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slots[i].generation == generation {
                if slots[i].cookie == cookie { return Int(slots[i].entry) }
                i = (i + 1) & mask
            }
            slots[i] = Slot(cookie: cookie, generation: generation, entry: index)
            return nil
        }
        if let replaced { entries[replaced] = value } else { entries.append(value) }
    }

    /// Doubles the slots and places the entries again.
    private mutating func grow() {
        let kept = slots.filter { $0.generation == generation }
        slots = Array(repeating: Slot(cookie: 0, generation: 0, entry: 0), count: max(64, slots.count * 2))
        shift = 64 - UInt64(slots.count.trailingZeroBitCount)
        generation = 1
        let mask = slots.count - 1
        for old in kept {
            var i = slot(old.cookie)
            while slots[i].generation == generation { i = (i + 1) & mask }
            slots[i] = Slot(cookie: old.cookie, generation: generation, entry: old.entry)
        }
    }
}
