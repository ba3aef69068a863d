/// Socket memory as INET diag first reported it.
///
/// The kernel struct is `inet_diag_meminfo` (attribute `INET_DIAG_MEMINFO`).
public struct MemInfo: Sendable, Equatable {
    public var rmem: UInt32
    public var wmem: UInt32
    public var fmem: UInt32
    public var tmem: UInt32

    public init(rmem: UInt32, wmem: UInt32, fmem: UInt32, tmem: UInt32) {
        self.rmem = rmem
        self.wmem = wmem
        self.fmem = fmem
        self.tmem = tmem
    }
}

/// Socket memory counters, as `ss -m` shows them in `skmem:(…)`.
///
/// The kernel sends a `u32` array indexed by `SK_MEMINFO_*` (attribute `INET_DIAG_SKMEMINFO`); newer kernels may
/// append counters, and an older one may send fewer. Counters not sent are nil.
public struct SkMemInfo: Sendable, Equatable {
    /// The kernel's names, in `SK_MEMINFO_*` order, with `ss`'s short tags.
    public static let counters: [(name: String, tag: String)] = [
        ("rmem_alloc", "r"), ("rcvbuf", "rb"), ("wmem_alloc", "t"), ("sndbuf", "tb"), ("fwd_alloc", "f"),
        ("wmem_queued", "w"), ("optmem", "o"), ("backlog", "bl"), ("drops", "d"),
    ]

    /// How many counters the kernel sent (the rest are nil).
    public private(set) var count: Int
    private var values: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0)

    /// Decodes the attribute payload, reading only the whole counters it holds.
    public init(bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count / 4, Self.counters.count)
        count = n
        withUnsafeMutableBytes(of: &values) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(n * 4)]))
        }
    }

    /// Counter `index` (`SK_MEMINFO_RMEM_ALLOC` is 0), or nil when the kernel did not send it.
    public subscript(index: Int) -> UInt32? {
        guard index >= 0, index < count else { return nil }
        return withUnsafeBytes(of: values) { $0.load(fromByteOffset: index * 4, as: UInt32.self) }
    }

    public static func == (a: SkMemInfo, b: SkMemInfo) -> Bool {
        a.count == b.count && (0..<a.count).allSatisfy { a[$0] == b[$0] }
    }
}
