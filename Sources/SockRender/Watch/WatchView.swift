import SockPipeline

/// What the rows of the view are: sockets, or sockets summed per process (`p`) or per container (`c`).
public enum WatchGrouping: String, Sendable {
    case sockets
    case process
    case container
}

/// What the live view shows: the sort, the grouping, bits or bytes (`b`), rates or totals since start (`t`).
public struct WatchView: Sendable {
    public var sort: WatchSort
    public var grouping: WatchGrouping
    /// Rates and totals in bits rather than bytes.
    public var bits: Bool
    /// The totals since start instead of the rates of the interval.
    public var totals: Bool

    public init(sort: WatchSort = .rate, byProcess: Bool = false, bits: Bool = false, totals: Bool = false) {
        self.sort = sort
        grouping = byProcess ? .process : .sockets
        self.bits = bits
        self.totals = totals
    }

    /// One row per process (`p`, `--by-process`).
    public var byProcess: Bool {
        get { grouping == .process }
        set { grouping = newValue ? .process : .sockets }
    }

    /// Switches to `grouping`, or back to sockets when it is already shown (the `p` and `c` keys).
    public mutating func toggle(_ grouping: WatchGrouping) {
        self.grouping = self.grouping == grouping ? .sockets : grouping
    }

    /// The rows in order, with the key that follows each across refreshes.
    public func listing(_ rows: [WatchRow]) -> WatchListing {
        switch grouping {
        case .sockets:
            return WatchListing(view: self, rows: rows, order: sort.order(rows), groups: [])
        case .process, .container:
            var groups = grouping == .process ? GroupRow.byProcess(rows) : GroupRow.byContainer(rows)
            sort.sort(&groups)
            return WatchListing(view: self, rows: [], order: [], groups: groups)
        }
    }

    /// The sorted table of `rows`, with the cells of at most `limit` rows (only what fits is formatted).
    public func table(_ rows: [WatchRow], limit: Int = .max) -> WatchTable {
        let listing = listing(rows)
        return listing.table(0..<min(limit, listing.count))
    }

    /// The interval's send and receive rates and retransmits, summed over `rows`.
    static func sums(_ rows: [WatchRow]) -> (send: Double, receive: Double, retransmits: UInt64) {
        var send = 0.0
        var receive = 0.0
        var retransmits: UInt64 = 0
        for row in rows {
            send += row.sendRate ?? 0
            receive += row.receiveRate ?? 0
            retransmits += row.retransmits ?? 0
        }
        return (send, receive, retransmits)
    }

    /// One line on the whole interval: `12 sockets  send 1.23M/s  recv 4.56k/s  retr 0`.
    public static func summary(_ rows: [WatchRow], bits: Bool = false) -> String {
        let (send, receive, retransmits) = sums(rows)
        let unit = bits ? "b/s" : "/s"
        return "\(rows.count) sockets  send \(WatchColumns.amount(send, bits: bits))\(unit)  "
            + "recv \(WatchColumns.amount(receive, bits: bits))\(unit)  retr \(retransmits)"
    }
}

/// Which row the live view's selection is on: a socket by its cookie, or a group by its key.
public enum WatchKey: Hashable, Sendable {
    case socket(UInt64)
    case group(GroupRow.Key)
}

/// The rows of one refresh in the view's order, formatted only where shown.
///
/// Socket rows stay where the refresh put them: the listing holds their sorted positions, so a sort moves
/// four bytes per row, not the rows.
public struct WatchListing: Sendable {
    public let view: WatchView
    /// The socket rows in the refresh's order (the socket view only).
    let rows: [WatchRow]
    /// Positions in `rows`, in the view's order.
    let order: [UInt32]
    public let groups: [GroupRow]

    public var count: Int { view.grouping == .sockets ? order.count : groups.count }

    /// The socket rows in the view's order.
    public var sockets: [WatchRow] { order.map { rows[Int($0)] } }

    /// The socket row at `index` in the view's order.
    @inline(__always)
    func socketRow(_ index: Int) -> WatchRow { rows[Int(order[index])] }

    public var keys: [WatchKey] {
        view.grouping == .sockets
            ? order.map { .socket(rows[Int($0)].sample.cookie) } : groups.map { .group($0.key) }
    }

    public func key(at index: Int) -> WatchKey {
        view.grouping == .sockets ? .socket(socketRow(index).sample.cookie) : .group(groups[index].key)
    }

    public func index(of key: WatchKey) -> Int? {
        switch key {
        case .socket(let cookie): order.firstIndex { rows[Int($0)].sample.cookie == cookie }
        case .group(let k): groups.firstIndex { $0.key == k }
        }
    }

    /// The table of the rows in `range`.
    public func table(_ range: Range<Int>) -> WatchTable {
        let columns = WatchColumns.columns(grouping: view.grouping, bits: view.bits, totals: view.totals)
        let cells: [[String]] =
            view.grouping == .sockets
            ? range.map { WatchColumns.cells(socketRow($0), bits: view.bits, totals: view.totals) }
            : groups[range].map { WatchColumns.cells($0, bits: view.bits, totals: view.totals) }
        var table = WatchTable(columns: columns, rows: cells, total: count)
        table.expendable = WatchColumns.expendable(view.grouping)
        return table
    }

    /// The send and receive figures of row `index` in bytes (per second, or since start): what shading reads.
    public func magnitudes(at index: Int) -> (send: Double?, receive: Double?) {
        if view.grouping == .sockets {
            let row = socketRow(index)
            return view.totals
                ? (row.sentSinceStart.map { Double($0) }, row.receivedSinceStart.map { Double($0) })
                : (row.sendRate, row.receiveRate)
        }
        let group = groups[index]
        return view.totals
            ? (Double(group.sentSinceStart), Double(group.receivedSinceStart)) : (group.sendRate, group.receiveRate)
    }

    /// The socket of row `index`, in the socket view.
    public func socket(at index: Int) -> WatchRow? {
        view.grouping == .sockets && index < order.count ? socketRow(index) : nil
    }
}
