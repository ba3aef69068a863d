import SockPipeline
/// A table of cells ready to lay out: column titles, the formatted rows, and how many rows exist in all.
public struct WatchTable: Sendable {
    public var columns: [WatchColumns.Column]
    /// Cells of the rows formatted (the first rows, in order).
    public var rows: [[String]]
    /// Rows before the limit was applied.
    public var total: Int

    public init(columns: [WatchColumns.Column], rows: [[String]], total: Int) {
        self.columns = columns
        self.rows = rows
        self.total = total
    }

    /// The header and each row as one padded line, columns two spaces apart, widths fitted to the cells.
    public func lines() -> [String] {
        var widths = columns.map { $0.title.unicodeScalars.count }
        for row in rows {
            for (c, cell) in row.enumerated() where c < widths.count {
                widths[c] = max(widths[c], cell.unicodeScalars.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (c, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.unicodeScalars.count))
                let last = c == cells.count - 1
                if c > 0 { text += " " }
                if columns[c].rightAligned {
                    text += pad + cell
                } else {
                    text += last ? cell : cell + pad
                }
            }
            return text
        }
        return [line(columns.map(\.title))] + rows.map(line)
    }
}
