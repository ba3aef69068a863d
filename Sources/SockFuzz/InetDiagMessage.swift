/// The fields of one `inet_diag_msg` (72 bytes) and the attributes after it, for building seed batches.
public struct InetDiagMessage: Sendable {
    public var family: UInt8 = 2  // AF_INET
    public var state: UInt8 = 1   // TCP_ESTABLISHED
    public var timer: UInt8 = 0
    public var retrans: UInt8 = 0
    /// Host order here; written in network byte order as the kernel does.
    public var sourcePort: UInt16 = 0
    public var destinationPort: UInt16 = 0
    public var source = [UInt8](repeating: 0, count: 16)
    public var destination = [UInt8](repeating: 0, count: 16)
    public var interface: UInt32 = 0
    public var cookie: UInt64 = 0
    public var expires: UInt32 = 0
    public var rqueue: UInt32 = 0
    public var wqueue: UInt32 = 0
    public var uid: UInt32 = 0
    public var inode: UInt32 = 0
    /// `(type, payload, nla_len override)`, in the order the kernel would send them.
    public var attributes: [(type: UInt16, payload: [UInt8], length: UInt16?)] = []

    public init() {}

    /// Appends an attribute; `length` overrides its `nla_len` (for malformed input).
    public mutating func attribute(_ type: UInt16, _ payload: [UInt8], length: UInt16? = nil) {
        attributes.append((type, payload, length))
    }

    /// Appends an attribute holding one integer in host byte order.
    public mutating func attribute<T: FixedWidthInteger>(_ type: UInt16, native value: T) {
        var payload: [UInt8] = []
        payload.append(native: value)
        attribute(type, payload)
    }

    /// The payload after `nlmsghdr`: the 72-byte struct, then each `nlattr` padded to 4.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [family, state, timer, retrans]
        out.reserveCapacity(Wire.inetDiagMsgSize + attributes.reduce(0) { $0 + align4(4 + $1.payload.count) })
        out.append(native: sourcePort.bigEndian)       // offset 4
        out.append(native: destinationPort.bigEndian)  // offset 6
        out.append(contentsOf: (source + [UInt8](repeating: 0, count: 16)).prefix(16))       // offset 8
        out.append(contentsOf: (destination + [UInt8](repeating: 0, count: 16)).prefix(16))  // offset 24
        out.append(native: interface)                  // offset 40
        out.append(native: UInt32(truncatingIfNeeded: cookie))        // idiag_cookie[0], offset 44
        out.append(native: UInt32(truncatingIfNeeded: cookie >> 32))  // idiag_cookie[1]
        for field in [expires, rqueue, wqueue, uid, inode] { out.append(native: field) }  // offsets 52...68
        precondition(out.count == Wire.inetDiagMsgSize)
        for (type, payload, length) in attributes { out.append(attribute: type, payload: payload, length: length) }
        return out
    }
}

// MARK: - Addresses

/// The 16 bytes `inet_diag_sockid` holds for an IPv4 address (the first 4 in network order, then zeros).
func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> [UInt8] {
    [a, b, c, d] + [UInt8](repeating: 0, count: 12)
}

/// The 16 bytes of an IPv6 address given as eight 16-bit groups.
func ipv6(_ groups: [UInt16]) -> [UInt8] {
    precondition(groups.count == 8)
    return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
}
