import CSockDiag
import SystemPackage

/// One netlink message inside a received batch.
///
/// `payload` points into the receive buffer: it is valid only inside the closure that receives the message and
/// must not escape it. Copy out what you keep.
public struct NetlinkMessage {
    public let type: UInt16
    public let flags: UInt16
    public let sequence: UInt32
    public let portID: UInt32
    public let payload: UnsafeRawBufferPointer
}

/// Walks the netlink messages in one received datagram.
///
/// The kernel struct is `nlmsghdr`. Every length is checked against what is left before it is trusted.
public enum NetlinkBatch {
    /// What the batch said about the dump as a whole.
    public struct Outcome: Equatable, Sendable {
        /// `NLMSG_DONE` was seen: the dump is complete.
        public var done = false
        /// A message carried `NLM_F_DUMP_INTR`: the table changed during the dump.
        public var interrupted = false
        /// Messages handed to the body.
        public var messages = 0
    }

    static let headerSize = MemoryLayout<nlmsghdr>.size

    /// Calls `body` for each data message; stops at `NLMSG_DONE`, throws on `NLMSG_ERROR` and malformed bytes.
    ///
    /// - Parameters:
    ///   - sequence: when given, messages of other sequence numbers (a stale dump) are skipped.
    ///   - request: names the request in errors.
    public static func walk(
        _ buffer: UnsafeRawBufferPointer,
        sequence: UInt32? = nil,
        request: String = "the request",
        _ body: (NetlinkMessage) throws -> Void
    ) throws -> Outcome {
        var outcome = Outcome()
        var offset = 0
        while offset < buffer.count {
            let left = buffer.count - offset
            guard left >= headerSize else {
                throw DiagError.malformed("truncated netlink header: \(left) bytes at offset \(offset)")
            }
            let header = buffer.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self)
            let length = Int(header.nlmsg_len)
            guard length >= headerSize else {
                throw DiagError.malformed("nlmsg_len \(length) is shorter than the header at offset \(offset)")
            }
            guard length <= left else {
                throw DiagError.malformed("nlmsg_len \(length) runs past the buffer (\(left) bytes left)")
            }
            let payload = UnsafeRawBufferPointer(rebasing: buffer[(offset + headerSize)..<(offset + length)])
            offset += Int(CSockDiag_NLMSG_ALIGN(UInt32(length)))

            if let sequence, header.nlmsg_seq != sequence { continue }
            if header.nlmsg_flags & UInt16(NLM_F_DUMP_INTR) != 0 { outcome.interrupted = true }

            switch Int32(header.nlmsg_type) {
            case NLMSG_NOOP:
                continue
            case NLMSG_DONE:
                // The dump may end with an error code in place of success.
                if payload.count >= 4 {
                    let code = payload.loadUnaligned(as: Int32.self)
                    if code < 0 { throw DiagError.kernel(try errno(from: code), request: request) }
                }
                outcome.done = true
                return outcome
            case NLMSG_ERROR:
                guard payload.count >= 4 else { throw DiagError.malformed("NLMSG_ERROR without an error code") }
                let code = payload.loadUnaligned(as: Int32.self)
                if code == 0 { continue }  // an acknowledgement
                throw DiagError.kernel(try errno(from: code), request: request)
            case NLMSG_OVERRUN:
                throw DiagError.kernel(.noBufferSpace, request: request)
            default:
                outcome.messages += 1
                try body(NetlinkMessage(
                    type: header.nlmsg_type, flags: header.nlmsg_flags,
                    sequence: header.nlmsg_seq, portID: header.nlmsg_pid, payload: payload))
            }
        }
        return outcome
    }

    /// The errno of a kernel error code (`-EPERM`); codes outside the kernel's errno range are malformed.
    static func errno(from code: Int32) throws -> Errno {
        let value = code.magnitude
        guard value > 0, value < 4096 else { throw DiagError.malformed("error code \(code) out of range") }
        return Errno(rawValue: Int32(value))
    }
}
