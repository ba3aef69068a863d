/// An MPTCP connection's counters: subflows, address announcements, sequence numbers.
///
/// The kernel struct is `mptcp_info` (from `<linux/mptcp.h>`), sent as `INET_DIAG_INFO` by `mptcp_diag`.
/// Fields past the bytes the kernel sent stay nil.
public struct MPTCPInfo: Sendable, Equatable {
    public var subflows: UInt8
    public var addAddrSignal: UInt8
    public var addAddrAccepted: UInt8
    public var subflowsMax: UInt8
    public var flags: UInt32?
    public var token: UInt32?
    public var writeSeq: UInt64?
    public var sndUna: UInt64?
    public var rcvNxt: UInt64?

    /// Decodes the attribute by its real length; nil when it is too short for the first counters.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 4 else { return nil }
        subflows = bytes[0]
        addAddrSignal = bytes[1]
        addAddrAccepted = bytes[2]
        subflowsMax = bytes[3]
        func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T? {
            bytes.count >= offset + MemoryLayout<T>.size ? bytes.loadUnaligned(fromByteOffset: offset, as: T.self) : nil
        }
        flags = load(8, UInt32.self)
        token = load(12, UInt32.self)
        writeSeq = load(16, UInt64.self)
        sndUna = load(24, UInt64.self)
        rcvNxt = load(32, UInt64.self)
    }
}
