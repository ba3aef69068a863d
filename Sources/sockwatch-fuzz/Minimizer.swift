import Glibc
import SockFuzz

/// Shrinks a crashing input with `Shrinker`, running each try in a forked child so a crash costs the child only.
///
/// The fuzzer is single-threaded, which is what makes running Swift code after `fork` safe here. Children write
/// nothing and leave no core; run it with `ASAN_OPTIONS=symbolize=0` (Scripts/fuzz does) so a sanitizer report
/// in a child is not symbolized for nobody.
enum Minimizer {
    static func minimize(_ input: [UInt8]) -> Int32 {
        guard crashes(input) else {
            say("minimize: the input (\(input.count) bytes) does not crash; nothing to do")
            return 1
        }
        let (best, tries) = Shrinker.shrink(input, stillFails: crashes)
        say("minimize: \(input.count) -> \(best.count) bytes in \(tries) tries:")
        say(Hex.encode(best))
        return 0
    }

    /// Whether running `bytes` kills a child process (a trap, a fault, a sanitizer report).
    static func crashes(_ bytes: [UInt8]) -> Bool {
        let pid = fork()
        if pid == 0 {
            let null = open("/dev/null", O_WRONLY)
            dup2(null, 1)
            dup2(null, 2)
            var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
            setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
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
        // Exited normally with 0: no crash. Anything else (a signal, the sanitizer's exit code) is one.
        let exited = status & 0x7F == 0
        return !(exited && (status >> 8) & 0xFF == 0)
    }
}
