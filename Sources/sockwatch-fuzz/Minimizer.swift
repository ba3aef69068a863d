import Glibc
import SockFuzz

/// Shrinks a crashing input: removes runs of bytes, then zeroes bytes, as long as the input still crashes.
///
/// Each try runs in a forked child, so a crash costs the child only. The fuzzer is single-threaded, which is what
/// makes running Swift code after `fork` safe here.
enum Minimizer {
    static let maxTries = 20_000

    static func minimize(_ input: [UInt8]) -> Int32 {
        guard crashes(input) else {
            say("minimize: the input (\(input.count) bytes) does not crash; nothing to do")
            return 1
        }
        var best = input
        var tries = 0
        // Remove runs, halving the run length (ddmin without the complement step).
        var chunk = max(1, best.count / 2)
        while chunk >= 1, tries < maxTries {
            var start = 0
            while start < best.count, tries < maxTries {
                var candidate = best
                candidate.removeSubrange(start..<min(best.count, start + chunk))
                tries += 1
                if crashes(candidate) { best = candidate } else { start += chunk }
            }
            if chunk == 1 { break }
            chunk /= 2
        }
        // Zero what is left, byte by byte: the bytes that must stay non-zero are the ones that matter.
        for i in best.indices where best[i] != 0 && tries < maxTries {
            var candidate = best
            candidate[i] = 0
            tries += 1
            if crashes(candidate) { best = candidate }
        }
        say("minimize: \(input.count) -> \(best.count) bytes in \(tries) tries:")
        say(Hex.encode(best))
        return 0
    }

    /// Whether running `bytes` kills a child process (a trap, a fault, a sanitizer report).
    static func crashes(_ bytes: [UInt8]) -> Bool {
        let pid = fork()
        if pid == 0 {
            // The child dies quietly and quickly: no backtrace, no report.
            let null = open("/dev/null", O_WRONLY)
            dup2(null, 1)
            dup2(null, 2)
            for signal in CrashReport.signals { Glibc.signal(signal, SIG_DFL) }
            FuzzInput.run(bytes)
            _exit(0)
        }
        guard pid > 0 else {
            warn("minimize: fork failed: \(String(cString: strerror(errno)))")
            exit(1)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exited normally with 0: no crash. Anything else (a signal, ASan's exit code 1) is one.
        let exited = status & 0x7F == 0
        return !(exited && (status >> 8) & 0xFF == 0)
    }
}
