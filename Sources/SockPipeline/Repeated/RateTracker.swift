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
        var rows = samples.map { WatchRow(sample: $0, sendRate: nil, receiveRate: nil, retransmits: nil, age: 0) }
        update(&rows, at: time)
        return rows
    }

    /// Fills in the rates, age and totals of `rows` (a sample each, taken at `time`), in place: the sampler
    /// dumps straight into rows, so no socket is copied from a sample array into a row array.
    public mutating func update(_ rows: inout [WatchRow], at time: UInt64) {
        next.clear(keeping: rows.count)
        var cursor = 0
        rows.withUnsafeMutableBufferPointer { rows in
            for i in rows.indices {
                // Through the pointer: the fields are read and written where they are, the row is not copied.
                let row = rows.baseAddress! + i
                let cookie = row.pointee.sample.cookie
                let before = previous.find(cookie, near: &cursor)
                let firstSeen = before?.firstSeen ?? time
                let acked = Self.known(row.pointee.sample.bytesAcked)
                let received = Self.known(row.pointee.sample.bytesReceived)
                let retransmits = Self.known(row.pointee.sample.totalRetransmits)
                let firstAcked = before.map { $0.firstAcked } ?? acked
                let firstReceived = before.map { $0.firstReceived } ?? received
                row.pointee.sendRate = nil
                row.pointee.receiveRate = nil
                row.pointee.retransmits = nil
                row.pointee.age = Double(time &- firstSeen) / 1e9
                row.pointee.sentSinceStart = Self.delta(firstAcked, acked)
                row.pointee.receivedSinceStart = Self.delta(firstReceived, received)
                if let before, time > before.time {
                    let seconds = Double(time - before.time) / 1e9
                    let sent = Self.delta(before.bytesAcked, acked)
                    let receivedDelta = Self.delta(before.bytesReceived, received)
                    row.pointee.sendRate = sent.map { Double($0) / seconds }
                    row.pointee.receiveRate = receivedDelta.map { Double($0) / seconds }
                    row.pointee.retransmits = Self.delta(before.totalRetransmits, retransmits)
                    hostSent &+= sent ?? 0
                    hostReceived &+= receivedDelta ?? 0
                }
                next.insert(
                    Previous(
                        time: time, firstSeen: firstSeen, bytesAcked: acked, bytesReceived: received,
                        totalRetransmits: retransmits, firstAcked: firstAcked, firstReceived: firstReceived),
                    for: cookie)
            }
        }
        swap(&previous, &next)
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

/// Socket cookie → the counters of its last sample, its arrays kept between refreshes.
///
/// Entries are kept in the order of the dump that made them, and the kernel dumps a table in the same order
/// each time (hash buckets in turn; a new socket goes to the head of its chain, a closed one leaves a gap): so
/// the next dump finds most of its sockets at the position after the last one found, a sequential walk.
/// A cookie greater than every cookie held is new (the kernel's cookies only grow). Only a socket found at
/// neither place needs the hash index by cookie (open addressing on a multiplicative hash), which is built
/// then, once per refresh at most.
struct CookieTable: Sendable {
    /// A counter the kernel did not send.
    static let none = UInt64.max

    private struct Slot: Sendable {
        var cookie: UInt64
        /// The entry's position plus one; 0 marks an empty slot.
        var entry: UInt32
    }

    private var cookies: [UInt64] = []
    private var entries: [RateTracker.Previous] = []
    /// The largest cookie held.
    private var largest: UInt64 = 0
    private var slots: [Slot] = []
    private var shift: UInt64 = 64
    /// Whether `slots` index the entries held.
    private var indexed = false

    /// Entries held.
    var count: Int { entries.count }

    /// Empties the table, keeping room for `expected` entries.
    mutating func clear(keeping expected: Int) {
        cookies.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        cookies.reserveCapacity(expected)
        entries.reserveCapacity(expected)
        largest = 0
        indexed = false
    }

    /// Appends the entry of `cookie` (found by `find` from the next refresh on).
    @inline(__always)
    mutating func insert(_ value: RateTracker.Previous, for cookie: UInt64) {
        cookies.append(cookie)
        entries.append(value)
        largest = max(largest, cookie)
    }

    /// The entry of `cookie`: looked for at `cursor` and the few positions after it (where the previous
    /// dump's order puts it), then in the hash index; `cursor` moves past the entry found.
    @inline(__always)
    mutating func find(_ cookie: UInt64, near cursor: inout Int) -> RateTracker.Previous? {
        guard cookie <= largest, !entries.isEmpty else { return nil }
        let found: Int? = cookies.withUnsafeBufferPointer { cookies in
            var i = cursor
            let end = min(cookies.count, cursor + 4)
            while i < end {
                if cookies[i] == cookie { return i }
                i += 1
            }
            return nil
        }
        guard let position = found ?? indexedPosition(of: cookie) else { return nil }
        cursor = position + 1
        return entries[position]
    }

    /// The position of `cookie` through the hash index, built first when needed (the last of duplicates wins).
    private mutating func indexedPosition(of cookie: UInt64) -> Int? {
        if !indexed { buildIndex() }
        let shift = self.shift
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: (cookie &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slots[i].entry != 0 {
                if slots[i].cookie == cookie { return Int(slots[i].entry) - 1 }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    /// Indexes every entry by cookie, at most half the slots used (the slots' capacity kept).
    private mutating func buildIndex() {
        var size = 64
        while size < 2 * cookies.count { size *= 2 }
        if slots.count < size {
            slots = Array(repeating: Slot(cookie: 0, entry: 0), count: size)
        } else {
            slots.withUnsafeMutableBufferPointer { $0.update(repeating: Slot(cookie: 0, entry: 0)) }
        }
        shift = 64 - UInt64(slots.count.trailingZeroBitCount)
        let shift = self.shift
        cookies.withUnsafeBufferPointer { cookies in
            slots.withUnsafeMutableBufferPointer { slots in
                let mask = slots.count - 1
                for (position, cookie) in cookies.enumerated() {
                    var i = Int(truncatingIfNeeded: (cookie &* 0x9E37_79B9_7F4A_7C15) >> shift)
                    while slots[i].entry != 0 && slots[i].cookie != cookie { i = (i + 1) & mask }
                    slots[i] = Slot(cookie: cookie, entry: UInt32(truncatingIfNeeded: position + 1))
                }
            }
        }
        indexed = true
    }
}
