import Glibc
import SockFuzz

/// The decoder fuzzer.
///
///     sockwatch-fuzz [--iterations N] [--seed S] [--from I] [--progress N]   seeded mutation loop (default)
///     sockwatch-fuzz --seed S --replay I [--save FILE]   rebuild input I of seed S, print it as hex, run it
///     sockwatch-fuzz --hex HEX | --input FILE   run one input
///     sockwatch-fuzz --minimize HEX|FILE        shrink a crashing input (each try in a child process)
///     sockwatch-fuzz --write-corpus DIR [--seed S]   write the seed batches, one file each (for libFuzzer)
///     sockwatch-fuzz --asan-canary              read one byte past an allocation: proves the sanitizer is live
///
/// Built with `-sanitize=fuzzer -DLIBFUZZER`, the arguments go to libFuzzer instead, unless the first one is
/// `--write-corpus`, `--minimize` or `--asan-canary`.
@main
struct FuzzMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
#if LIBFUZZER
        if let first = arguments.first, ["--write-corpus", "--minimize", "--asan-canary"].contains(first) {
            exit(run(arguments))
        }
        exit(LibFuzzer.runDriver())
#else
        exit(run(arguments))
#endif
    }

    /// Parses `arguments` and runs the mode they ask for; returns the exit status.
    static func run(_ arguments: [String]) -> Int32 {
        var options = Options()
        do {
            options = try Options(parsing: arguments)
        } catch {
            warn("\(error)")
            return 2
        }
        let campaign = FuzzCampaign(seed: options.seed)
        switch options.mode {
        case .loop:
            return loop(campaign, options)
        case let .replay(index):
            let (bytes, origin) = campaign.input(at: index)
            say("input \(index) of seed \(options.seed) (\(origin), \(bytes.count) bytes):")
            say(Hex.encode(bytes))
            if let path = options.save, !write(bytes, to: path) { return 1 }
            return runOne(bytes)
        case let .one(bytes):
            return runOne(bytes)
        case let .minimize(bytes):
            return Minimizer.minimize(bytes)
        case let .writeCorpus(directory):
            return writeCorpus(campaign, to: directory)
        case .asanCanary:
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
            // Past the end on purpose, through the raw pointer so no bounds check stops it first.
            let past = bytes.baseAddress!.advanced(by: 8).load(as: UInt8.self)
            bytes.deallocate()
            say("asan canary: read \(past) past the end and nothing noticed: the sanitizer is not live")
            return 1
        }
    }

    // MARK: - Modes

    /// The seeded mutation loop. A crash never returns here: it kills the process, after `CrashReport` has
    /// named the input.
    static func loop(_ campaign: FuzzCampaign, _ options: Options) -> Int32 {
        CrashReport.install(seed: options.seed)
        let every = options.progress ?? max(1, options.iterations / 10)
        let clock = ContinuousClock()
        let start = clock.now
        var tally = FuzzCampaign.Tally()
        say("fuzz: \(options.iterations) inputs from \(options.from), seed \(options.seed), "
            + "corpus of \(campaign.corpus.count) batches")
        for index in options.from..<(options.from + options.iterations) {
            CrashReport.current = index
            let (bytes, origin) = campaign.input(at: index)
            tally.add(FuzzInput.run(bytes), origin: origin)
            if tally.inputs % every == 0 || tally.inputs == options.iterations {
                let seconds = seconds(clock.now - start)
                say("fuzz: \(tally.inputs)/\(options.iterations) inputs in \(format(seconds)) s "
                    + "(\(Int(Double(tally.inputs) / max(seconds, 1e-9)))/s): \(tally.summary)")
            }
        }
        CrashReport.current = -1
        let operations = Mutator.Operation.allCases.map { "\($0)=\(tally.operations[$0.rawValue])" }
        say("fuzz: mutations: \(operations.joined(separator: " ")); \(tally.unmutated) unmutated")
        say("fuzz: digest \(String(tally.digest, radix: 16))")
        say("fuzz: \(tally.inputs) inputs, seed \(options.seed), 0 crashes")
        return 0
    }

    static func runOne(_ bytes: [UInt8]) -> Int32 {
        let verdict = FuzzInput.run(bytes)
        say("verdict: \(verdict.kind), \(verdict.messages) messages, \(verdict.records) records "
            + "(\(verdict.tcpInfos) with tcp_info, \(verdict.unknownStates) unknown states), "
            + "done \(verdict.done), interrupted \(verdict.interrupted), digest \(String(verdict.digest, radix: 16))")
        return 0
    }

    static func writeCorpus(_ campaign: FuzzCampaign, to directory: String) -> Int32 {
        mkdir(directory, 0o755)
        for (i, bytes) in campaign.corpus.enumerated() where !write(bytes, to: "\(directory)/seed-\(i)") {
            return 1
        }
        say("fuzz: wrote \(campaign.corpus.count) seed batches to \(directory)")
        return 0
    }

    /// Writes `bytes` to the file at `path`; says why not on stderr.
    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        guard let file = fopen(path, "wb") else {
            warn("cannot write \(path): \(String(cString: strerror(errno)))")
            return false
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        return fclose(file) == 0 && written == bytes.count
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ seconds: Double) -> String {
        String(Double(Int(seconds * 10)) / 10)
    }
}
