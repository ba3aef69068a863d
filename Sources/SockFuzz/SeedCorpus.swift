/// Realistic dump batches to mutate: fixed seeds with known outcomes, and as many random well-formed ones as asked.
///
/// The fixed seeds cover what a dump can carry: TCP over IPv4 and IPv6 with `tcp_info` from old, current and newer
/// kernels, congestion control, skmem, meminfo, shutdown, sockopt, mark, cgroup id and attributes sockwatch does not
/// know; UDP; `NLMSG_DONE` with and without an error, `NLMSG_ERROR`, `NLM_F_DUMP_INTR`; several messages per batch.
public enum SeedCorpus {
    /// One seed batch and what decoding it must give.
    public struct Seed: Sendable, CustomStringConvertible {
        public let name: String
        public let bytes: [UInt8]
        public let expected: Expected
        public var description: String { name }
    }

    /// The outcome a seed must decode to.
    public struct Expected: Sendable, Equatable {
        public var kind: FuzzInput.Verdict.Kind = .decoded
        public var messages = 0
        public var records = 0
        public var unknownStates = 0
        public var tcpInfos = 0
        public var done = true
        public var interrupted = false

        /// The parts of `verdict` a seed predicts (all but the digest).
        public init(_ verdict: FuzzInput.Verdict) {
            kind = verdict.kind
            messages = verdict.messages
            records = verdict.records
            unknownStates = verdict.unknownStates
            tcpInfos = verdict.tcpInfos
            done = verdict.done
            interrupted = verdict.interrupted
        }

        init(
            kind: FuzzInput.Verdict.Kind = .decoded, messages: Int, records: Int, unknownStates: Int = 0,
            tcpInfos: Int = 0, done: Bool = true, interrupted: Bool = false
        ) {
            self.kind = kind
            self.messages = messages
            self.records = records
            self.unknownStates = unknownStates
            self.tcpInfos = tcpInfos
            self.done = done
            self.interrupted = interrupted
        }
    }

    // MARK: - Fixed seeds

    /// The fixed seeds, each with its expected outcome.
    public static let seeds: [Seed] = [
        seed("tcp4 established, every attribute", .init(messages: 1, records: 1, tcpInfos: 1)) {
            $0.socket(tcp4Full)
            $0.done()
        },
        seed("tcp6 listeners, tcp_info of an old kernel (104 bytes)", .init(messages: 2, records: 2, tcpInfos: 2)) {
            $0.socket(tcp6Listen(port: 443, infoLength: 104))
            $0.socket(tcp6Listen(port: 22, infoLength: 104))
            $0.done()
        },
        seed("tcp_info lengths 1, 8, 120, 160, 200, 232, 240, 256, 300", .init(messages: 9, records: 9, tcpInfos: 9)) {
            for (i, length) in [1, 8, 120, 160, 200, 232, 240, 256, 300].enumerated() {
                var m = tcp4Full
                m.sourcePort = UInt16(40_000 + i)
                m.attributes = [(Wire.info, tcpInfoBytes(length: length), nil), (Wire.cong, Array("bbr\0".utf8), nil)]
                $0.socket(m)
            }
            $0.done()
        },
        seed("mixed states: time-wait, syn-recv, close-wait, fin-wait-2", .init(messages: 4, records: 4, tcpInfos: 2)) {
            $0.socket(timeWait)
            $0.socket(synRecv)
            var closeWait = tcp4Full
            closeWait.state = 8
            closeWait.attributes = [(Wire.info, tcpInfoBytes(length: 232), nil), (Wire.shutdown, [1], nil)]
            $0.socket(closeWait)
            var finWait = tcp6Listen(port: 8443, infoLength: 232)
            finWait.state = 5
            finWait.timer = 2
            $0.socket(finWait)
            $0.done()
        },
        // Decoded as TCP too, udp4's 4-byte INFO is a (very short) tcp_info.
        seed("udp4 and udp6 with a foreign INFO struct", .init(messages: 3, records: 3, tcpInfos: 2)) {
            $0.socket(udp4)
            $0.socket(udp6)
            var connected = udp4
            connected.state = 1
            connected.destination = ipv4(8, 8, 8, 8)
            connected.destinationPort = 53
            $0.socket(connected)
            $0.done()
        },
        seed("skmem with 5, 9 and 12 counters, a partial one", .init(messages: 3, records: 3)) {
            for counters in [5, 9, 12] {
                var m = InetDiagMessage()
                m.state = 10
                m.inode = UInt32(counters)
                var skmem = [UInt8](words: (0..<counters).map { UInt32($0 * 4096) })
                if counters == 5 { skmem += [0xAA, 0xBB] }
                m.attribute(Wire.skMemInfo, skmem)
                $0.socket(m)
            }
            $0.done()
        },
        seed("unknown and empty attributes, flag bits on known types", .init(messages: 2, records: 2)) {
            var m = InetDiagMessage()
            m.attribute(200, [9, 9, 9, 9, 9])
            m.attribute(Wire.tos | 0x8000, [0x20])  // NLA_F_NESTED masked off
            m.attribute(201, [])
            m.attribute(Wire.mark | 0x4000, native: UInt32(77))
            m.attribute(Wire.shutdown, [])   // known, too short: ignored
            m.attribute(Wire.cgroupID, [1, 2, 3])
            m.attribute(Wire.bbrInfo, [UInt8](repeating: 0x11, count: 20))
            m.attribute(Wire.ulpInfo, [UInt8](repeating: 0x22, count: 12))
            $0.socket(m)
            var bare = InetDiagMessage()
            bare.family = 10
            bare.state = 7
            $0.socket(bare)
            $0.done()
        },
        seed("a state sockwatch does not know", .init(messages: 2, records: 1, unknownStates: 1)) {
            var future = tcp4Full
            future.state = 13
            $0.socket(future)
            $0.socket(timeWait)
            $0.done()
        },
        seed("NLM_F_DUMP_INTR on a message", .init(messages: 2, records: 2, tcpInfos: 1, interrupted: true)) {
            $0.socket(tcp4Full, flags: Wire.multi | Wire.dumpInterrupted)
            $0.socket(udp6)
            $0.done()
        },
        seed("noop and an acknowledgement before the sockets", .init(messages: 1, records: 1, tcpInfos: 1)) {
            $0.noop()
            $0.error(code: 0)
            $0.socket(udp4)
            $0.done()
        },
        seed("a batch without NLMSG_DONE (more to come)", .init(messages: 3, records: 3, tcpInfos: 3, done: false)) {
            $0.socket(tcp4Full)
            $0.socket(tcp6Listen(port: 80, infoLength: 232))
            $0.socket(udp4)
        },
        seed("NLMSG_DONE alone", .init(messages: 0, records: 0)) {
            $0.done()
        },
        seed("NLMSG_ERROR EPERM", .init(kind: .kernelError, messages: 0, records: 0, done: false)) {
            $0.error(code: -1)
        },
        seed("NLMSG_DONE carrying -EINVAL after one socket", .init(kind: .kernelError, messages: 1, records: 1, done: false)) {
            $0.socket(udp6)
            $0.done(code: -22)
        },
    ]

    private static func seed(_ name: String, _ expected: Expected, _ build: (inout BatchBuilder) -> Void) -> Seed {
        var builder = BatchBuilder()
        build(&builder)
        return Seed(name: name, bytes: builder.bytes, expected: expected)
    }

    // MARK: - Sample sockets

    /// An established IPv4 TCP socket with every attribute sockwatch decodes, and two it skips.
    public static var tcp4Full: InetDiagMessage {
        var m = InetDiagMessage()
        m.family = 2
        m.state = 1
        m.timer = 1
        m.retrans = 2
        m.sourcePort = 8080
        m.destinationPort = 51_234
        m.source = ipv4(192, 168, 1, 20)
        m.destination = ipv4(10, 0, 0, 7)
        m.interface = 3
        m.cookie = 0x1122_3344_5566_7788
        m.expires = 204
        m.rqueue = 17
        m.wqueue = 4096
        m.uid = 1000
        m.inode = 987_654
        m.attribute(Wire.memInfo, [UInt8](words: [11, 22, 33, 44]))
        m.attribute(Wire.info, tcpInfoBytes(length: 232))
        m.attribute(Wire.cong, Array("cubic\0".utf8))
        m.attribute(Wire.tos, [0x10])
        m.attribute(Wire.skMemInfo, [UInt8](words: (1...9).map { UInt32($0 * 100) }))
        m.attribute(Wire.shutdown, [2])
        m.attribute(Wire.mark, native: UInt32(0xCAFE))
        m.attribute(Wire.cgroupID, native: UInt64(0x0102_0304_0506_0708))
        m.attribute(Wire.sockopt, native: UInt16(0b110_0000_0011))
        m.attribute(Wire.protocolID, native: UInt32(6))
        m.attribute(99, [1, 2, 3])  // a newer kernel's attribute
        return m
    }

    static func tcp6Listen(port: UInt16, infoLength: Int) -> InetDiagMessage {
        var m = InetDiagMessage()
        m.family = 10
        m.state = 10
        m.sourcePort = port
        m.source = ipv6([0x2001, 0xDB8, 0, 0, 0, 0, 0, 1])
        m.destination = ipv6([0, 0, 0, 0, 0, 0, 0, 0])
        m.cookie = UInt64(port) << 20 | 1
        m.rqueue = 0
        m.wqueue = 4096
        m.inode = 10_000 + UInt32(port)
        m.attribute(Wire.info, tcpInfoBytes(length: infoLength))
        m.attribute(Wire.cong, Array("reno\0".utf8))
        m.attribute(Wire.tclass, [0])
        m.attribute(Wire.v6only, [1])
        m.attribute(Wire.skMemInfo, [UInt8](words: [0, 131_072, 0, 16_384, 0, 0, 0, 0, 0]))
        return m
    }

    /// Time-wait sockets carry no attributes and no inode.
    static var timeWait: InetDiagMessage {
        var m = InetDiagMessage()
        m.state = 6
        m.timer = 3
        m.expires = 59_000
        m.sourcePort = 443
        m.destinationPort = 60_001
        m.source = ipv4(127, 0, 0, 1)
        m.destination = ipv4(127, 0, 0, 1)
        m.cookie = 0xFFFF_FFFF_FFFF_FFFF
        return m
    }

    static var synRecv: InetDiagMessage {
        var m = InetDiagMessage()
        m.state = 12
        m.family = 10
        m.source = ipv6([0xFE80, 0, 0, 0, 0x1, 0x2, 0x3, 0x4])
        m.destination = ipv6([0xFE80, 0, 0, 0, 0x5, 0x6, 0x7, 0x8])
        m.interface = 2
        return m
    }

    static var udp4: InetDiagMessage {
        var m = InetDiagMessage()
        m.state = 7
        m.sourcePort = 5353
        m.source = ipv4(0, 0, 0, 0)
        m.inode = 31_337
        m.attribute(Wire.info, [1, 2, 3, 4])  // UDP answers with a foreign struct: never tcp_info
        m.attribute(Wire.skMemInfo, [UInt8](words: [0, 212_992, 0, 212_992, 0, 0, 0, 0, 3]))
        m.attribute(Wire.tos, [0])
        return m
    }

    /// An unconnected IPv6 UDP socket with a traffic class, v6only and an empty `INET_DIAG_INFO`.
    public static var udp6: InetDiagMessage {
        var m = InetDiagMessage()
        m.family = 10
        m.state = 7
        m.sourcePort = 53
        m.source = ipv6([0x2001, 0xDB8, 0, 0, 0, 0, 0, 0x53])
        m.cookie = 0xFFFF_FFFF_0000_0001
        m.rqueue = 1
        m.inode = 4242
        m.attribute(Wire.tclass, [0xB8])
        m.attribute(Wire.v6only, [1])
        m.attribute(Wire.info, [])
        return m
    }

    // MARK: - Random well-formed batches

    /// `count` random well-formed batches: 1 to 12 sockets with random attributes, ending in `NLMSG_DONE` or not.
    public static func generated(count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SplitMix64(seed: seed ^ 0x5EED_C0A9_0000_0000)
        return (0..<count).map { _ in randomBatch(using: &rng) }
    }

    static func randomBatch(using rng: inout SplitMix64) -> [UInt8] {
        var b = BatchBuilder()
        b.sequence = rng.chance(1, in: 8) ? UInt32(truncatingIfNeeded: rng.next()) : 7
        if rng.chance(1, in: 16) { b.noop() }
        for _ in 0..<(1 + rng.below(12)) {
            let flags = rng.chance(1, in: 16) ? Wire.multi | Wire.dumpInterrupted : Wire.multi
            b.socket(randomSocket(using: &rng), flags: flags)
        }
        switch rng.below(16) {
        case 0: b.error(code: -Int32(1 + rng.below(133)))
        case 1: b.done(code: -Int32(1 + rng.below(133)))
        case 2, 3: break  // more to come
        default: b.done()
        }
        return b.bytes
    }

    static func randomSocket(using rng: inout SplitMix64) -> InetDiagMessage {
        var m = InetDiagMessage()
        let v6 = rng.chance(1, in: 2)
        m.family = v6 ? 10 : 2
        m.state = UInt8(1 + rng.below(12))
        m.timer = UInt8(rng.below(5))
        m.retrans = UInt8(rng.below(4))
        m.sourcePort = UInt16(truncatingIfNeeded: rng.next())
        m.destinationPort = UInt16(truncatingIfNeeded: rng.next())
        let a = rng.next(), b = rng.next(), c = rng.next(), d = rng.next()
        m.source = v6 ? bytes(of: a) + bytes(of: b) : ipv4(UInt8(a & 0xFF), UInt8(a >> 8 & 0xFF), 0, 1)
        m.destination = v6 ? bytes(of: c) + bytes(of: d) : ipv4(UInt8(c & 0xFF), UInt8(c >> 8 & 0xFF), 1, 2)
        m.interface = UInt32(rng.below(4))
        m.cookie = rng.next()
        m.expires = UInt32(rng.below(120_000))
        m.rqueue = UInt32(rng.below(1 << 20))
        m.wqueue = UInt32(rng.below(1 << 20))
        m.uid = UInt32(rng.pick([0, 1000, 65_534]))
        m.inode = m.state == 6 ? 0 : UInt32(truncatingIfNeeded: rng.next())

        if rng.chance(3, in: 4) {
            let length = rng.pick([1, 8, 68, 104, 120, 160, 192, 200, 212, 232, 240, 248, 256, 257, 300])
            m.attribute(Wire.info, tcpInfoBytes(length: length, rng: &rng))
        }
        if rng.chance(1, in: 2) {
            let name: [UInt8] = rng.pick([
                Array("cubic\0".utf8), Array("bbr\0".utf8), Array("dctcp\0".utf8), Array("reno".utf8),
                [0xFF, 0xFE, 0x00], [], [0x63, 0xC3, 0x28, 0x00], Array("a-very-long-congestion-name-16\0".utf8),
            ])
            m.attribute(Wire.cong, name)
        }
        if rng.chance(1, in: 2) {
            let counters = rng.pick([0, 1, 5, 8, 9, 9, 9, 10, 12])
            var skmem = [UInt8](words: (0..<counters).map { _ in UInt32(truncatingIfNeeded: rng.next()) })
            if rng.chance(1, in: 4) { skmem += [0x01, 0x02] }
            m.attribute(Wire.skMemInfo, skmem)
        }
        if rng.chance(1, in: 3) {
            m.attribute(Wire.memInfo, [UInt8](words: (0..<rng.pick([3, 4, 4, 5])).map { UInt32($0 * 1000) }))
        }
        for (type, size) in [(Wire.shutdown, 1), (Wire.tos, 1), (Wire.tclass, 1), (Wire.v6only, 1),
                             (Wire.mark, 4), (Wire.cgroupID, 8), (Wire.sockopt, 2), (Wire.protocolID, 4)]
        where rng.chance(1, in: 3) {
            let actual = rng.chance(1, in: 8) ? rng.below(size + 2) : size
            m.attribute(type, (0..<actual).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        if rng.chance(1, in: 4) {
            let type = UInt16(23 + rng.below(200)) | (rng.chance(1, in: 4) ? rng.pick(Wire.attributeFlags) : 0)
            m.attribute(type, (0..<rng.below(24)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        // The kernel's order is fixed, but nothing in the format says so: shuffle a little.
        if rng.chance(1, in: 4) { m.attributes.shuffle(using: &rng) }
        return m
    }

    // MARK: - Payloads

    /// A `tcp_info` of `length` bytes with known values at the offsets of <linux/tcp.h> (zeros elsewhere, 0xEE
    /// past the 232 bytes of today's struct). Written out from the header rather than taken from the C shim, so
    /// the decoder tests use it to check the shim's field table too.
    public static func tcpInfoBytes(length: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(length, 232))
        bytes[0] = 1        // state: TCP_ESTABLISHED
        bytes[2] = 3        // retransmits
        bytes[5] = 0x07     // options: TIMESTAMPS | SACK | WSCALE
        bytes[6] = 0x97     // snd_wscale 7 (low nibble), rcv_wscale 9 (high nibble)
        bytes[7] = 0x05     // delivery_rate_app_limited 1, fastopen_client_fail 2
        bytes.store(UInt32(204_000), at: 8)   // rto
        bytes.store(UInt32(40_000), at: 12)   // ato
        bytes.store(UInt32(1448), at: 16)     // snd_mss
        bytes.store(UInt32(536), at: 20)      // rcv_mss
        bytes.store(UInt32(65_535), at: 60)   // pmtu
        bytes.store(UInt32(50), at: 68)       // rtt
        bytes.store(UInt32(25), at: 72)       // rttvar
        bytes.store(UInt32(10), at: 80)       // snd_cwnd
        bytes.store(UInt32(4), at: 100)       // total_retrans: ends at byte 104
        bytes.store(UInt64(0x1_0000_0001), at: 104)        // pacing_rate
        bytes.store(UInt64(123_456_789_012), at: 120)      // bytes_acked
        bytes.store(UInt64(987_654_321_098), at: 128)      // bytes_received
        bytes.store(UInt64(5_000_000), at: 160)            // delivery_rate
        bytes.store(UInt64(777), at: 200)                  // bytes_sent
        bytes.store(UInt32(65_536), at: 228)               // snd_wnd: ends at byte 232
        for i in 232..<bytes.count { bytes[i] = 0xEE }     // fields of a newer kernel
        return Array(bytes.prefix(length))
    }

    /// The same layout with random counters in place of the known values.
    static func tcpInfoBytes(length: Int, rng: inout SplitMix64) -> [UInt8] {
        var bytes = tcpInfoBytes(length: length)
        for _ in 0..<rng.below(8) where !bytes.isEmpty {
            bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
        }
        return bytes
    }

    static func bytes(of value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
