import SockPipeline
/// Draws one screen of the live view with plain ANSI escapes: a title line, the column header, the rows that
/// fit; every line cut to the window's width.
///
/// Lines are placed by cursor address (`CSI row;1H`) and cleared to their end (`CSI K`), and whatever is below
/// the last line is erased (`CSI J`), so a redraw never scrolls and never flickers through a cleared screen.
public struct WatchFrame: Sendable {
    public var width: Int
    public var height: Int
    public var view: WatchView
    /// Seconds between refreshes, as given (`-d`).
    public var delay: String

    public init(width: Int, height: Int, view: WatchView, delay: String) {
        self.width = width
        self.height = height
        self.view = view
        self.delay = delay
    }

    /// The visible lines, without escapes (what a capture of the pane shows).
    public func lines(_ rows: [WatchRow]) -> [String] {
        guard width > 0, height > 0 else { return [] }
        let title =
            "sockwatch watch  every \(delay)s  sort: \(view.sort.rawValue)  \(view.byProcess ? "by process  " : "")"
            + WatchView.summary(rows) + "  [s]ort [p]rocesses [q]uit"
        var lines = [title]
        let room = height - 2
        if room >= 0 {
            let table = view.table(rows, limit: max(0, room))
            var body = table.lines()
            if table.total > table.rows.count, room > 0 {
                body.removeLast()
                body.append("… \(table.total - table.rows.count + 1) more")
            }
            lines += body
        }
        return lines.prefix(height).map { Self.cut($0, to: width) }
    }

    /// Appends the escapes that draw the frame over the previous one.
    public func render(_ rows: [WatchRow], to out: OutputBuffer) {
        for (i, line) in lines(rows).enumerated() {
            out.append("\u{1B}[\(i + 1);1H")
            if i == 1 { out.append("\u{1B}[7m") }  // the column header in reverse video
            out.append(line)
            if i == 1 { out.append("\u{1B}[0m") }
            out.append("\u{1B}[K")
        }
        out.append("\u{1B}[J")
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
