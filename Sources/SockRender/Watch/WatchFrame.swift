import SockPipeline

/// Draws one screen of the live view with plain ANSI escapes: a title line (where the view is, what is
/// selected, how many rows), a line of host totals with a sparkline, the column header, the rows that fit
/// around the selection, and a key line (or the filter prompt); help and details replace the rows.
///
/// Lines are placed by cursor address (`CSI row;1H`) and cleared to their end (`CSI K`), and whatever is below
/// the last line is erased (`CSI J`), so a redraw never scrolls and never flickers through a cleared screen.
public struct WatchFrame: Sendable {
    /// What replaces the rows or the key line.
    public enum Overlay: Sendable {
        case none
        case help
        /// The filter prompt with what is typed so far, and the error of the last attempt.
        case prompt(text: String, error: String?)
        /// One socket's details, scrolled down `scroll` lines.
        case details(WatchDetails, scroll: Int)
    }

    public var width: Int
    public var height: Int
    public var view: WatchView
    /// Seconds between refreshes, as given (`-n`/`-d`).
    public var delay: String
    /// Colours on (states, rate shading, the sparkline).
    public var colour = false
    public var paused = false
    /// The live filter's text; empty when none.
    public var filter = ""
    /// Bytes sent and received by the whole host since start.
    public var hostSent: UInt64 = 0
    public var hostReceived: UInt64 = 0
    public var sparkline = Sparkline()
    /// Now, for the sparkline (monotonic nanoseconds).
    public var now: UInt64 = 0
    public var cursor = WatchCursor()
    public var overlay = Overlay.none
    /// A one-line message for the key line (`details need a socket row`), shown until the next key.
    public var message: String?

    public init(width: Int, height: Int, view: WatchView, delay: String) {
        self.width = width
        self.height = height
        self.view = view
        self.delay = delay
    }

    /// Rows of the table that fit: the window less the title, totals, header and key lines.
    public static func page(height: Int) -> Int { max(1, height - 4) }

    /// A run of text with its SGR parameters (nil: plain).
    struct Segment {
        var text: String
        var style: String?
        init(_ text: String, _ style: String? = nil) {
            self.text = text
            self.style = style
        }
    }

    /// The visible lines, without escapes (what a capture of the pane shows).
    public func lines(_ rows: [WatchRow]) -> [String] {
        layout(view.listing(rows), rows).map { line in
            var text = Substring(line.map(\.text).joined())
            while text.last == " " { text.removeLast() }  // as a capture of the pane shows it
            return String(text)
        }
    }

    /// Appends the escapes that draw the frame over the previous one.
    public func render(_ rows: [WatchRow], to out: OutputBuffer) {
        render(view.listing(rows), rows, to: out)
    }

    /// Draws a listing already made (the caller placed the cursor in it).
    public func render(_ listing: WatchListing, _ rows: [WatchRow], to out: OutputBuffer) {
        for (i, line) in layout(listing, rows).enumerated() {
            out.append("\u{1B}[\(i + 1);1H")
            for segment in line {
                if let style = segment.style { out.append("\u{1B}[\(style)m") }
                out.append(segment.text)
                if segment.style != nil { out.append("\u{1B}[0m") }
            }
            out.append("\u{1B}[K")
        }
        out.append("\u{1B}[J")
    }

    // MARK: - Layout

    func layout(_ listing: WatchListing, _ rows: [WatchRow]) -> [[Segment]] {
        guard width > 0, height > 0 else { return [] }
        let page = Self.page(height: height)
        let first = listing.count == 0 ? 0 : cursor.top + 1
        let last = min(listing.count, cursor.top + page)
        var title = "sockwatch watch  every \(delay)s  sort: \(view.sort.rawValue)  rows \(first)–\(last) of \(listing.count)"
        switch view.grouping {
        case .sockets: break
        case .process: title += "  by process"
        case .container: title += "  by container"
        }
        if view.bits { title += "  bits" }
        if view.totals { title += "  totals since start" }
        if paused { title += "  PAUSED" }
        if !filter.isEmpty { title += "  filter: " + Self.printable(filter) }
        var lines: [[Segment]] = [[Segment(title, colour ? "1" : nil)]]
        if height >= 2 { lines.append(totals(rows)) }
        let bodyHeight = max(0, height - 3)
        switch overlay {
        case .help:
            lines += WatchDetailsText.help.prefix(bodyHeight).map { [Segment($0)] }
        case .details(let details, let scroll):
            let text = WatchDetailsText.lines(details, view: view, width: width)
            let start = max(0, min(scroll, text.count - 1))
            lines += text.dropFirst(start).prefix(bodyHeight).map { [Segment($0)] }
        case .none, .prompt:
            if bodyHeight > 0 { lines += table(listing, page: min(page, bodyHeight - 1)) }
        }
        if height >= 4 {
            while lines.count < height - 1 { lines.append([]) }
            lines.append(bottom())
        }
        return lines.prefix(height).map { Self.cut($0, to: width) }
    }

    /// The second line: the interval's sums, the totals since start, and the last minute's sparkline (with
    /// its largest rate where there is room).
    func totals(_ rows: [WatchRow]) -> [Segment] {
        let (send, receive, retransmits) = WatchView.sums(rows)
        let unit = view.bits ? "b/s" : "/s"
        func amount(_ value: Double) -> String { WatchColumns.amount(value, bits: view.bits) }
        let text =
            "\(rows.count) sockets ↑\(amount(send))\(unit) ↓\(amount(receive))\(unit) retr \(retransmits)  "
            + "total ↑\(amount(Double(hostSent))) ↓\(amount(Double(hostReceived)))  1m "
        let room = width - text.unicodeScalars.count
        guard room >= 8 else { return [Segment(text)] }
        let maximum = " max " + amount(sparkline.maximum) + unit
        let withMaximum = room - maximum.unicodeScalars.count >= 16
        let cells = min(60, withMaximum ? room - maximum.unicodeScalars.count : room)
        var line = [Segment(text), Segment(sparkline.render(cells: cells, now: now), colour ? WatchPalette.sparkline : nil)]
        if withMaximum { line.append(Segment(maximum)) }
        return line
    }

    /// The header and the rows from the cursor's top, at most `page` of them.
    func table(_ listing: WatchListing, page: Int) -> [[Segment]] {
        let start = min(cursor.top, listing.count)
        let range = start..<min(listing.count, start + max(0, page))
        let table = listing.table(range)
        let shown = table.visibleColumns(in: width)
        let widths = table.widths()
        var lines: [[Segment]] = []
        let header = table.segments(table.columns.map(\.title), shown: shown, widths: widths).map(\.text).joined()
        lines.append([Segment(Self.pad(header, width), "7")])
        let rateColumns = view.grouping == .sockets ? (4, 5) : view.grouping == .process ? (3, 4) : (2, 3)
        for (n, cells) in table.rows.enumerated() {
            let index = range.lowerBound + n
            let selected = index == cursor.index
            let magnitudes = listing.magnitudes(at: index)
            var line: [Segment] = []
            for (column, text) in table.segments(cells, shown: shown, widths: widths) {
                var style: String?
                if colour && !selected {
                    if column == 1, let socket = listing.socket(at: index) {
                        style = WatchPalette.state(socket.sample.state, datagram: socket.sample.netid.isDatagram)
                    } else if column == rateColumns.0 {
                        style = WatchPalette.magnitude(magnitudes.send)
                    } else if column == rateColumns.1 {
                        style = WatchPalette.magnitude(magnitudes.receive)
                    }
                }
                if selected { style = "7" }  // the selection is plain reverse video, coloured or not
                line.append(Segment(text, style))
            }
            if selected {
                let used = line.reduce(0) { $0 + $1.text.unicodeScalars.count }
                if used < width { line.append(Segment(String(repeating: " ", count: width - used), "7")) }
            }
            lines.append(line)
        }
        return lines
    }

    /// The key line, the filter prompt, or a message.
    func bottom() -> [Segment] {
        if case .prompt(let text, let error) = overlay {
            var line = [Segment("/" + Self.printable(text))]
            if let error { line.append(Segment("   " + error, colour ? "31" : "7")) }
            return line
        }
        if let message { return [Segment(Self.pad(message, width), "7")] }
        let keys: String
        switch overlay {
        case .help: keys = "any key: close help   q quit"
        case .details: keys = "Esc/Enter: back   Up/Down scroll   b bits   q quit"
        default:
            keys = "? help  / filter  Enter details  s sort  p proc  c container  b bits  t totals  space pause  q quit"
        }
        return [Segment(Self.pad(keys, width), "7")]
    }

    /// What the user typed, with control characters made visible (the prompt takes printable keys only,
    /// but a pasted escape must not reach the terminal).
    static func printable(_ text: String) -> String {
        let scratch = OutputBuffer(fd: nil, flushThreshold: 256)
        return WatchColumns.escaped(text, scratch)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        let n = text.unicodeScalars.count
        return n >= width ? text : text + String(repeating: " ", count: width - n)
    }

    /// The first `width` characters of `line`.
    static func cut(_ line: [Segment], to width: Int) -> [Segment] {
        var left = width
        var out: [Segment] = []
        for var segment in line where left > 0 {
            let count = segment.text.unicodeScalars.count
            if count > left {
                segment.text = cut(segment.text, to: left)
                left = 0
            } else {
                left -= count
            }
            out.append(segment)
        }
        return out
    }

    /// The first `width` characters of `line`.
    static func cut(_ line: String, to width: Int) -> String {
        let scalars = line.unicodeScalars
        guard scalars.count > width else { return line }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(width))
        return String(view)
    }
}
