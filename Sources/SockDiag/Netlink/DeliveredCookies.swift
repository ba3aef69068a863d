/// The cookies of the sockets a dump has delivered, kept in bounded memory.
///
/// Up to `exactLimit` cookies are kept exactly. Past that they go into a Bloom filter of fixed size (1 MiB,
/// two probes within one 64-bit word), so a dump of a million sockets costs about as much memory as one of
/// twenty thousand. The filter never forgets a cookie, so a restarted dump never delivers a socket twice; it
/// may wrongly claim a cookie (0.35% at 200k sockets, 5% at a million, simulated), which skips a socket
/// created between the two runs.
struct DeliveredCookies {
    static let exactLimit = 1 << 15
    static let filterWords = (1 << 20) / 8  // 1 MiB of bits (a power of two)

    private var exact: [UInt64] = []
    private var exactSet: Set<UInt64>?
    private var filter: Bits?

    /// The filter's bits in one allocation, freed with the last reference.
    final class Bits {
        let words: UnsafeMutablePointer<UInt64>
        init() {
            words = .allocate(capacity: DeliveredCookies.filterWords)
            words.initialize(repeating: 0, count: DeliveredCookies.filterWords)
        }
        deinit { words.deallocate() }
    }
    /// Cookies inserted (delivered sockets).
    private(set) var count = 0

    mutating func insert(_ cookie: UInt64) {
        count += 1
        if let filter {
            Self.set(cookie, in: filter)
            return
        }
        exact.append(cookie)
        exactSet?.insert(cookie)
        if exact.count > Self.exactLimit {
            let bits = Bits()
            for known in exact { Self.set(known, in: bits) }
            filter = bits
            exact = []
            exactSet = nil
        }
    }

    /// Prepares fast lookups (called once, when a dump must be run again).
    mutating func freeze() {
        if filter == nil && exactSet == nil { exactSet = Set(exact) }
    }

    func contains(_ cookie: UInt64) -> Bool {
        if let filter { return Self.test(cookie, in: filter) }
        return exactSet?.contains(cookie) ?? exact.contains(cookie)
    }

    // MARK: - Bloom filter

    /// A cookie's word in the filter and its two bits there: both probes in one word, so an insert touches one
    /// cache line (two words anywhere cost a listing two cache misses per socket).
    @inline(__always)
    private static func probe(_ cookie: UInt64) -> (word: Int, bits: UInt64) {
        // SplitMix64's finaliser spreads sequential cookies over the whole table.
        var z = cookie &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let word = Int(truncatingIfNeeded: z) & (filterWords - 1)
        return (word, 1 << ((z >> 40) & 63) | 1 << ((z >> 52) & 63))
    }

    private static func set(_ cookie: UInt64, in bits: Bits) {
        let (word, mask) = probe(cookie)
        bits.words[word] |= mask
    }

    private static func test(_ cookie: UInt64, in bits: Bits) -> Bool {
        let (word, mask) = probe(cookie)
        return bits.words[word] & mask == mask
    }
}
