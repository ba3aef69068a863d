import CSockDiag

/// Walks the netlink attributes (TLVs) that follow a fixed message header.
///
/// The kernel struct is `nlattr` (`rtattr` in older code). Payloads point into the receive buffer and must not
/// escape the closure.
public enum NetlinkAttributes {
    static let headerSize = 4

    /// Calls `body(type, payload)` for each attribute in `buffer`; throws when a length runs past the buffer.
    @inline(__always)
    public static func forEach(
        in buffer: UnsafeRawBufferPointer,
        _ body: (UInt16, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var offset = 0
        while buffer.count - offset >= headerSize {
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = buffer.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)
            guard length >= headerSize else {
                throw DiagError.malformed("attribute \(type) has length \(length), shorter than its header")
            }
            guard length <= buffer.count - offset else {
                throw DiagError.malformed(
                    "attribute \(type) of \(length) bytes runs past its message (\(buffer.count - offset) left)")
            }
            let payload = UnsafeRawBufferPointer(rebasing: buffer[(offset + headerSize)..<(offset + length)])
            try body(type & CSockDiag_NLA_TYPE_MASK(), payload)
            offset += Int(CSockDiag_NLA_ALIGN(UInt32(length)))
        }
    }
}
