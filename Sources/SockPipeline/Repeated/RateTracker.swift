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
        /// The counters when this run first saw the socket (for the totals since start).
        var firstAcked: UInt64?
        var firstReceived: UInt64?
    }

    private var previous: [UInt64: Previous] = [:]

    /// Bytes acknowledged by peers, over every socket seen, since the first update (closed sockets included).
    public private(set) var hostSent: UInt64 = 0
    /// Bytes received over every socket seen since the first update (closed sockets included).
    public private(set) var hostReceived: UInt64 = 0

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
            let firstAcked = before.map { $0.firstAcked } ?? sample.bytesAcked
            let firstReceived = before.map { $0.firstReceived } ?? sample.bytesReceived
            var row = WatchRow(
                sample: sample, sendRate: nil, receiveRate: nil, retransmits: nil,
                age: Double(time &- firstSeen) / 1e9, sentSinceStart: Self.delta(firstAcked, sample.bytesAcked),
                receivedSinceStart: Self.delta(firstReceived, sample.bytesReceived))
            if let before, time > before.time {
                let seconds = Double(time - before.time) / 1e9
                let sent = Self.delta(before.bytesAcked, sample.bytesAcked)
                let received = Self.delta(before.bytesReceived, sample.bytesReceived)
                row.sendRate = sent.map { Double($0) / seconds }
                row.receiveRate = received.map { Double($0) / seconds }
                row.retransmits = Self.delta(before.totalRetransmits, sample.totalRetransmits)
                hostSent &+= sent ?? 0
                hostReceived &+= received ?? 0
            }
            rows.append(row)
            next[sample.cookie] = Previous(
                time: time, firstSeen: firstSeen, bytesAcked: sample.bytesAcked,
                bytesReceived: sample.bytesReceived, totalRetransmits: sample.totalRetransmits,
                firstAcked: firstAcked, firstReceived: firstReceived)
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
