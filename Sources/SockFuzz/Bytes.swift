// MARK: - Bytes in the kernel's layout

extension Array where Element == UInt8 {
    /// Appends `value` in host byte order, as the kernel writes netlink fields.
    mutating func append<T: FixedWidthInteger>(native value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Overwrites the bytes at `offset` with `value` in host byte order; bytes past the end are not written.
    mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value) { raw in
            for i in 0..<raw.count where offset + i < count { self[offset + i] = raw[i] }
        }
    }

    /// The `T` at `offset` in host byte order, or nil when the array is too short.
    func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard offset >= 0, count - offset >= MemoryLayout<T>.size else { return nil }
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    /// Pads with zeros to a multiple of 4 (`NLMSG_ALIGN`, `NLA_ALIGN`).
    mutating func padTo4() {
        while count % 4 != 0 { append(0) }
    }
}

/// Rounds up to a multiple of 4, as `NLMSG_ALIGN` and `NLA_ALIGN` do.
@inline(__always)
func align4(_ n: Int) -> Int { (n + 3) & ~3 }
