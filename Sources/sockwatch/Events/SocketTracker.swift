import SockPipeline
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
        /// 0 until the socket has a file (an accepted socket waiting in the accept queue has none).
        var inode: UInt32
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
    struct Sighting {
        /// First seen: a "new" event, and its owners to join.
        var isNew = false
        /// The state before, when it changed: a "state" event.
        var changedFrom: SocketState?
        /// The holders known so far (for a state event).
        var holders: [SocketHolder] = []
        /// Seen before without an inode (an accept-queue socket) and now with one: its owners can be joined.
        var needsOwners = false
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
            var sighting = Sighting()
            entry.lastSeen = generation
            if !entry.destroyed {
                if entry.state != record.state {
                    sighting.changedFrom = entry.state
                    sighting.holders = entry.holders
                }
                sighting.needsOwners = entry.inode == 0 && record.inode != 0
            }
            entry.state = record.state
            entry.inode = record.inode
            entries[cookie] = entry
            return sighting
        }
        guard entries.count < capacity else {
            overflowed = true
            return Sighting()
        }
        entries[cookie] = Entry(state: record.state, inode: record.inode, firstSeen: now, lastSeen: generation)
        return Sighting(isNew: true)
    }

    /// Keeps the holders joined for a socket of this dump.
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
            entries[cookie] = Entry(state: .close, inode: 0, firstSeen: nil, lastSeen: generation, destroyed: true)
        }
        return nil
    }
}
