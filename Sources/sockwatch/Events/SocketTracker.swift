import ProcIndex
import SockDiag

/// The sockets seen so far, keyed by cookie: turns periodic dumps into new and state events, and gives a
/// destroy notice the owner and age of its socket.
///
/// Memory follows the live sockets, not the churn: an entry goes when its socket is destroyed and not seen
/// again, or is missing from two dumps in a row; and there are never more than `capacity` entries.
/// A destroyed socket stays as a tombstone while dumps still show its cookie: a TCP socket's time-wait
/// remnant keeps the cookie after the full socket is freed, and must not come back as "new".
struct SocketTracker {
    struct Entry {
        var state: SocketState
        /// `CLOCK_MONOTONIC` nanoseconds of the dump that first saw it; nil when it was open at start.
        var firstSeen: UInt64?
        /// The dump generation that saw it last.
        var lastSeen: UInt32
        /// The kernel sent its destroy notice.
        var destroyed = false
        /// Its holders, joined from /proc when it was first seen.
        var holders: [SocketHolder] = []
    }

    /// What a dump's sighting of a socket means.
    enum Sighting {
        case new
        case changed(from: SocketState, holders: [SocketHolder])
        /// Same state, a tombstone, or no room left.
        case nothing
    }

    let capacity: Int
    private(set) var entries: [UInt64: Entry] = [:]
    /// Dumps started so far; the first dump is generation 1.
    private(set) var generation: UInt32 = 0
    /// Set when a socket was not followed because the table was full.
    private(set) var overflowed = false

    init(capacity: Int) {
        self.capacity = capacity
        entries.reserveCapacity(min(capacity, 4096))
    }

    var count: Int { entries.count }

    mutating func beginDump() { generation &+= 1 }

    /// Records that the current dump shows `record`; `now` is nil for the initial dump.
    mutating func see(_ record: borrowing SocketRecord, now: UInt64?) -> Sighting {
        let cookie = record.cookie
        if var entry = entries[cookie] {
            entry.lastSeen = generation
            let previous = entry.state
            entry.state = record.state
            entries[cookie] = entry
            return entry.destroyed || previous == record.state
                ? .nothing : .changed(from: previous, holders: entry.holders)
        }
        guard entries.count < capacity else {
            overflowed = true
            return .nothing
        }
        entries[cookie] = Entry(state: record.state, firstSeen: now, lastSeen: generation)
        return .new
    }

    /// Keeps the holders of a socket first seen in this dump.
    mutating func setHolders(_ holders: [SocketHolder], of cookie: UInt64) {
        entries[cookie]?.holders = holders
    }

    /// Ends the current dump: forgets the sockets missing from this dump and the one before.
    mutating func endDump() {
        let generation = generation
        guard generation > 1 else { return }
        var stale: [UInt64] = []
        for (cookie, entry) in entries where entry.lastSeen + 1 < generation { stale.append(cookie) }
        for cookie in stale { entries[cookie] = nil }
    }

    /// Records a destroy notice; returns the entry as it was when the socket was followed and alive.
    mutating func destroy(_ cookie: UInt64) -> Entry? {
        if var entry = entries[cookie] {
            guard !entry.destroyed else { return nil }
            entry.destroyed = true
            entries[cookie] = entry
            return entry
        }
        // Not followed: remember the cookie anyway so a time-wait remnant is not reported as new.
        if entries.count < capacity {
            entries[cookie] = Entry(state: .close, firstSeen: nil, lastSeen: generation, destroyed: true)
        }
        return nil
    }
}
