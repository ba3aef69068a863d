import CSockDiag
import Glibc
import SystemPackage

extension DiagClient {
    /// Looks up many sockets, each by its request's `id`; `body` gets the index of each request the kernel
    /// answered with a socket, and that socket.
    ///
    /// The kernel's lookup is a `SOCK_DIAG_BY_FAMILY` request with an exact `id` and no `NLM_F_DUMP`. Here many
    /// go out in one sendmsg, each with its own sequence number, and the replies are matched back by it
    /// (`csd_inet_lookup_many`): one send and one receive per socket become one send per batch. A request the
    /// kernel refuses (`ENOENT`: no such socket) gets no call. Only each request's `netid`, `family`,
    /// `extensions` and `id` count: a lookup matches every state and runs no bytecode. Calls may come out of
    /// request order (a reply dropped for want of queue space is asked again later). `refused` hears of each
    /// request the kernel answered with an error instead.
    public func lookup(
        _ requests: [InetRequest], _ body: (Int, borrowing SocketRecord) throws -> Void,
        refused: (Int, Errno) -> Void = { _, _ in }
    ) throws {
        guard !requests.isEmpty else { return }
        var lookups: [csd_inet_lookup] = []
        lookups.reserveCapacity(requests.count)
        for request in requests {
            guard let id = request.id else { preconditionFailure("lookup needs request.id") }
            let netid = request.netid
            let (protocolByte, protocolAttribute) = netid.requestProtocol
            lookups.append(
                csd_inet_lookup(
                    family: request.family.rawValue, protocol: protocolByte, ext: request.extensions.rawValue,
                    protocol_attr: protocolAttribute, id: id.kernelID(for: netid)))
        }
        let tag = netnsTag
        let handle = socket.handle
        try withoutActuallyEscaping(body) { body in
            try withoutActuallyEscaping(refused) { refused in
                let sink = LookupSink(refused: refused) { index, payload in
                    try InetDiagDecoder.decode(payload, netid: requests[index].netid, netns: tag) { record in
                        try body(index, record)
                    }
                }
                let rc = withExtendedLifetime(sink) {
                    csd_inet_lookup_many(
                        handle, lookups, lookups.count, LookupSink.trampoline, Unmanaged.passUnretained(sink).toOpaque())
                }
                if let error = sink.error { throw error }
                if rc < 0 { throw DiagError.system(Errno(rawValue: -rc), operation: "inet lookups") }
            }
        }
    }

    /// Looks up the one socket `request.id` names; nil when the kernel has no such socket (`ENOENT`).
    public func lookup(_ request: InetRequest) throws -> SocketRecord? {
        var found: SocketRecord?
        var refusal: Errno?
        try lookup([request], { _, record in found = copy record }, refused: { _, errno in refusal = errno })
        if let refusal, refusal != .noSuchFileOrDirectory { throw DiagError.kernel(refusal, request: request.label) }
        return found
    }

    /// Looks up many sockets, each by its request's `id`: the socket for each request, nil where the kernel
    /// has none (for tests: the listing streams through the closure form).
    func lookup(_ requests: [InetRequest]) throws -> [SocketRecord?] {
        var records = [SocketRecord?](repeating: nil, count: requests.count)
        try lookup(requests) { index, record in records[index] = copy record }
        return records
    }
}

/// Carries a Swift closure through `csd_inet_lookup_many`'s `void *ctx`.
private final class LookupSink {
    let body: (Int, UnsafeRawBufferPointer) throws -> Void
    let refused: (Int, Errno) -> Void
    var error: (any Error)?

    init(refused: @escaping (Int, Errno) -> Void, _ body: @escaping (Int, UnsafeRawBufferPointer) throws -> Void) {
        self.refused = refused
        self.body = body
    }

    /// The C callback: decodes answers, reports refusals; `-ECANCELED` when `body` threw.
    static let trampoline: csd_lookup_fn = { index, payload, length, error, context in
        let sink = Unmanaged<LookupSink>.fromOpaque(context!).takeUnretainedValue()
        guard error == 0, let payload else {
            sink.refused(index, Errno(rawValue: error == 0 ? EPROTO : error))
            return 0
        }
        do {
            try sink.body(index, UnsafeRawBufferPointer(start: payload, count: length))
            return 0
        } catch {
            sink.error = error
            return -ECANCELED
        }
    }
}
