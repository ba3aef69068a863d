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
    /// Bytes the peer acknowledged since this run first saw the socket; nil for UDP.
    public var sentSinceStart: UInt64?
    /// Bytes received since this run first saw the socket; nil for UDP.
    public var receivedSinceStart: UInt64?

    public init(
        sample: WatchSample, sendRate: Double?, receiveRate: Double?, retransmits: UInt64?, age: Double,
        sentSinceStart: UInt64? = nil, receivedSinceStart: UInt64? = nil
    ) {
        self.sample = sample
        self.sendRate = sendRate
        self.receiveRate = receiveRate
        self.retransmits = retransmits
        self.age = age
        self.sentSinceStart = sentSinceStart
        self.receivedSinceStart = receivedSinceStart
    }

    /// Send plus receive, the rate sort's key (0 when unknown).
    public var totalRate: Double { (sendRate ?? 0) + (receiveRate ?? 0) }

    /// The workload of the socket's cgroup (`docker:web-1`, `nginx.service`), the key of the `c` grouping; nil
    /// when unknown or when the cgroup names none (shown as `-`).
    public var containerLabel: String? {
        guard let label = sample.cgroup?.label, label != "-" else { return nil }
        return label
    }
}
