import SockPipeline
/// The order of the live view's rows, cycled by the `s` key.
public enum WatchSort: String, Sendable, CaseIterable {
    /// Send plus receive rate, fastest first.
    case rate
    /// Smoothed round-trip time, slowest first.
    case rtt
    /// Retransmits in the last interval, most first.
    case retrans
    /// Time since first seen, newest first (what just opened is on top).
    case age

    /// The next order in the cycle.
    public var next: WatchSort {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// Sorts socket rows; ties keep a stable order by cookie, so rows do not jump between refreshes.
    public func sort(_ rows: inout [WatchRow]) {
        let order = order(rows)
        rows = order.map { [rows] in rows[Int($0)] }
    }

    /// The positions of `rows` in sorted order: one small key per row is sorted, the rows are not moved.
    public func order(_ rows: [WatchRow]) -> [UInt32] {
        var keys: [SortKey] = []
        keys.reserveCapacity(rows.count)
        rows.withUnsafeBufferPointer { rows in
            for i in rows.indices {
                let row = rows.baseAddress! + i  // the fields where they are: no row copied
                keys.append(
                    SortKey(value: key(row), cookie: row.pointee.sample.cookie, index: UInt32(truncatingIfNeeded: i)))
            }
        }
        keys.sort { $0.value != $1.value ? $0.value > $1.value : $0.cookie < $1.cookie }
        return keys.map(\.index)
    }

    /// What a socket row is sorted by, largest first.
    @inline(__always)
    private func key(_ row: UnsafePointer<WatchRow>) -> Double {
        switch self {
        case .rate: (row.pointee.sendRate ?? 0) + (row.pointee.receiveRate ?? 0)
        case .rtt: Double(row.pointee.sample.rtt ?? 0)
        case .retrans: Double(row.pointee.retransmits ?? 0)
        case .age: -row.pointee.age
        }
    }

    private struct SortKey {
        var value: Double
        var cookie: UInt64
        var index: UInt32
    }

    /// Sorts group rows (processes, containers); ties by pid, then label.
    public func sort(_ rows: inout [GroupRow]) {
        func key(_ row: GroupRow) -> Double {
            switch self {
            case .rate: row.totalRate
            case .rtt: Double(row.maxRTT)
            case .retrans: Double(row.retransmits)
            case .age: -row.newestAge
            }
        }
        rows.sort { key($0) != key($1) ? key($0) > key($1) : $0.pid != $1.pid ? $0.pid < $1.pid : $0.label < $1.label }
    }
}
