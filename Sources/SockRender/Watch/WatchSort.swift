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
        switch self {
        case .rate: rows.sort { order($0.totalRate, $1.totalRate, $0, $1) }
        case .rtt: rows.sort { order(Double($0.sample.rtt ?? 0), Double($1.sample.rtt ?? 0), $0, $1) }
        case .retrans: rows.sort { order(Double($0.retransmits ?? 0), Double($1.retransmits ?? 0), $0, $1) }
        case .age: rows.sort { order(-$0.age, -$1.age, $0, $1) }
        }
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

    private func order(_ a: Double, _ b: Double, _ x: WatchRow, _ y: WatchRow) -> Bool {
        a != b ? a > b : x.sample.cookie < y.sample.cookie
    }
}
