import CSockDiag
import Glibc
import SystemPackage

/// Asks the kernel for sockets over sock_diag and streams them, decoded, as they arrive.
///
/// The kernel's interface is `NETLINK_SOCK_DIAG` with `SOCK_DIAG_BY_FAMILY` requests. One client owns one netlink
/// socket and one receive buffer; records are decoded straight from that buffer, one batch at a time.
public final class DiagClient {
    let socket: DiagSocket
    /// The network namespace this client answers for; nil for the caller's own.
    private let netns: FileDescriptor?
    /// Times a dump is restarted when the kernel flags it `NLM_F_DUMP_INTR` before sockwatch gives up and warns.
    public var interruptedDumpRetries = 3
    /// Things the caller should tell the user on stderr (an inconsistent dump kept after retries…).
    public private(set) var warnings: [String] = []
    /// Dumps are received on a second thread (`csd_run_pipelined`); false receives them on the caller's, as
    /// a dump does anyway when no thread can be started (tests use it to reach that path; the repeated
    /// pipeline uses it because the hand-offs between the threads cost CPU time that a one-shot listing
    /// trades for wall time).
    public var pipelined = true {
        didSet { csd_set_pipelined(socket.handle, pipelined ? 1 : 0) }
    }

    public init() throws {
        socket = try DiagSocket()
        netns = nil
    }

    /// A client for the network namespace `netns` names (an open `/proc/PID/ns/net` or `/run/netns/NAME`).
    ///
    /// A short-lived thread enters the namespace to create the netlink socket, which then answers for that
    /// namespace; the calling thread never leaves its own. Needs CAP_SYS_ADMIN. The client keeps a duplicate of
    /// the descriptor (the raw fallback reads `/proc/thread-self/net/raw` from inside the namespace).
    public init(netns: FileDescriptor) throws {
        socket = try DiagSocket(netns: netns)
        do {
            self.netns = try netns.duplicate()
        } catch let error as Errno {
            throw DiagError.system(error, operation: "dup(netns)")
        }
    }

    /// The kernel's reply batches to each request, in place of the netlink socket's (see `init(replaying:)`).
    private var replay: ((DiagRequest) throws -> [[UInt8]])?

    /// A client whose dumps decode `batches(request)` instead of asking the kernel: the same walk, decoders,
    /// retries and capture, fed with batches built elsewhere (the pipeline's tests, a saved dump).
    public convenience init(replaying batches: @escaping (DiagRequest) throws -> [[UInt8]]) throws {
        try self.init()
        replay = batches
    }

    deinit { try? netns?.close() }

    /// Streams every socket matching `request` to `body`, in the kernel's order.
    ///
    /// When the kernel says the table changed during the dump (`NLM_F_DUMP_INTR`), or messages were lost
    /// (`ENOBUFS`), the dump is run again (up to `interruptedDumpRetries` times) and sockets already delivered
    /// are not delivered twice (by cookie).
    /// - Returns: how many records were delivered.
    @discardableResult
    public func dump(_ request: InetRequest, _ body: (borrowing SocketRecord) throws -> Void) throws -> Int {
        try dump(.inet(request), body)
    }

    /// Streams every socket matching `request`, of any family, to `body`.
    ///
    /// Raw sockets come from `raw_diag`; where the kernel lacks it they are read from `/proc/net/raw` and
    /// `raw6` of the client's namespace instead, without the kernel filter: callers check raw sockets against
    /// their whole filter in Swift (`SocketQuery.check(for:)`).
    @discardableResult
    public func dump(_ request: DiagRequest, _ body: (borrowing SocketRecord) throws -> Void) throws -> Int {
        do {
            return try dumpMessages(request) { record, _ in try body(record) }
        } catch let error as DiagError where error.isUnsupported {
            guard case .inet(let inet) = request, inet.netid == .raw else { throw error }
            return try dumpProcRaw(inet, body)
        }
    }

    /// Written into every record's `netns` (the namespace's inode when listing several; 0 by default).
    public var netnsTag: UInt64 = 0

    /// Given the inodes of each received batch of INET sockets before they are delivered one by one: a join
    /// can load what it will look them up in, so that the cache misses overlap instead of coming one a socket.
    public var lookahead: ((UnsafeBufferPointer<UInt32>) -> Void)?
    private var lookaheadInodes: [UInt32] = []

    /// Hands `lookahead` the inode of every INET socket message of `batch`.
    private func announce(_ batch: UnsafeRawBufferPointer, replyType: UInt16) {
        guard let lookahead else { return }
        lookaheadInodes.removeAll(keepingCapacity: true)
        _ = try? NetlinkBatch.walk(batch, request: "lookahead") { message in
            guard message.type == replyType, let inode = InetDiagDecoder.inode(of: message.payload) else { return }
            lookaheadInodes.append(inode)
        }
        lookaheadInodes.withUnsafeBufferPointer { lookahead($0) }
    }

    private func dumpProcRaw(_ request: InetRequest, _ body: (borrowing SocketRecord) throws -> Void) throws -> Int {
        let path = request.family == .inet ? "/proc/thread-self/net/raw" : "/proc/thread-self/net/raw6"
        let raw = csd_open_file_in(netns?.rawValue ?? -1, path)
        guard raw >= 0 else { throw DiagError.system(Errno(rawValue: Glibc.errno), operation: "open \(path)") }
        let fd = FileDescriptor(rawValue: raw)
        defer { try? fd.close() }
        var count = 0
        let tag = netnsTag
        try ProcNetRaw.read(fd: fd, family: request.family, states: request.states) { record in
            count += 1
            var tagged = copy record
            tagged.netns = tag
            try body(tagged)
        }
        return count
    }

    /// Runs `request` and keeps the sockets for which `include` holds in `capture`, to decode again later
    /// (raw sockets read from /proc are kept decoded).
    /// - Returns: how many sockets were captured.
    @discardableResult
    public func capture(
        _ request: DiagRequest, into capture: inout SocketCapture,
        where include: (borrowing SocketRecord) -> Bool = { _ in true }
    ) throws -> Int {
        if case .inet(let inet) = request, inet.netid == .raw {
            var kept = 0
            try dump(request) { record in
                guard include(record) else { return }
                capture.append(record: record)
                kept += 1
            }
            return kept
        }
        var kept = 0
        _ = try dumpMessages(request) { record, payload in
            guard include(record) else { return }
            try capture.append(payload, record: record)
            kept += 1
        }
        return kept
    }

    /// Runs `request`: the sockets `include` accepts go into `capture` while `hold` says so (it is asked after
    /// each one, and may empty the capture), then each of the rest to `body` as it comes.
    ///
    /// A bounded capture: `-p` reads /proc while the dump is held, and streams what comes after.
    public func dump(
        _ request: DiagRequest, holdingIn capture: inout SocketCapture, while hold: (inout SocketCapture) throws -> Bool,
        where include: (borrowing SocketRecord) -> Bool, _ body: (borrowing SocketRecord) throws -> Void
    ) throws {
        var holding = true
        if case .inet(let inet) = request, inet.netid == .raw {
            try dump(request) { record in
                guard include(record) else { return }
                guard holding else { return try body(record) }
                capture.append(record: record)
                holding = try hold(&capture)
            }
            return
        }
        _ = try dumpMessages(request) { record, payload in
            guard include(record) else { return }
            guard holding else { return try body(record) }
            try capture.append(payload, record: record)
            holding = try hold(&capture)
        }
    }

    /// `dump`, also handing over each message's payload (valid only inside `body`).
    private func dumpMessages(
        _ request: DiagRequest, _ body: (borrowing SocketRecord, UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        if case .inet(let inet) = request, inet.bothFamilies {
            do {
                return try dumpMessagesOnce(request, body)
            } catch let error as DiagError where error.isUnsupported {
                // A kernel without the compatibility request: one dump per family. (It refuses before sending
                // anything, so nothing was delivered twice.)
                var delivered = 0
                for single in inet.perFamily { delivered += try dumpMessagesOnce(.inet(single), body) }
                return delivered
            }
        }
        return try dumpMessagesOnce(request, body)
    }

    private func dumpMessagesOnce(
        _ request: DiagRequest, _ body: (borrowing SocketRecord, UnsafeRawBufferPointer) throws -> Void
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
        _ request: DiagRequest, _ body: (borrowing SocketRecord, UnsafeRawBufferPointer) throws -> Void
    ) throws -> Bool {
        var interrupted = false
        let label = request.label
        let netid = request.netid
        let handle = socket.handle
        let tag = netnsTag
        var replyType = UInt16(SOCK_DIAG_BY_FAMILY)
        var isInet = false
        if case .inet(let inet) = request {
            isInet = true
            precondition(inet.id == nil, "a request with an id is a lookup: DiagClient.lookup")
            if inet.bothFamilies { replyType = CSockDiag_TCPDIAG_GETSOCK() }
        }
        if let replay {
            for batch in try replay(request) {
                let outcome = try batch.withUnsafeBytes { bytes in
                    if isInet { announce(bytes, replyType: replyType) }
                    return try NetlinkBatch.walk(bytes, request: label) { message in
                        guard message.type == replyType else { return }
                        try FamilyRequest.decode(message.payload, netid: netid, netns: tag) { record in
                            try body(record, message.payload)
                        }
                    }
                }
                if outcome.interrupted { interrupted = true }
                if outcome.done { break }
            }
            return interrupted
        }
        return try withoutActuallyEscaping(body) { body in
            let sink = BatchSink { [socket, unowned self] batch in
                if isInet { announce(batch, replyType: replyType) }
                let outcome = try NetlinkBatch.walk(batch, sequence: socket.lastSequence, request: label) { message in
                    guard message.type == replyType else { return }
                    try FamilyRequest.decode(message.payload, netid: netid, netns: tag) { record in
                        try body(record, message.payload)
                    }
                }
                if outcome.interrupted { interrupted = true }
                return outcome.done
            }
            let context = Unmanaged.passUnretained(sink).toOpaque()
            let rc: Int32
            switch request {
            case .inet(let request):
                let (protocolByte, protocolAttribute) = netid.requestProtocol
                rc = request.bytecode.withUnsafeBytes { code -> Int32 in
                    var req = csd_inet_request(
                        family: request.bothFamilies ? UInt8(AF_UNSPEC) : request.family.rawValue,
                        protocol: protocolByte,
                        ext: request.extensions.rawValue, states: request.states.rawValue,
                        bytecode: code.baseAddress, bytecode_len: UInt32(code.count),
                        protocol_attr: protocolAttribute, raw_protocol: netid == .raw ? 255 : 0,
                        dump_sport: request.kernelPorts.local, dump_dport: request.kernelPorts.remote)
                    return withExtendedLifetime(sink) { csd_inet_dump(handle, &req, BatchSink.trampoline, context) }
                }
            case .family(let request):
                rc = request.header().withUnsafeBytes { header in
                    withExtendedLifetime(sink) {
                        csd_family_dump(
                            handle, header.baseAddress, UInt32(header.count), BatchSink.trampoline, context)
                    }
                }
            }
            if let error = sink.error { throw error }
            if rc < 0 { throw DiagError.system(Errno(rawValue: -rc), operation: "\(label)") }
            return interrupted
        }
    }
}
