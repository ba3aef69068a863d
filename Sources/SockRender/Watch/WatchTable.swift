import SockPipeline
/// A table of cells ready to lay out: column titles, the formatted rows, and how many rows exist in all.
public struct WatchTable: Sendable {
    public var columns: [WatchColumns.Column]
    /// Cells of the rows formatted (the first rows, in order).
    public var rows: [[String]]
    /// Rows before the limit was applied.
    public var total: Int
    /// Columns that may be left out to fit a narrow window, most expendable first.
    public var expendable: [Int] = []

    public init(columns: [WatchColumns.Column], rows: [[String]], total: Int) {
        self.columns = columns
        self.rows = rows
        self.total = total
    }

    /// The width of each column, fitted to its title and cells.
    public func widths() -> [Int] {
        var widths = columns.map { $0.title.unicodeScalars.count }
        for row in rows {
            for (c, cell) in row.enumerated() where c < widths.count {
                widths[c] = max(widths[c], cell.unicodeScalars.count)
            }
        }
        return widths
    }

    /// The columns shown in `width` characters: all of them when they fit, else without the expendable ones,
    /// one at a time, until they fit (or none is left to drop; the line is then cut).
    public func visibleColumns(in width: Int) -> [Int] {
        let widths = widths()
        var shown = Array(columns.indices)
        func needed() -> Int { shown.reduce(0) { $0 + widths[$1] } + max(0, shown.count - 1) }
        for drop in expendable where needed() > width {
            shown.removeAll { $0 == drop }
        }
        return shown
    }

    /// One line as padded cells of the `shown` columns: the text of each cell with its column index, the
    /// separating spaces as cells of index -1.
    public func segments(_ cells: [String], shown: [Int], widths: [Int]) -> [(column: Int, text: String)] {
        var out: [(column: Int, text: String)] = []
        for (n, c) in shown.enumerated() where c < cells.count {
            let cell = cells[c]
            let pad = String(repeating: " ", count: max(0, widths[c] - cell.unicodeScalars.count))
            if n > 0 { out.append((-1, " ")) }
            if columns[c].rightAligned {
                out.append((c, pad + cell))
            } else {
                out.append((c, n == shown.count - 1 ? cell : cell + pad))
            }
        }
        return out
    }

    /// The header and each row as one padded line, columns one space apart, widths fitted to the cells.
    public func lines() -> [String] {
        let widths = widths()
        let shown = Array(columns.indices)
        func line(_ cells: [String]) -> String {
            segments(cells, shown: shown, widths: widths).map(\.text).joined()
        }
        return [line(columns.map(\.title))] + rows.map(line)
    }
}
