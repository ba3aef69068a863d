import SockPipeline
/// What the live view shows: the sort and whether rows are sockets or processes (the `s` and `p` keys).
public struct WatchView: Sendable {
    public var sort: WatchSort
    public var byProcess: Bool

    public init(sort: WatchSort = .rate, byProcess: Bool = false) {
        self.sort = sort
        self.byProcess = byProcess
    }

    /// The sorted table of `rows`, with the cells of at most `limit` rows (only what fits is formatted).
    public func table(_ rows: [WatchRow], limit: Int = .max) -> WatchTable {
        if byProcess {
            var processes = ProcessRow.aggregate(rows)
            sort.sort(&processes)
            return WatchTable(
                columns: WatchColumns.processes, rows: processes.prefix(limit).map(WatchColumns.cells),
                total: processes.count)
        }
        var sorted = rows
        sort.sort(&sorted)
        return WatchTable(
            columns: WatchColumns.sockets, rows: sorted.prefix(limit).map(WatchColumns.cells), total: sorted.count)
    }

    /// One line on the whole interval: `12 sockets  send 1.23M/s  recv 4.56k/s  retr 0`.
    public static func summary(_ rows: [WatchRow]) -> String {
        var send = 0.0
        var receive = 0.0
        var retransmits: UInt64 = 0
        for row in rows {
            send += row.sendRate ?? 0
            receive += row.receiveRate ?? 0
            retransmits += row.retransmits ?? 0
        }
        return "\(rows.count) sockets  send \(WatchColumns.rate(send))/s  recv \(WatchColumns.rate(receive))/s  "
            + "retr \(retransmits)"
    }
}
