/// Cgroup id → `CgroupInfo`, looked up once per socket: open addressing on a multiplicative hash.
///
/// A listing of 200k sockets over a few hundred cgroups looks an id up per row; `Dictionary`'s SipHash was a
/// third of what `--containers` added to `-ta` (docs/BENCHMARKS.md). Ids are never 0 (the root cgroup's is 1),
/// so 0 marks an empty slot. The table holds no references: its owner keeps every `CgroupInfo` alive.
struct CgroupIDTable {
    private var keys: [UInt64]
    private var values: [Unmanaged<CgroupInfo>?]
    private var shift: UInt64
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 64)
        values = Array(repeating: nil, count: 64)
        shift = 64 - 6
    }

    @inline(__always)
    private func slot(_ id: UInt64) -> Int { Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The info of `id`; nil when not there.
    @inline(__always)
    subscript(id: UInt64) -> Unmanaged<CgroupInfo>? {
        var i = slot(id)
        let mask = keys.count - 1
        while true {
            let key = keys[i]
            if key == id { return values[i] }
            if key == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Sets the info of `id` (not 0).
    mutating func insert(_ info: CgroupInfo, for id: UInt64) {
        precondition(id != 0)
        if (count + 1) * 2 > keys.count { grow() }
        var i = slot(id)
        let mask = keys.count - 1
        while keys[i] != 0 && keys[i] != id { i = (i + 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = id
        values[i] = Unmanaged.passUnretained(info)
    }

    private mutating func grow() {
        let old = zip(keys, values).filter { $0.0 != 0 }
        keys = Array(repeating: 0, count: keys.count * 2)
        values = Array(repeating: nil, count: keys.count)
        shift -= 1
        count = 0
        for (key, value) in old { insert(value!.takeUnretainedValue(), for: key) }
    }
}
