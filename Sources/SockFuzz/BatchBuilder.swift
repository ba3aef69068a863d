/// One netlink datagram under construction, laid out as the kernel lays out a dump batch.
public struct BatchBuilder: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// The sequence number every message carries (the dump's request).
    public var sequence: UInt32 = 7

    public init() {}

    /// Appends one message; `sequence` overrides `self.sequence`, `length` overrides `nlmsg_len` (for malformed input).
    public mutating func message(
        type: UInt16, flags: UInt16 = Wire.multi, sequence: UInt32? = nil,
        portID: UInt32 = 4242,  // nlmsg_pid: the kernel answers from port 0 to ours
        payload: [UInt8], length: UInt32? = nil
    ) {
        bytes.append(native: length ?? UInt32(Wire.headerSize + payload.count))
        bytes.append(native: type)
        bytes.append(native: flags)
        bytes.append(native: sequence ?? self.sequence)
        bytes.append(native: portID)
        bytes.append(contentsOf: payload)
        bytes.padTo4()
    }

    /// Appends a `SOCK_DIAG_BY_FAMILY` message carrying `socket`.
    public mutating func socket(_ socket: InetDiagMessage, flags: UInt16 = Wire.multi, sequence: UInt32? = nil) {
        message(type: Wire.sockDiagByFamily, flags: flags, sequence: sequence, payload: socket.encoded())
    }

    /// Appends `NLMSG_DONE` with its `int` error code (0, or `-errno` when the dump failed late).
    public mutating func done(code: Int32 = 0, sequence: UInt32? = nil) {
        var payload: [UInt8] = []
        payload.append(native: code)
        message(type: Wire.done, sequence: sequence, payload: payload)
    }

    /// Appends `NLMSG_ERROR`: `struct nlmsgerr` is the error code and the offending request's header.
    public mutating func error(code: Int32, sequence: UInt32? = nil) {
        var payload: [UInt8] = []
        payload.append(native: code)
        payload.append(native: UInt32(Wire.headerSize + 56))  // the request's nlmsg_len
        payload.append(native: Wire.sockDiagByFamily)
        payload.append(native: UInt16(0x301))  // NLM_F_REQUEST | NLM_F_DUMP
        payload.append(native: sequence ?? self.sequence)
        payload.append(native: UInt32(0))
        message(type: Wire.error, flags: 0, sequence: sequence, payload: payload)
    }

    /// Appends `NLMSG_NOOP` (the kernel never sends one in a dump, but the walker must skip it).
    public mutating func noop() {
        message(type: Wire.noop, flags: 0, payload: [])
    }
}
