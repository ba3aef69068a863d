import CommandSupport
import Glibc
import SockPipeline
import SockRender

/// `watch` for pipes and logs (`-n COUNT`, or stdout not a terminal): a first dump sets the baseline, then
/// each interval is written as a table or NDJSON and flushed, until COUNT intervals or until killed.
struct PlainWatch {
    var sampler: WatchSampler
    /// Nanoseconds between samples.
    let period: UInt64
    let count: Int?
    let render: (Int, [WatchRow]) throws -> Void

    mutating func run() throws {
        var tracker = RateTracker()
        // Kept between intervals, with its capacity: each refresh refills it.
        var rows: [WatchRow] = []
        var time = try sampler.sample(into: &rows)
        tracker.update(&rows, at: time)
        var deadline = time + period
        var interval = 0
        while count.map({ interval < $0 }) ?? true {
            Self.sleep(until: deadline)
            time = try sampler.sample(into: &rows)
            for note in sampler.takeNotes() { Stderr.line(note) }
            interval += 1
            tracker.update(&rows, at: time)
            try render(interval, rows)
            deadline += period
            let now = WatchSampler.now()
            if deadline <= now { deadline = now + period }  // fell behind: keep the period, skip the missed
        }
    }

    /// Sleeps until CLOCK_MONOTONIC reads `deadline` nanoseconds.
    static func sleep(until deadline: UInt64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}
