/// Turns successive dumps into per-interval rates, keyed by socket cookie.
///
/// Only the sockets of the latest dump are remembered, so memory follows the socket table, not its churn.
public struct RateTracker: Sendable {
    struct Previous: Sendable {
        var time: UInt64
        var firstSeen: UInt64
        var bytesAcked: UInt64?
        var bytesReceived: UInt64?
        var totalRetransmits: UInt64?
    }

    private var previous: [UInt64: Previous] = [:]

    public init() {}

    /// Sockets remembered (those of the latest dump).
    public var count: Int { previous.count }

    /// Rows for `samples`, taken at `time` (monotonic nanoseconds), with rates against each socket's sample
    /// of the previous call; sockets absent from `samples` are forgotten.
    public mutating func update(_ samples: [WatchSample], at time: UInt64) -> [WatchRow] {
        var next: [UInt64: Previous] = [:]
        next.reserveCapacity(samples.count)
        var rows: [WatchRow] = []
        rows.reserveCapacity(samples.count)
        for sample in samples {
            let before = previous[sample.cookie]
            let firstSeen = before?.firstSeen ?? time
            var row = WatchRow(
                sample: sample, sendRate: nil, receiveRate: nil, retransmits: nil,
                age: Double(time &- firstSeen) / 1e9)
            if let before, time > before.time {
                let seconds = Double(time - before.time) / 1e9
                row.sendRate = Self.delta(before.bytesAcked, sample.bytesAcked).map { Double($0) / seconds }
                row.receiveRate = Self.delta(before.bytesReceived, sample.bytesReceived).map { Double($0) / seconds }
                row.retransmits = Self.delta(before.totalRetransmits, sample.totalRetransmits)
            }
            rows.append(row)
            next[sample.cookie] = Previous(
                time: time, firstSeen: firstSeen, bytesAcked: sample.bytesAcked,
                bytesReceived: sample.bytesReceived, totalRetransmits: sample.totalRetransmits)
        }
        previous = next
        return rows
    }

    /// `new - old` when both are known and the counter did not go back.
    private static func delta(_ old: UInt64?, _ new: UInt64?) -> UInt64? {
        guard let old, let new, new >= old else { return nil }
        return new - old
    }
}
