/// The cookies of the sockets a dump has delivered, cheap to record and kept in bounded memory.
///
/// Recording is on every listing's hot path, while the set is read only when a dump must run again
/// (`NLM_F_DUMP_INTR` or `ENOBUFS`, which the INET dumps hardly ever cause). So each cookie is recorded as a
/// 32-bit hash appended to an array, a sequential write, up to `hashLimit` cookies (1 MiB). A restart turns
/// the array into a `Set` (`freeze`); a hash shared by two cookies makes the set claim one wrongly (n / 2^32:
/// 0.005% at 200k sockets). Past the limit every hash goes into a Bloom filter of the same 1 MiB (two bits in
/// one 64-bit word the hash picks), so a dump of a million sockets takes no more memory; the filter may claim
/// ~5% wrongly at a million. Nothing is ever forgotten, so a restarted dump never delivers a socket twice; a
/// wrong claim skips a socket created between the two runs.
///
/// (A Bloom filter from the first socket, as before, cost a cache miss per socket: ~100 ns each at 200k.)
struct DeliveredCookies {
    static let hashLimit = 1 << 18
    static let filterWords = (1 << 20) / 8  // 1 MiB of bits (a power of two)

    private var hashes: [UInt32] = []
    private var hashSet: Set<UInt32>?
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
        let hash = Self.hash(cookie)
        if let filter {
            Self.set(hash, in: filter)
        } else if hashSet != nil {
            hashSet!.insert(hash)
            if hashSet!.count >= Self.hashLimit { spill(hashSet!) }
        } else {
            hashes.append(hash)
            if hashes.count >= Self.hashLimit { spill(hashes) }
        }
    }

    /// Moves every hash so far into the Bloom filter.
    private mutating func spill(_ known: some Sequence<UInt32>) {
        let bits = Bits()
        for hash in known { Self.set(hash, in: bits) }
        filter = bits
        hashes = []
        hashSet = nil
    }

    /// Prepares lookups (called once, when a dump must be run again).
    mutating func freeze() {
        guard filter == nil, hashSet == nil else { return }
        hashSet = Set(hashes)
        hashes = []
    }

    func contains(_ cookie: UInt64) -> Bool {
        let hash = Self.hash(cookie)
        if let filter { return Self.test(hash, in: filter) }
        return hashSet?.contains(hash) ?? hashes.contains(hash)
    }

    /// SplitMix64's finaliser, cut to 32 bits: sequential cookies spread over every bit.
    @inline(__always)
    static func hash(_ cookie: UInt64) -> UInt32 {
        var z = cookie &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return UInt32(truncatingIfNeeded: z >> 32)
    }

    // MARK: - Bloom filter

    /// A hash's word in the filter (its low 17 bits) and two bits there (the next 6 and 6).
    @inline(__always)
    private static func probe(_ hash: UInt32) -> (word: Int, bits: UInt64) {
        let word = Int(hash) & (filterWords - 1)
        return (word, 1 << UInt64((hash >> 17) & 63) | 1 << UInt64((hash >> 23) & 63))
    }

    private static func set(_ hash: UInt32, in bits: Bits) {
        let (word, mask) = probe(hash)
        bits.words[word] |= mask
    }

    private static func test(_ hash: UInt32, in bits: Bits) -> Bool {
        let (word, mask) = probe(hash)
        return bits.words[word] & mask == mask
    }
}
