/// The host's total rate over the last minute as a line of block characters (`▁▂▃▄▅▆▇█`).
public struct Sparkline: Sendable {
    /// Nanoseconds of history kept and drawn.
    public static let span: UInt64 = 60_000_000_000

    private var points: [(time: UInt64, value: Double)] = []

    public init() {}

    /// Adds the rate measured at `time` (monotonic nanoseconds), forgetting what is older than `span`.
    public mutating func add(_ value: Double, at time: UInt64) {
        points.append((time, value))
        let oldest = time > Self.span ? time - Self.span : 0
        points.removeAll { $0.time < oldest }
    }

    /// The largest rate in the window.
    public var maximum: Double { points.map(\.value).max() ?? 0 }

    /// `cells` characters, the oldest on the left: the minute up to `now` split into equal slices, each the
    /// largest rate measured in it against the window's largest; a slice without a sample is a space.
    public func render(cells: Int, now: UInt64) -> String {
        guard cells > 0 else { return "" }
        let bars = Array("▁▂▃▄▅▆▇█")
        let start = now > Self.span ? now - Self.span : 0
        var slices = [Double?](repeating: nil, count: cells)
        for point in points where point.time >= start && point.time <= now {
            let i = min(cells - 1, Int(Double(point.time - start) / Double(Self.span) * Double(cells)))
            slices[i] = max(slices[i] ?? 0, point.value)
        }
        let top = maximum
        return String(
            slices.map { slice -> Character in
                guard let slice else { return " " }
                guard top > 0 else { return bars[0] }
                return bars[min(bars.count - 1, Int(slice / top * Double(bars.count - 1) + 0.5))]
            })
    }
}
