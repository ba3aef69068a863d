/// Turns each TCP socket's running retransmit total into new retransmits since the previous scrape.
///
/// The kernel's count is `tcpi_total_retrans`, per socket and for the socket's life: a sum over live sockets
/// drops whenever a socket closes, so it is no counter. The tracker remembers each socket's last total by
/// cookie and adds only what grew. Sockets at 0 are not remembered (a socket it has not seen counts from 0),
/// so memory follows the sockets that ever retransmitted, and never exceeds `capacity` entries per table:
/// past it, only cookies divisible by a doubling `stride` are tracked and the others are left out for good
/// (the counter then undercounts, never counts a retransmit twice).
///
/// The first scrape only records totals: retransmits from before the exporter started are not counted.
/// Retransmits between a socket's last scrape and its close are missed.
public struct RetransmitTracker: Sendable {
    /// The most sockets remembered at once.
    public let capacity: Int
    /// Only cookies divisible by this are tracked; 1 until `capacity` is reached.
    public private(set) var stride: UInt64 = 1
    private var previous: [UInt64: UInt32] = [:]
    private var current: [UInt64: UInt32] = [:]
    private var primed = false

    public init(capacity: Int = 1 << 18) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Sockets remembered from the last complete scrape.
    public var tracked: Int { previous.count }

    /// Takes one socket's total; returns its retransmits since it was last seen (0 on the first scrape).
    public mutating func observe(cookie: UInt64, totalRetransmits total: UInt32) -> UInt64 {
        guard cookie % stride == 0 else { return 0 }
        let before = previous[cookie] ?? 0
        let delta = primed && total > before ? UInt64(total - before) : 0
        guard total > 0 else { return delta }
        if current.count >= capacity {
            stride *= 2
            current = current.filter { $0.key % stride == 0 }
            guard cookie % stride == 0 else { return delta }
        }
        current[cookie] = total
        return delta
    }

    /// Ends a scrape: the totals seen in it become the baseline of the next.
    public mutating func finishScrape() {
        swap(&previous, &current)
        current.removeAll(keepingCapacity: true)
        primed = true
    }

    /// Forgets a scrape that failed half-way: the next one compares with the last complete one.
    public mutating func abandonScrape() {
        current.removeAll(keepingCapacity: true)
    }
}
