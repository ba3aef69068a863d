import CSockDiag
import Glibc
import SystemPackage

/// An open `NETLINK_SOCK_DIAG` socket and its receive buffer, owned by the C shim.
final class DiagSocket {
    let handle: OpaquePointer

    /// Opens the socket in the caller's network namespace, or in the one `netns` names.
    init(netns: FileDescriptor? = nil) throws {
        guard let handle = csd_open_in(netns?.rawValue ?? -1) else {
            throw DiagError.system(
                Errno(rawValue: Glibc.errno),
                operation: netns == nil ? "socket(NETLINK_SOCK_DIAG)" : "setns and socket(NETLINK_SOCK_DIAG)")
        }
        self.handle = handle
    }

    deinit { csd_close(handle) }

    /// The sequence number of the request sent last.
    var lastSequence: UInt32 { csd_last_seq(handle) }
}

/// Carries a Swift closure through the C dump loop's `void *ctx`.
final class BatchSink {
    let body: (UnsafeRawBufferPointer) throws -> Bool
    var error: (any Error)?

    init(_ body: @escaping (UnsafeRawBufferPointer) throws -> Bool) { self.body = body }

    /// The C callback: returns `CSD_BATCH_DONE` when `body` says the dump ended, `-ECANCELED` when it threw.
    static let trampoline: csd_batch_fn = { buffer, length, context in
        let sink = Unmanaged<BatchSink>.fromOpaque(context!).takeUnretainedValue()
        do {
            let done = try sink.body(UnsafeRawBufferPointer(start: buffer, count: length))
            return Int32(done ? CSD_BATCH_DONE : CSD_BATCH_CONTINUE)
        } catch {
            sink.error = error
            return -ECANCELED
        }
    }
}
