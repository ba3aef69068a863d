import Glibc

/// Wall-clock and monotonic time in nanoseconds.
enum EventClock {
    static func realtime() -> UInt64 { read(CLOCK_REALTIME) }
    static func monotonic() -> UInt64 { read(CLOCK_MONOTONIC) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
