import SockPipeline
/// Writes the plain per-interval output of `watch` (`-n`, or stdout not a terminal): a title line, the table of
/// every row, a blank line; flushed after each interval so a reader sees it at once. Socket rows go straight
/// into `out` (`WatchTableWriter`); group rows, a few, through `WatchTable`.
public final class WatchTableRenderer {
    let out: OutputBuffer
    let view: WatchView
    let delay: String
    let header: Bool
    /// The socket rows' formatter, its buffers kept between intervals.
    private let writer = WatchTableWriter()

    public init(out: OutputBuffer, view: WatchView, delay: String, header: Bool = true) {
        self.out = out
        self.view = view
        self.delay = delay
        self.header = header
    }

    /// Writes interval `number` (1 for the first dump, whose rates are unknown: `-`).
    public func render(interval number: Int, _ rows: [WatchRow]) throws {
        if header {
            out.append("interval \(number)  every \(delay)s  sort: \(view.sort.rawValue)  ")
            out.append(WatchView.summary(rows))
            out.append(0x0A)
        }
        let listing = view.listing(rows)
        if view.grouping == .sockets {
            try writer.write(listing, titles: header, to: out)
        } else {
            // One row per process or container: a few rows, laid out as the live view does.
            var lines = listing.table(0..<listing.count).lines()
            if !header { lines.removeFirst() }
            for line in lines {
                out.append(line)
                out.append(0x0A)
                try out.flushIfFull()
            }
        }
        if header { out.append(0x0A) }
        try out.flush()
    }
}
