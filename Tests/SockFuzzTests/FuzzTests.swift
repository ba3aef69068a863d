import SockDiag
import Testing
@testable import SockFuzz

/// The fuzzer's short, fixed-seed run (what CI runs), and checks that the fuzzer itself does what it claims:
/// its seeds decode to what they say, its mutations aim where they say, and a seed gives the same bytes every time.
@Suite struct FuzzTests {
    static let ciSeed: UInt64 = 0x50C4_D1A6
    static let ciInputs = 20_000

    // MARK: - The fixed-seed run

    @Test func fixedSeedRunDecodesAndRejectsInGoodMeasure() {
        let tally = FuzzCampaign(seed: Self.ciSeed).run(count: Self.ciInputs)
        #expect(tally.inputs == Self.ciInputs)
        #expect(tally.decoded + tally.malformed + tally.kernelErrors == tally.inputs)
        // Both sides of every length check are reached: a fuzzer whose inputs all fail the first check, or all
        // pass every check, tests nothing.
        #expect(tally.decoded > Self.ciInputs / 8, "\(tally.summary)")
        #expect(tally.malformed > Self.ciInputs / 4, "\(tally.summary)")
        #expect(tally.kernelErrors > Self.ciInputs / 100, "\(tally.summary)")
        #expect(tally.records > Self.ciInputs, "\(tally.summary)")
        #expect(tally.tcpInfos > Self.ciInputs / 2, "\(tally.summary)")
        #expect(tally.unknownStates > 0 && tally.interrupted > 0 && tally.done > Self.ciInputs / 10)
        for operation in Mutator.Operation.allCases {
            #expect(tally.operations[operation.rawValue] > Self.ciInputs / 50, "\(operation) barely used")
        }
    }

    @Test func aSeedGivesTheSameInputsAndVerdictsEveryTime() {
        let a = FuzzCampaign(seed: Self.ciSeed), b = FuzzCampaign(seed: Self.ciSeed)
        #expect(a.corpus == b.corpus)
        // Any input can be rebuilt alone, without the ones before it (--replay).
        for index in [0, 1, 777, 19_999, 1_000_000] {
            #expect(a.input(at: index).bytes == b.input(at: index).bytes)
            #expect(a.input(at: index).origin == b.input(at: index).origin)
        }
        #expect(a.run(count: 300, from: 5_000) == b.run(count: 300, from: 5_000))
        let other = FuzzCampaign(seed: Self.ciSeed + 1)
        #expect((0..<50).contains { a.input(at: $0).bytes != other.input(at: $0).bytes })
    }

    @Test func splitMix64MatchesTheReference() {
        var rng = SplitMix64(seed: 0)
        #expect([rng.next(), rng.next(), rng.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    // MARK: - Seeds

    @Test(arguments: SeedCorpus.seeds)
    func seedDecodesAsExpected(_ seed: SeedCorpus.Seed) {
        let verdict = FuzzInput.run(seed.bytes)
        #expect(SeedCorpus.Expected(verdict) == seed.expected)
    }

    @Test func theFullTCPSeedDecodesFieldByField() throws {
        var records: [SocketRecord] = []
        try SeedCorpus.seeds[0].bytes.withUnsafeBytes { raw in
            _ = try NetlinkBatch.walk(raw) { message in
                if let record = try InetDiagDecoder.decode(message.payload, netid: .tcp) { records.append(record) }
            }
        }
        let tcp = try #require(records.first)
        #expect(records.count == 1)
        #expect(tcp.local == InetEndpoint(address: IPAddress("192.168.1.20")!, port: 8080))
        #expect(tcp.peer == InetEndpoint(address: IPAddress("10.0.0.7")!, port: 51_234))
        #expect(tcp.cookie == 0x1122_3344_5566_7788 && tcp.inode == 987_654 && tcp.uid == 1000)
        #expect(tcp.congestion == "cubic" && tcp.shutdown == 2 && tcp.tos == 0x10 && tcp.mark == 0xCAFE)
        #expect(tcp.cgroupID == 0x0102_0304_0506_0708)
        #expect(tcp.memInfo == MemInfo(rmem: 11, wmem: 22, fmem: 33, tmem: 44))
        #expect(tcp.skMemInfo?.count == 9 && tcp.skMemInfo?[8] == 900)
        #expect(tcp.options == [.recverr, .isICSK, .recverrRFC4884, .deferConnect])
        let info = try #require(tcp.tcpInfo)
        #expect(info.length == 232 && info.rtt == 50 && info.bytesAcked == 123_456_789_012 && info[.sndWnd] == 65_536)
    }

    @Test func generatedBatchesAreWellFormed() {
        for (i, bytes) in SeedCorpus.generated(count: 256, seed: Self.ciSeed).enumerated() {
            let verdict = FuzzInput.run(bytes)
            #expect(verdict.kind != .malformed, "generated batch \(i)")
            #expect(verdict.messages > 0 && verdict.records == verdict.messages, "generated batch \(i)")
        }
    }

    /// Cut anywhere but between messages, a batch is malformed; cut between them, it is a shorter batch.
    @Test func everyPrefixOfASeedIsMalformedUnlessItEndsBetweenMessages() {
        let bytes = SeedCorpus.seeds[0].bytes  // one socket, then NLMSG_DONE
        let firstEnd = bytes.count - (Wire.headerSize + 4)
        for length in 0...bytes.count {
            let verdict = FuzzInput.run(Array(bytes.prefix(length)))
            switch length {
            case 0: #expect(verdict.kind == .decoded && verdict.messages == 0 && !verdict.done)
            case firstEnd: #expect(verdict.kind == .decoded && verdict.records == 1 && !verdict.done)
            case bytes.count: #expect(verdict.kind == .decoded && verdict.records == 1 && verdict.done)
            default: #expect(verdict.kind == .malformed, "prefix of \(length) bytes")
            }
        }
    }

    // MARK: - Mutations

    /// Length edits land on the length fields, nowhere else.
    @Test(arguments: [Mutator.Operation.messageLength, .attributeLength])
    func lengthEditsHitLengthFields(_ operation: Mutator.Operation) {
        let seed = SeedCorpus.seeds[3].bytes  // four sockets with attributes
        let targets = operation == .messageLength
            ? Mutator.messageOffsets(seed).map { $0..<($0 + 4) }
            : Mutator.attributeOffsets(seed).map { $0.offset..<($0.offset + 2) }
        #expect(targets.count == (operation == .messageLength ? 5 : 7))  // 4 sockets and NLMSG_DONE; 0+0+2+5 attributes
        var changed = 0
        for i in 0..<300 {
            var mutator = Mutator(seed: UInt64(i))
            var bytes = seed
            mutator.apply(operation, to: &bytes, other: [])
            #expect(bytes.count == seed.count)
            let diff = bytes.indices.filter { bytes[$0] != seed[$0] }
            if diff.isEmpty { continue }  // set to the value it had
            changed += 1
            #expect(targets.contains { $0.contains(diff.first!) && $0.contains(diff.last!) }, "diff at \(diff)")
        }
        #expect(changed > 250)
    }

    @Test func mutationsAreDeterministicAndBounded() {
        let corpus = FuzzCampaign(seed: 3, generated: 16).corpus
        for i in 0..<500 {
            var a = corpus[i % corpus.count], b = a
            var m1 = Mutator(seed: UInt64(i)), m2 = Mutator(seed: UInt64(i))
            let donor = corpus[(i * 7) % corpus.count]
            let ops1 = m1.mutate(&a, other: donor)
            let ops2 = m2.mutate(&b, other: donor)
            #expect(a == b && ops1 == ops2)
            #expect(a.count <= Mutator.maxSize)
        }
    }
}

/// The shrinker that turns a crashing input into a small one for the report.
@Suite struct ShrinkerTests {
    /// Whether `bytes` decode to a socket whose mark is 0xCAFE: stands in for "still crashes".
    static func hasMark(_ bytes: [UInt8]) -> Bool {
        var found = false
        _ = try? bytes.withUnsafeBytes { raw in
            try NetlinkBatch.walk(raw) { message in
                if try InetDiagDecoder.decode(message.payload, netid: .tcp)?.mark == 0xCAFE { found = true }
            }
        }
        return found
    }

    @Test func shrinksToOneMessageWithOneAttribute() {
        var batch = BatchBuilder()
        batch.socket(SeedCorpus.tcp6Listen(port: 1, infoLength: 232))
        batch.socket(SeedCorpus.tcp4Full)  // the one with the mark, among a dozen attributes
        batch.socket(SeedCorpus.udp4)
        batch.done()
        #expect(Self.hasMark(batch.bytes))
        let (bytes, tries) = Shrinker.shrink(batch.bytes, stillFails: Self.hasMark)
        #expect(Self.hasMark(bytes))
        // nlmsghdr, inet_diag_msg, and the 8-byte mark attribute: nothing else is needed.
        #expect(bytes.count == Wire.headerSize + Wire.inetDiagMsgSize + 8, "\(bytes.count) bytes after \(tries) tries")
        #expect(tries < 2_000)
    }
}
