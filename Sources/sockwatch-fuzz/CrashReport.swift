import Glibc

/// Names the input that was running when the process dies, so it can be replayed.
///
/// A trap (SIGILL from a failed Swift check), a fault, or AddressSanitizer's abort (with `abort_on_error=1`) runs
/// this handler; it writes one line with `write(2)` only (async-signal-safe), then puts the previous handler
/// back and lets the signal through, so Swift's backtrace follows a trap as usual. An abort gets the default
/// action instead: it comes after the sanitizer's report, and a Swift backtrace of the sanitizer's own abort
/// path would only bury that report.
enum CrashReport {
    /// The input running now, or -1 between inputs.
    nonisolated(unsafe) static var current = -1
    nonisolated(unsafe) private static var seed: UInt64 = 0
    /// The handlers found at install time, by signal number.
    nonisolated(unsafe) private static let previous: UnsafeMutablePointer<sigaction> = {
        let table = UnsafeMutablePointer<sigaction>.allocate(capacity: 32)
        UnsafeMutableRawPointer(table).initializeMemory(as: UInt8.self, repeating: 0, count: 32 * MemoryLayout<sigaction>.stride)
        return table
    }()
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE]

    static func install(seed: UInt64) {
        self.seed = seed
        // Both are read from the handler: make sure they are built now.
        _ = previous
        _ = buffer
        for signal in signals {
            var action = Glibc.sigaction()
            action.__sigaction_handler.sa_handler = { signal in CrashReport.handle(signal) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + Int(signal))
        }
    }

    /// Room for the report line.
    nonisolated(unsafe) private static let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 512)

    nonisolated(unsafe) private static var reported = false

    private static func handle(_ signal: Int32) {
        var length = 0
        func put(_ text: StaticString) {
            text.withUTF8Buffer { for byte in $0 where length < buffer.count { buffer[length] = byte; length += 1 } }
        }
        func put(_ value: UInt64) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var n = 0
            var v = value
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[n] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    n += 1
                } while v > 0
                while n > 0, length < buffer.count {
                    n -= 1
                    buffer[length] = d[n]
                    length += 1
                }
            }
        }
        if current >= 0, !reported {
            reported = true
            put("\nsockwatch-fuzz: CRASH at input ")
            put(UInt64(current))
            put(" of seed ")
            put(seed)
            put(" (signal ")
            put(UInt64(signal))
            put("); replay with: sockwatch-fuzz --seed ")
            put(seed)
            put(" --replay ")
            put(UInt64(current))
            put("\n")
            _ = write(2, buffer.baseAddress, length)
        }
        // Let the signal through to whoever handled it before (Swift's backtracer, the sanitizer, the default).
        if signal == SIGABRT {
            Glibc.signal(SIGABRT, SIG_DFL)
        } else {
            sigaction(signal, previous + Int(signal), nil)
        }
        if signal == SIGABRT || signal == SIGTRAP { raise(signal) }
    }
}
