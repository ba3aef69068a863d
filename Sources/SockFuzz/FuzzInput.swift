import SockDiag

/// The fuzz entry point: feeds one input to the netlink decoder the way a received batch is fed.
///
/// `DiagClient` hands each datagram to `NetlinkBatch.walk` and each message to `InetDiagDecoder.decode`. This does
/// the same with a wider net: no sequence filter and no type filter (those only skip messages), and every message
/// decoded twice, as TCP and as UDP. Every field of every record is read, every `tcp_info` field and every skmem
/// counter included, and folded into a digest so the optimizer cannot drop the reads. Nothing is rendered.
///
/// A bug shows up as a trap (a failed bounds check, an overflow, a failed consistency check below) or, in the
/// AddressSanitizer build, as a sanitizer report. Malformed input is not a bug: the decoder must throw
/// `DiagError.malformed` for it, and that is counted.
public enum FuzzInput {
    /// What one input did to the decoder.
    public struct Verdict: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// The walk finished without throwing.
            case decoded
            /// `DiagError.malformed`: bytes that do not make a well-formed batch.
            case malformed
            /// `DiagError.kernel`: an `NLMSG_ERROR`, a negative `NLMSG_DONE` or `NLMSG_OVERRUN`.
            case kernelError
        }

        public var kind: Kind = .decoded
        /// Data messages handed to the decoder.
        public var messages = 0
        /// Messages that decoded into a record.
        public var records = 0
        /// Messages in a state sockwatch does not know (decoded as nil).
        public var unknownStates = 0
        /// Records that carried `tcp_info`.
        public var tcpInfos = 0
        /// `NLMSG_DONE` was reached.
        public var done = false
        /// A message carried `NLM_F_DUMP_INTR`.
        public var interrupted = false
        /// Every value read, folded together: equal inputs give equal digests.
        public var digest: UInt64 = 0xCBF2_9CE4_8422_2325
    }

    /// Runs one input through the decoder. Never throws: rejections are part of the verdict.
    @discardableResult
    public static func run(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        var verdict = Verdict()
        do {
            let outcome = try NetlinkBatch.walk(bytes, request: "the fuzz input") { message in
                verdict.fold(UInt64(message.type) | UInt64(message.flags) << 16 | UInt64(message.sequence) << 32)
                verdict.fold(UInt64(message.portID) | UInt64(message.payload.count) << 32)
                try decode(message.payload, into: &verdict)
            }
            verdict.done = outcome.done
            verdict.interrupted = outcome.interrupted
            if outcome.messages != verdict.messages {
                fatalError("walk counted \(outcome.messages) messages but handed \(verdict.messages) to the body")
            }
        } catch let error as DiagError {
            switch error {
            case .malformed: verdict.kind = .malformed
            case .kernel: verdict.kind = .kernelError
            case .system: fatalError("the decoder made a system call: \(error)")
            }
            // The CLI prints this line: build it as the CLI would.
            verdict.fold(UInt64(error.description.utf8.count))
            verdict.fold(UInt64(error.isUnsupported ? 1 : 0) | UInt64(UInt32(bitPattern: error.errno?.rawValue ?? 0)) << 1)
        } catch {
            fatalError("the decoder threw something other than DiagError: \(error)")
        }
        return verdict
    }

    /// Convenience for arrays (tests, seeds). The bytes are copied into an allocation of exactly their size first,
    /// so that a read one byte past the end lands in AddressSanitizer's red zone rather than in spare capacity.
    @discardableResult
    public static func run(_ bytes: [UInt8]) -> Verdict {
        let exact = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { exact.deallocate() }
        bytes.withUnsafeBytes { exact.copyMemory(from: $0) }
        return run(UnsafeRawBufferPointer(exact))
    }

    // MARK: - One message

    /// Decodes `payload` as TCP and as UDP; the two must agree on everything but `tcp_info`.
    static func decode(_ payload: UnsafeRawBufferPointer, into verdict: inout Verdict) throws {
        verdict.messages += 1
        decodeOtherFamilies(payload, into: &verdict)
        let tcp = Result { try InetDiagDecoder.decode(payload, netid: .tcp) }
        let udp = Result { try InetDiagDecoder.decode(payload, netid: .udp) }
        switch (tcp, udp) {
        case let (.success(t?), .success(u?)):
            checkAgreement(t, u)
            verdict.records += 1
            if t.tcpInfo != nil { verdict.tcpInfos += 1 }
            touch(t, into: &verdict)
            touch(u, into: &verdict)
        case (.success(nil), .success(nil)):
            verdict.unknownStates += 1
        case (.failure, .failure):
            break
        default:
            fatalError("decoding as TCP and as UDP disagree on whether the message is well formed: \(tcp) vs \(udp)")
        }
        if case let .failure(error) = tcp { throw error }
    }

    /// The netid only decides whether `INET_DIAG_INFO` is `tcp_info`; everything else must come out the same.
    static func checkAgreement(_ t: borrowing SocketRecord, _ u: borrowing SocketRecord) {
        guard t.netid == .tcp, u.netid == .udp, u.tcpInfo == nil,
              t.family == u.family, t.state == u.state, t.local == u.local, t.peer == u.peer,
              t.interface == u.interface, t.cookie == u.cookie, t.timer == u.timer,
              t.recvQ == u.recvQ, t.sendQ == u.sendQ, t.uid == u.uid, t.inode == u.inode,
              t.memInfo == u.memInfo, t.skMemInfo == u.skMemInfo, t.congestion == u.congestion,
              t.shutdown == u.shutdown, t.tos == u.tos, t.trafficClass == u.trafficClass, t.mark == u.mark,
              t.cgroupID == u.cgroupID, t.options == u.options, t.v6only == u.v6only
        else {
            fatalError("the same message decoded as TCP and as UDP differs beyond tcp_info")
        }
    }

    // MARK: - Every field

    /// Reads every field of `record`, checking what the records promise about absent values.
    static func touch(_ r: borrowing SocketRecord, into v: inout Verdict) {
        v.fold(UInt64(r.family.rawValue) | UInt64(r.state.rawValue) << 8 | UInt64(r.state.bit) << 16)
        for end in [r.local, r.peer] {
            v.fold(end.address.high)
            v.fold(end.address.low)
            v.fold(UInt64(end.port) | UInt64(end.address.family.rawValue) << 16 | (end.address.isUnspecified ? 1 << 24 : 0))
        }
        if r.family == .inet, r.local.address.low != 0 || r.peer.address.low != 0 || r.local.address.high >> 32 != 0 {
            fatalError("an IPv4 address kept bytes beyond its 4")
        }
        v.fold(UInt64(r.interface) | UInt64(r.uid) << 32)
        v.fold(r.cookie)
        v.fold(UInt64(r.timer.kind.rawValue) | UInt64(r.timer.retransmits) << 8 | UInt64(r.timer.expiresMilliseconds) << 16)
        v.fold(UInt64(r.recvQ) | UInt64(r.sendQ) << 32)
        v.fold(UInt64(r.inode))

        if let info = r.tcpInfo { touch(info, into: &v) }
        if let mem = r.memInfo {
            v.fold(UInt64(mem.rmem) | UInt64(mem.wmem) << 32)
            v.fold(UInt64(mem.fmem) | UInt64(mem.tmem) << 32)
        }
        if let skmem = r.skMemInfo { touch(skmem, into: &v) }
        if let cong = r.congestion {
            for byte in cong.utf8 { v.fold(UInt64(byte)) }
        }
        v.fold(UInt64(r.shutdown ?? 0xAA) | UInt64(r.tos ?? 0xAB) << 8 | UInt64(r.trafficClass ?? 0xAC) << 16)
        v.fold(UInt64(r.mark ?? 0xDEAD) | UInt64(r.options?.rawValue ?? 0xBEEF) << 32)
        v.fold(r.cgroupID ?? 0xC0FFEE)
        v.fold(r.v6only.map { $0 ? 1 : 2 } ?? 3)
    }

    /// Every `tcp_info` field: present ones make a prefix of the struct (a short copy from an old kernel).
    static func touch(_ info: TCPInfo, into v: inout Verdict) {
        guard info.length > 0, info.length <= TCPInfo.capacity else {
            fatalError("tcp_info of \(info.length) bytes kept")
        }
        v.fold(UInt64(info.length))
        var missing = false
        for field in TCPInfo.fields {
            if let value = info[field] {
                if missing { fatalError("tcp_info field \(field.name) present after an absent one") }
                v.fold(value)
            } else {
                missing = true
            }
        }
        v.fold(info.rtt ?? 1)
        v.fold(info.sendCongestionWindow ?? 2)
        v.fold(info.totalRetransmits ?? 3)
        v.fold(info.bytesAcked ?? 4)
        v.fold(info.bytesReceived ?? 5)
    }

    /// Every skmem counter, and one on each side of the range: sent ones are present, the rest nil.
    static func touch(_ skmem: SkMemInfo, into v: inout Verdict) {
        guard skmem.count >= 0, skmem.count <= SkMemInfo.counters.count else {
            fatalError("skmem with \(skmem.count) counters")
        }
        for index in -1...SkMemInfo.counters.count {
            let value = skmem[index]
            if (value != nil) != (index >= 0 && index < skmem.count) {
                fatalError("skmem counter \(index) of \(skmem.count) is \(value.map(String.init) ?? "nil")")
            }
            v.fold(UInt64(value ?? 0xFFFF_FFFF) | UInt64(index + 1) << 32)
        }
    }
}

extension FuzzInput.Verdict {
    /// Folds one value into the digest (FNV-1a over 64-bit words).
    @inline(__always)
    mutating func fold(_ value: UInt64) {
        digest = (digest ^ value) &* 0x0000_0100_0000_01B3
    }
}
