import CSockDiag
import SockFuzz
import Testing
@testable import SockDiag

/// Round trips: an `inet_diag_msg` and its attributes built byte by byte, decoded, compared field by field.
@Suite struct InetDiagDecoderTests {
    // MARK: - Samples

    /// An IPv4 TCP socket with every attribute sockwatch decodes (and two it skips).
    static var tcp4: InetDiagMessage { SeedCorpus.tcp4Full }

    /// An IPv6 UDP socket, unconnected, with a traffic class and v6only.
    static var udp6: InetDiagMessage {
        var m = SeedCorpus.udp6
        m.attributes.removeAll { $0.type == Wire.info }
        m.attribute(Wire.info, [1, 2, 3, 4])  // UDP answers with a foreign struct: never tcp_info
        return m
    }

    // MARK: - Round trip

    @Test func wellFormedBatchRoundTrips() throws {
        var batch = BatchBuilder()
        batch.socket(Self.tcp4)
        batch.socket(Self.udp6)
        batch.done()
        let (outcome, records) = try decodeBatch(batch.bytes, sequence: 7, netids: [.tcp, .udp])
        #expect(outcome == NetlinkBatch.Outcome(done: true, interrupted: false, messages: 2))
        try #require(records.count == 2)

        let tcp = try #require(records[0])
        #expect(tcp.netid == .tcp)
        #expect(tcp.family == .inet)
        #expect(tcp.state == .established)
        #expect(tcp.local == InetEndpoint(address: IPAddress("192.168.1.20")!, port: 8080))
        #expect(tcp.peer == InetEndpoint(address: IPAddress("10.0.0.7")!, port: 51_234))
        #expect(tcp.local.address.description == "192.168.1.20")
        #expect(tcp.interface == 3)
        #expect(tcp.cookie == 0x1122_3344_5566_7788)
        #expect(tcp.timer == SocketTimer(kind: .on, expiresMilliseconds: 204, retransmits: 2))
        #expect(tcp.recvQ == 17)
        #expect(tcp.sendQ == 4096)
        #expect(tcp.uid == 1000)
        #expect(tcp.inode == 987_654)
        #expect(tcp.congestion == "cubic")
        #expect(tcp.memInfo == MemInfo(rmem: 11, wmem: 22, fmem: 33, tmem: 44))
        let skmem = try #require(tcp.skMemInfo)
        #expect(skmem.count == 9)
        #expect((0..<9).map { skmem[$0] } == (1...9).map { UInt32($0 * 100) })
        #expect(tcp.shutdown == 2)
        #expect(tcp.tos == 0x10)
        #expect(tcp.mark == 0xCAFE)
        #expect(tcp.cgroupID == 0x0102_0304_0506_0708)
        #expect(tcp.options == [.recverr, .isICSK, .recverrRFC4884, .deferConnect])
        #expect(tcp.trafficClass == nil)
        #expect(tcp.v6only == nil)
        let info = try #require(tcp.tcpInfo)
        #expect(info.length == 232)
        #expect(info.rtt == 50)
        #expect(info.bytesAcked == 123_456_789_012)
        #expect(info[.sndWnd] == 65_536)

        let udp = try #require(records[1])
        #expect(udp.netid == .udp)
        #expect(udp.family == .inet6)
        #expect(udp.state == .close)
        #expect(udp.local == InetEndpoint(address: IPAddress("2001:db8::53")!, port: 53))
        #expect(udp.local.address.description == "2001:db8::53")
        #expect(udp.peer.address.isUnspecified)
        #expect(udp.peer.port == 0)
        #expect(udp.cookie == 0xFFFF_FFFF_0000_0001)
        #expect(udp.timer.kind == .off)
        #expect(udp.recvQ == 1)
        #expect(udp.inode == 4242)
        #expect(udp.trafficClass == 0xB8)
        #expect(udp.v6only == true)
        #expect(udp.tcpInfo == nil)
        #expect(udp.congestion == nil && udp.skMemInfo == nil && udp.memInfo == nil && udp.mark == nil)
    }

    @Test func portsAreReadInNetworkByteOrder() throws {
        var m = InetDiagMessage()
        m.sourcePort = 0x0102
        m.destinationPort = 0xFF00
        let record = try #require(try decodeOne(m))
        #expect(record.local.port == 0x0102)
        #expect(record.peer.port == 0xFF00)
        // On the wire the high byte comes first.
        #expect(Array(m.encoded()[4..<8]) == [0x01, 0x02, 0xFF, 0x00])
    }

    // MARK: - tcp_info across kernel versions

    @Test func tcpInfoFieldsMatchTheKernelHeader() throws {
        let info = SeedCorpus.tcpInfoBytes(length: 232).withUnsafeBytes { TCPInfo(bytes: $0) }
        #expect(info[.state] == 1)
        #expect(info[.options] == 7)
        #expect(info[.sndWscale] == 7)
        #expect(info[.rcvWscale] == 9)
        #expect(info[TCPInfo.Field(named: "delivery_rate_app_limited")] == 1)
        #expect(info[TCPInfo.Field(named: "fastopen_client_fail")] == 2)
        #expect(info[.rto] == 204_000)
        #expect(info[.ato] == 40_000)
        #expect(info[.sndMss] == 1448)
        #expect(info[.rcvMss] == 536)
        #expect(info[.pmtu] == 65_535)
        #expect(info[.rttvar] == 25)
        #expect(info.sendCongestionWindow == 10)
        #expect(info.totalRetransmits == 4)
        #expect(info[.pacingRate] == 0x1_0000_0001)
        #expect(info.bytesReceived == 987_654_321_098)
        #expect(info[.deliveryRate] == 5_000_000)
        #expect(info[.bytesSent] == 777)
        #expect(Int(csd_tcp_info_size) >= 232)
    }

    @Test func shortTCPInfoFromAnOldKernelLeavesLaterFieldsAbsent() throws {
        var m = Self.tcp4
        m.attributes = []
        m.attribute(Wire.info, SeedCorpus.tcpInfoBytes(length: 104))
        let info = try #require(try decodeOne(m)?.tcpInfo)
        #expect(info.length == 104)
        #expect(info.rtt == 50)
        #expect(info.sendCongestionWindow == 10)
        #expect(info.totalRetransmits == 4)  // the last field that fits
        #expect(info[.pacingRate] == nil)
        #expect(info.bytesAcked == nil)
        #expect(info[.deliveryRate] == nil)
        #expect(info[.sndWnd] == nil)
        // Every field is either wholly inside the 104 bytes or absent.
        for field in TCPInfo.fields {
            #expect((info[field] != nil) == (field.offset + field.size <= 104), "\(field.name)")
        }
    }

    @Test(arguments: [233, 256, 300])
    func longerTCPInfoFromANewerKernelStillDecodes(length: Int) throws {
        var m = Self.tcp4
        m.attributes = []
        var bytes = SeedCorpus.tcpInfoBytes(length: length)
        for i in 232..<length { bytes[i] = 0xEE }  // fields this build does not know
        m.attribute(Wire.info, bytes)
        m.attribute(Wire.cong, Array("bbr\0".utf8))
        let record = try #require(try decodeOne(m))
        let info = try #require(record.tcpInfo)
        #expect(info.length == min(length, TCPInfo.capacity))
        #expect(info.rtt == 50)
        #expect(info[.sndWnd] == 65_536)
        #expect(record.congestion == "bbr")  // the attribute after it is still found
    }

    // MARK: - Attributes

    @Test func unknownAndEmptyAttributesAreSkipped() throws {
        var m = Self.tcp4
        m.attributes = []
        m.attribute(200, [9, 9, 9, 9, 9])
        m.attribute(Wire.tos, [0x20])
        m.attribute(201, [])  // zero-length payload: just the 4-byte header
        m.attribute(Wire.mark, native: UInt32(77))
        m.attribute(Wire.shutdown, [])  // known type, too short: ignored
        m.attribute(Wire.cgroupID, [1, 2, 3])  // too short for a u64: ignored
        let record = try #require(try decodeOne(m))
        #expect(record.tos == 0x20)
        #expect(record.mark == 77)
        #expect(record.shutdown == nil)
        #expect(record.cgroupID == nil)
    }

    @Test func attributeLongerThanItsMessageThrows() throws {
        var m = Self.tcp4
        m.attributes = []
        m.attribute(Wire.tos, [0x10])
        m.attribute(Wire.mark, native: UInt32(1))
        m.attributes[1].length = 40  // 8 bytes are there
        let error = #expect(throws: DiagError.self) { try decodeOne(m) }
        #expect(error.map(isMalformed) == true)
    }

    @Test(arguments: [0, 1, 3] as [UInt16])
    func attributeShorterThanItsHeaderThrows(length: UInt16) throws {
        var m = InetDiagMessage()
        m.attribute(Wire.tos, [0x10, 0, 0, 0], length: length)
        let error = #expect(throws: DiagError.self) { try decodeOne(m) }
        #expect(error.map(isMalformed) == true)
    }

    @Test func skMemInfoWithFewerCounters() throws {
        var m = InetDiagMessage()
        var counters = [UInt8](words: [1, 2, 3, 4, 5])
        counters += [0xAA, 0xBB]  // a partial sixth counter is not read
        m.attribute(Wire.skMemInfo, counters)
        let skmem = try #require(try decodeOne(m)?.skMemInfo)
        #expect(skmem.count == 5)
        #expect((0..<5).map { skmem[$0] } == [1, 2, 3, 4, 5])
        #expect(skmem[5] == nil && skmem[8] == nil && skmem[-1] == nil && skmem[9] == nil)
    }

    // MARK: - The fixed header

    @Test(arguments: [0, 1, 40, 71])
    func shortInetDiagMsgThrows(length: Int) throws {
        let payload = Array(InetDiagMessage().encoded().prefix(length))
        let error = #expect(throws: DiagError.self) {
            try payload.withUnsafeBytes { try InetDiagDecoder.decode($0, netid: .tcp) }
        }
        #expect(error.map(isMalformed) == true)
    }

    @Test(arguments: [0, 13, 255] as [UInt8])
    func unknownStateIsSkipped(state: UInt8) throws {
        var m = Self.tcp4
        m.state = state
        #expect(try decodeOne(m) == nil)
    }

    @Test func everyKnownStateDecodes() throws {
        for state in SocketState.allCases {
            var m = InetDiagMessage()
            m.state = state.rawValue
            #expect(try decodeOne(m)?.state == state)
        }
    }

    @Test(arguments: [0, 1, 3, 17] as [UInt8])
    func unknownFamilyThrows(family: UInt8) throws {
        var m = InetDiagMessage()
        m.family = family
        let error = #expect(throws: DiagError.self) { try decodeOne(m) }
        #expect(error.map(isMalformed) == true)
    }

    @Test func unknownTimerKindBecomesUnknown() throws {
        var m = InetDiagMessage()
        m.timer = 9
        #expect(try decodeOne(m)?.timer.kind == .unknown)
    }
}
