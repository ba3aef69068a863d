/// One socket in one interval: its latest sample and what changed since the sample before.
public struct WatchRow: Sendable {
    public var sample: WatchSample
    /// Bytes per second the peer acknowledged over the interval; nil on first sight and for UDP.
    public var sendRate: Double?
    /// Bytes per second received over the interval; nil on first sight and for UDP.
    public var receiveRate: Double?
    /// Segments retransmitted during the interval (`tcpi_total_retrans` delta); nil on first sight and for UDP.
    public var retransmits: UInt64?
    /// Seconds since this run first saw the socket.
    public var age: Double

    public init(sample: WatchSample, sendRate: Double?, receiveRate: Double?, retransmits: UInt64?, age: Double) {
        self.sample = sample
        self.sendRate = sendRate
        self.receiveRate = receiveRate
        self.retransmits = retransmits
        self.age = age
    }

    /// Send plus receive, the rate sort's key (0 when unknown).
    public var totalRate: Double { (sendRate ?? 0) + (receiveRate ?? 0) }
}
