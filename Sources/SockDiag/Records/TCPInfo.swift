import CSockDiag

/// TCP statistics of one socket, kept as the bytes the kernel sent and read field by field.
///
/// The kernel struct is `tcp_info` (attribute `INET_DIAG_INFO`). It grows with each kernel release, so a field is
/// present only when the kernel's copy is long enough to hold it; older kernels leave newer fields absent.
public struct TCPInfo: Sendable {
    /// Room for the largest `tcp_info` sockwatch knows; longer copies from newer kernels are cut here.
    public static let capacity = 256
    private typealias Storage = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    )
    private var storage: Storage = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    )
    /// How many bytes of the struct the kernel sent (at most `capacity`).
    public private(set) var length: Int

    /// Copies the attribute payload.
    public init(bytes: UnsafeRawBufferPointer) {
        let n = min(bytes.count, Self.capacity)
        length = n
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
        }
    }

    /// One field of `tcp_info`, described by the C shim from `<linux/tcp.h>`.
    public struct Field: Sendable {
        /// The kernel's name without the `tcpi_` prefix.
        public let name: String
        let offset: Int
        let size: Int
        let shift: UInt8
        let bits: UInt8

        /// The field the C shim calls `name`; traps if sockwatch was built without it.
        init(named name: String) {
            guard let field = TCPInfo.fields.first(where: { $0.name == name }) else {
                fatalError("tcp_info has no field \(name) in the headers sockwatch was built with")
            }
            self = field
        }

        init(_ c: csd_field) {
            name = String(cString: c.name)
            offset = Int(c.offset)
            size = Int(c.size)
            shift = c.shift
            bits = c.bits
        }
    }

    /// Every field, in the kernel struct's order.
    public static let fields: [Field] = withUnsafeBytes(of: csd_tcp_info_fields) { raw in
        raw.bindMemory(to: csd_field.self).map(Field.init)
    }

    /// The value of `field`, or nil when the kernel's struct is too short to hold it.
    public subscript(field: Field) -> UInt64? {
        guard field.offset + field.size <= length else { return nil }
        return withUnsafeBytes(of: storage) { raw -> UInt64 in
            switch field.size {
            case 1:
                let byte = raw.load(fromByteOffset: field.offset, as: UInt8.self)
                if field.bits == 0 { return UInt64(byte) }
                return UInt64((byte >> field.shift) & UInt8((1 << Int(field.bits)) - 1))
            case 2: return UInt64(raw.loadUnaligned(fromByteOffset: field.offset, as: UInt16.self))
            case 4: return UInt64(raw.loadUnaligned(fromByteOffset: field.offset, as: UInt32.self))
            default: return raw.loadUnaligned(fromByteOffset: field.offset, as: UInt64.self)
            }
        }
    }

}
