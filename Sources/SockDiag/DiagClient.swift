import CSockDiag
import SystemPackage

/// Asks the kernel for sockets over sock_diag and streams them, decoded, as they arrive.
///
/// The kernel's interface is `NETLINK_SOCK_DIAG` with `SOCK_DIAG_BY_FAMILY` requests. One client owns one netlink
/// socket and one receive buffer; records are decoded straight from that buffer, one batch at a time.
public final class DiagClient {
    private let socket: DiagSocket
    /// Times a dump is restarted when the kernel flags it `NLM_F_DUMP_INTR` before sockwatch gives up and warns.
    public var interruptedDumpRetries = 3
    /// Things the caller should tell the user on stderr (an inconsistent dump kept after retries…).
    public private(set) var warnings: [String] = []

    public init() throws {
        socket = try DiagSocket()
    }

    /// Streams every socket matching `request` to `body`, in the kernel's order.
    ///
    /// When the kernel says the table changed during the dump (`NLM_F_DUMP_INTR`), or messages were lost
    /// (`ENOBUFS`), the dump is run again (up to `interruptedDumpRetries` times) and sockets already delivered
    /// are not delivered twice (by cookie).
    /// - Returns: how many records were delivered.
    @discardableResult
    public func dump(_ request: InetRequest, _ body: (borrowing SocketRecord) throws -> Void) throws -> Int {
        try dumpMessages(request) { record, _ in try body(record) }
    }

    /// Runs `request` and keeps the sockets for which `include` holds in `capture`, to decode again later.
    /// - Returns: how many sockets were captured.
    @discardableResult
    public func capture(
        _ request: InetRequest, into capture: inout SocketCapture,
        where include: (borrowing SocketRecord) -> Bool = { _ in true }
    ) throws -> Int {
        var kept = 0
        _ = try dumpMessages(request) { record, payload in
            guard include(record) else { return }
            capture.append(payload, record: record)
            kept += 1
        }
        return kept
    }

    /// Looks up the one socket `request.id` names; nil when the kernel has no such socket (`ENOENT`).
    public func lookup(_ request: InetRequest) throws -> SocketRecord? {
        precondition(request.id != nil, "lookup needs request.id")
        var found: SocketRecord?
        do {
            try dump(request) { found = copy $0 }
        } catch let error as DiagError where error.errno == .noSuchFileOrDirectory {
            return nil
        }
        return found
    }

    /// `dump`, also handing over each message's payload (valid only inside `body`).
    private func dumpMessages(
        _ request: InetRequest, _ body: (borrowing SocketRecord, UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        let result = try DumpRetry(retries: interruptedDumpRetries).run { deliver in
            try dumpOnce(request) { record, payload in
                guard deliver(record.cookie) else { return }
                try body(record, payload)
            }
        }
        if result.gaveUp {
            warnings.append(
                "\(request.label): the socket table kept changing during the dump (NLM_F_DUMP_INTR or ENOBUFS); "
                    + "the listing may miss sockets")
        }
        return result.delivered
    }

    /// Runs the dump once; returns whether any message carried `NLM_F_DUMP_INTR`.
    private func dumpOnce(
        _ request: InetRequest, _ body: (borrowing SocketRecord, UnsafeRawBufferPointer) throws -> Void
    ) throws -> Bool {
        var interrupted = false
        let label = request.label
        let netid = request.netid
        let handle = socket.handle
        return try withoutActuallyEscaping(body) { body in
            let sink = BatchSink { [socket] batch in
                let outcome = try NetlinkBatch.walk(batch, sequence: socket.lastSequence, request: label) { message in
                    guard message.type == UInt16(SOCK_DIAG_BY_FAMILY) else { return }
                    if let record = try InetDiagDecoder.decode(message.payload, netid: netid) {
                        try body(record, message.payload)
                    }
                }
                if outcome.interrupted { interrupted = true }
                // A lookup is answered by one message and no NLMSG_DONE.
                return outcome.done || (request.id != nil && outcome.messages > 0)
            }
            var id = request.id?.kernelID(for: netid) ?? inet_diag_sockid()
            let lookup = request.id != nil
            let rc = request.bytecode.withUnsafeBytes { code -> Int32 in
                withUnsafePointer(to: &id) { idPointer in
                    var req = csd_inet_request(
                        family: request.family.rawValue, protocol: netid.ipProtocol,
                        ext: request.extensions.rawValue, states: request.states.rawValue,
                        bytecode: code.baseAddress, bytecode_len: UInt32(code.count), id: lookup ? idPointer : nil)
                    return withExtendedLifetime(sink) {
                        csd_inet_dump(handle, &req, BatchSink.trampoline, Unmanaged.passUnretained(sink).toOpaque())
                    }
                }
            }
            if let error = sink.error { throw error }
            if rc < 0 { throw DiagError.system(Errno(rawValue: -rc), operation: "\(label)") }
            return interrupted
        }
    }
}
