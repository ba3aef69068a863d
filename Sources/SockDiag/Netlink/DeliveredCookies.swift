/// The cookies of the sockets a dump has delivered, kept in bounded memory.
///
/// Up to `exactLimit` cookies are kept exactly. Past that they go into a Bloom filter of fixed size (1 MiB,
/// two probes), so a dump of a million sockets costs about as much memory as one of twenty thousand. The
/// filter never forgets a cookie, so a restarted dump never delivers a socket twice; it may wrongly claim a
/// cookie (0.3% at 200k sockets, 5% at a million), which skips a socket created between the two runs.
struct DeliveredCookies {
    static let exactLimit = 1 << 15
    static let filterWords = (1 << 20) / 8  // 1 MiB of bits

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

    private static func probes(_ cookie: UInt64) -> (Int, Int) {
        // SplitMix64's finaliser spreads sequential cookies over the whole table.
        var z = cookie &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let bits = UInt64(filterWords * 64)
        return (Int(z % bits), Int((z >> 32 ^ z &* 31) % bits))
    }

    private static func set(_ cookie: UInt64, in bits: Bits) {
        let (a, b) = probes(cookie)
        bits.words[a >> 6] |= 1 << UInt64(a & 63)
        bits.words[b >> 6] |= 1 << UInt64(b & 63)
    }

    private static func test(_ cookie: UInt64, in bits: Bits) -> Bool {
        let (a, b) = probes(cookie)
        return bits.words[a >> 6] & (1 << UInt64(a & 63)) != 0 && bits.words[b >> 6] & (1 << UInt64(b & 63)) != 0
    }
}
