import CSockDiag

/// The fixed struct every sock_diag answer starts with, and the attributes that follow it.
enum DiagMessage {
    /// Loads the message struct `T` from the start of `payload`; throws when the payload is shorter.
    ///
    /// - Parameter name: the kernel's name for `T` (`unix_diag_msg`), for the error.
    @inline(__always)
    static func header<T>(_ payload: UnsafeRawBufferPointer, as: T.Type, name: StaticString) throws -> T {
        guard payload.count >= MemoryLayout<T>.size else {
            throw DiagError.malformed("\(name) of \(payload.count) bytes, expected \(MemoryLayout<T>.size)")
        }
        return payload.loadUnaligned(as: T.self)
    }

    /// The attribute bytes after a message struct of `size` bytes (empty when nothing follows).
    @inline(__always)
    static func attributes(_ payload: UnsafeRawBufferPointer, after size: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: payload[min(payload.count, Int(CSockDiag_NLMSG_ALIGN(UInt32(size))))...])
    }

    /// Keeps a `SK_MEMINFO_*` array and, as ss does for sockets without queues of their own (netlink,
    /// packet), shows its receive and send allocations as Recv-Q and Send-Q.
    static func memoryAsQueues(_ value: UnsafeRawBufferPointer, into record: inout SocketRecord) {
        let memory = SkMemInfo(bytes: value)
        record.skMemInfo = memory
        if let rmem = memory[0] { record.recvQ = rmem }
        if let wmem = memory[2] { record.sendQ = wmem }
    }

    /// The 64-bit cookie the kernel sends as two host-order 32-bit halves (`*_cookie[2]`).
    @inline(__always)
    static func cookie(_ halves: (UInt32, UInt32)) -> UInt64 { UInt64(halves.0) | UInt64(halves.1) << 32 }
}
