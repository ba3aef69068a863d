/// A reproducible run of many inputs: input `i` of seed `s` is the same bytes on every machine and every run.
///
/// Each input has its own generator, derived from the seed and its index, so one input can be rebuilt alone
/// (`sockwatch-fuzz --replay I`) without replaying the ones before it.
public struct FuzzCampaign: Sendable {
    public let seed: UInt64
    /// The batches mutations start from: the fixed seeds, then generated well-formed batches.
    public let corpus: [[UInt8]]

    /// - Parameter generated: how many random well-formed batches to add to the fixed seeds.
    public init(seed: UInt64, generated: Int = 256) {
        self.seed = seed
        corpus = SeedCorpus.seeds.map(\.bytes) + SeedCorpus.generated(count: generated, seed: seed)
    }

    /// Where an input came from.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        /// A corpus batch as it is.
        case corpus
        /// Random bytes.
        case random
        /// Valid `nlmsghdr` framing around random payloads.
        case framed
        /// A corpus batch after these mutations.
        case mutated(Mutator.Operations)

        public var description: String {
            switch self {
            case .corpus: "a corpus batch"
            case .random: "random bytes"
            case .framed: "random payloads in valid framing"
            case let .mutated(operations): "mutated by \(operations)"
            }
        }
    }

    /// Input number `index`.
    public func input(at index: Int) -> (bytes: [UInt8], origin: Origin) {
        var rng = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        _ = rng.next()
        switch rng.below(100) {
        case 0..<2:
            return (rng.pick(corpus), .corpus)
        case 2..<5:
            return ((0..<rng.below(600)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, .random)
        case 5..<8:
            var batch = BatchBuilder()
            for _ in 0..<(1 + rng.below(4)) {
                let payload = (0..<rng.pick([0, 4, 20, 71, 72, 76, 80, 100, 200, 320])).map { _ in
                    UInt8(truncatingIfNeeded: rng.next())
                }
                batch.message(type: rng.chance(3, in: 4) ? Wire.sockDiagByFamily : UInt16(rng.below(25)), payload: payload)
            }
            return (batch.bytes, .framed)
        default:
            var bytes = rng.pick(corpus)
            let other = rng.pick(corpus)
            var mutator = Mutator(rng: rng)
            let operations = mutator.mutate(&bytes, other: other)
            return (bytes, .mutated(operations))
        }
    }

    /// Runs inputs `start ..< start + count` through `FuzzInput.run`; a bug traps inside.
    public func run(count: Int, from start: Int = 0) -> Tally {
        var tally = Tally()
        for index in start..<(start + count) {
            let (bytes, origin) = input(at: index)
            tally.add(FuzzInput.run(bytes), origin: origin)
        }
        return tally
    }

    // MARK: - Counts

    /// What a run did, summed over its inputs.
    public struct Tally: Sendable, Equatable {
        public var inputs = 0
        /// Inputs the walk finished without throwing.
        public var decoded = 0
        /// Inputs rejected as `DiagError.malformed`.
        public var malformed = 0
        /// Inputs that ended in a kernel error code.
        public var kernelErrors = 0
        /// Records decoded, and how many of them carried `tcp_info`.
        public var records = 0
        public var tcpInfos = 0
        /// Messages in a state sockwatch does not know.
        public var unknownStates = 0
        /// Inputs that reached `NLMSG_DONE`, and that carried `NLM_F_DUMP_INTR`.
        public var done = 0
        public var interrupted = 0
        /// Inputs each mutation operation took part in, by `Mutator.Operation.rawValue`.
        public var operations = [Int](repeating: 0, count: Mutator.Operation.allCases.count)
        public var unmutated = 0
        /// Every verdict's digest, folded in order: two runs of the same seed must agree.
        public var digest: UInt64 = 0

        public init() {}

        public mutating func add(_ verdict: FuzzInput.Verdict, origin: Origin) {
            inputs += 1
            switch verdict.kind {
            case .decoded: decoded += 1
            case .malformed: malformed += 1
            case .kernelError: kernelErrors += 1
            }
            records += verdict.records
            tcpInfos += verdict.tcpInfos
            unknownStates += verdict.unknownStates
            if verdict.done { done += 1 }
            if verdict.interrupted { interrupted += 1 }
            if case let .mutated(set) = origin {
                for operation in Mutator.Operation.allCases where set.contains(operation) {
                    operations[operation.rawValue] += 1
                }
            } else {
                unmutated += 1
            }
            digest = (digest ^ verdict.digest) &* 0x0000_0100_0000_01B3
        }

        /// One line for progress reports.
        public var summary: String {
            "\(decoded) decoded, \(malformed) malformed, \(kernelErrors) kernel errors; "
                + "\(records) records (\(tcpInfos) with tcp_info, \(unknownStates) unknown states)"
        }
    }
}
