// MARK: - Bytes in the kernel's layout

extension Array where Element == UInt8 {
    /// Host-order `UInt32`s back to back, as the kernel writes skmem, meminfo and other counter arrays.
    public init(words values: [UInt32]) {
        self.init()
        for value in values { append(native: value) }
    }

    /// Appends `value` in host byte order, as the kernel writes netlink fields.
    public mutating func append<T: FixedWidthInteger>(native value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Appends one `nlattr` (`nla_len`, `nla_type`, payload, padding); `length` overrides `nla_len` (for malformed input).
    public mutating func append(attribute type: UInt16, payload: [UInt8], length: UInt16? = nil) {
        append(native: length ?? UInt16(truncatingIfNeeded: Wire.attributeHeaderSize + payload.count))
        append(native: type)
        append(contentsOf: payload)
        padTo4()
    }

    /// Overwrites the bytes at `offset` with `value` in host byte order; bytes past the end are not written.
    public mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
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
    public mutating func padTo4() {
        while count % 4 != 0 { append(0) }
    }
}

/// Rounds up to a multiple of 4, as `NLMSG_ALIGN` and `NLA_ALIGN` do.
@inline(__always)
func align4(_ n: Int) -> Int { (n + 3) & ~3 }
