import SockPipeline
import SockDiag

/// The columns of the live view and of the plain per-interval table, and how their cells are written.
public enum WatchColumns {
    /// A column title and its alignment.
    public struct Column: Sendable {
        public var title: String
        public var rightAligned: Bool
    }

    /// One row per socket.
    public static let sockets: [Column] = columns(grouping: .sockets, bits: false, totals: false)

    /// One row per process (the `p` view).
    public static let processes: [Column] = columns(grouping: .process, bits: false, totals: false)

    /// The columns of `grouping`, with rate titles in bits or bytes per second, or the totals since start.
    public static func columns(grouping: WatchGrouping, bits: Bool, totals: Bool) -> [Column] {
        let send = totals ? "Sent" : bits ? "Send b/s" : "Send/s"
        let receive = totals ? "Received" : bits ? "Recv b/s" : "Recv/s"
        switch grouping {
        case .sockets:
            return [
                Column(title: "Proto", rightAligned: false), Column(title: "State", rightAligned: false),
                Column(title: "Local Address", rightAligned: false), Column(title: "Peer Address", rightAligned: false),
                Column(title: send, rightAligned: true), Column(title: receive, rightAligned: true),
                Column(title: "Retr", rightAligned: true), Column(title: "RTT ms", rightAligned: true),
                Column(title: "Cwnd", rightAligned: true), Column(title: "Age", rightAligned: true),
                Column(title: "PID/Program", rightAligned: false),
            ]
        case .process, .container:
            let first =
                grouping == .process
                ? [Column(title: "PID", rightAligned: true), Column(title: "Program", rightAligned: false)]
                : [Column(title: "Container", rightAligned: false)]
            return first + [
                Column(title: "Sockets", rightAligned: true), Column(title: send, rightAligned: true),
                Column(title: receive, rightAligned: true), Column(title: "Retr", rightAligned: true),
                Column(title: "RTT ms", rightAligned: true), Column(title: "Age", rightAligned: true),
            ]
        }
    }

    /// The columns left out first when a window is too narrow, most expendable first (indexes into `columns`).
    static func expendable(_ grouping: WatchGrouping) -> [Int] {
        switch grouping {
        case .sockets: [8, 0, 9, 6, 7]
        case .process: [7, 6, 5]
        case .container: [6, 5, 4]
        }
    }

    /// The cells of a socket row, in `sockets` order: rates in bytes per second.
    public static func cells(_ row: WatchRow) -> [String] {
        cells(row, bits: false, totals: false)
    }

    /// The cells of a socket row: rates (bits or bytes per second) or the totals since start.
    public static func cells(_ row: WatchRow, bits: Bool, totals: Bool) -> [String] {
        let s = row.sample
        let scratch = OutputBuffer(fd: nil, flushThreshold: 256)
        let proto = s.netid.rawValue + (s.family == .inet6 ? "6" : "")
        let tcp = s.netid == .tcp
        var owner = "-"
        if let first = s.holders.first {
            owner = "\(first.pid)/\(escaped(first.command, scratch))"
            let others = Set(s.holders.map(\.pid)).count - 1
            if others > 0 { owner += "+\(others)" }
        }
        let (send, receive) =
            totals
            ? (amount(row.sentSinceStart.map { Double($0) }, bits: bits), amount(row.receivedSinceStart.map { Double($0) }, bits: bits))
            : (amount(row.sendRate, bits: bits), amount(row.receiveRate, bits: bits))
        return [
            proto, stateName(s), endpoint(s.local, scratch), endpoint(s.peer, scratch), send, receive,
            row.retransmits.map(String.init) ?? "-", tcp ? milliseconds(s.rtt) : "-",
            tcp ? (s.congestionWindow.map(String.init) ?? "-") : "-", age(row.age), owner,
        ]
    }

    /// The state as the table shows it: netstat's names, `UNCONN` for an unconnected datagram socket.
    public static func stateName(_ s: WatchSample) -> String {
        s.netid.isDatagram && s.state == .close ? "UNCONN" : s.state.netstatName
    }

    /// The cells of a process row, in `processes` order.
    public static func cells(_ row: GroupRow) -> [String] {
        cells(row, bits: false, totals: false)
    }

    /// The cells of a group row (process or container): rates or the totals since start.
    public static func cells(_ row: GroupRow, bits: Bool, totals: Bool) -> [String] {
        let scratch = OutputBuffer(fd: nil, flushThreshold: 256)
        let first: [String]
        switch row.key {
        case .process(let pid):
            first = [pid == 0 ? "-" : String(pid), pid == 0 ? "(no owner)" : escaped(row.label, scratch)]
        case .container(let label):
            first = [label.map { escaped($0, scratch) } ?? "-"]
        }
        let (send, receive) =
            totals
            ? (amount(Double(row.sentSinceStart), bits: bits), amount(Double(row.receivedSinceStart), bits: bits))
            : (amount(row.sendRate, bits: bits), amount(row.receiveRate, bits: bits))
        return first + [
            String(row.sockets), send, receive, String(row.retransmits),
            row.maxRTT == 0 ? "-" : milliseconds(row.maxRTT), age(row.newestAge),
        ]
    }

    /// A byte count (or rate) as `rate` writes it, times 8 in bits.
    public static func amount(_ bytes: Double?, bits: Bool) -> String {
        rate(bytes.map { bits ? $0 * 8 : $0 })
    }

    // MARK: - Cells

    /// Bytes per second with three significant digits and an SI prefix: `812`, `12.3k`, `4.56M`; `-` unknown.
    public static func rate(_ value: Double?) -> String {
        guard let value, value.isFinite, value >= 0 else { return "-" }
        if value < 999.5 { return String(Int(value.rounded())) }
        var scaled = value
        var prefix = 0
        let prefixes = ["k", "M", "G", "T", "P"]
        repeat {
            scaled /= 1000
            prefix += 1
        } while scaled >= 999.5 && prefix < prefixes.count
        let decimals = scaled < 9.995 ? 2 : scaled < 99.95 ? 1 : 0
        return fixed(scaled, decimals: decimals) + prefixes[prefix - 1]
    }

    /// Parses what `rate` wrote back into bytes per second (for tests and scripts reading the table).
    public static func parseRate(_ text: some StringProtocol) -> Double? {
        let multipliers: [Character: Double] = ["k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15]
        if let last = text.last, let multiplier = multipliers[last] {
            return Double(text.dropLast()).map { $0 * multiplier }
        }
        return Double(text)
    }

    /// Microseconds as milliseconds: `0.03`, `1.23`, `45.1`, `230`.
    static func milliseconds(_ microseconds: UInt64?) -> String {
        guard let microseconds else { return "-" }
        let ms = Double(microseconds) / 1000
        return fixed(ms, decimals: ms < 10 ? 2 : ms < 100 ? 1 : 0)
    }

    /// Seconds as `42s`, `3m07s`, `2h05m`, `3d04h`.
    static func age(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        if s < 3600 { return "\(s / 60)m\(two(s % 60))s" }
        if s < 86400 { return "\(s / 3600)h\(two(s % 3600 / 60))m" }
        return "\(s / 86400)d\(two(s % 86400 / 3600))h"
    }

    static func fixed(_ value: Double, decimals: Int) -> String {
        var divisor = 1
        for _ in 0..<decimals { divisor *= 10 }
        let scaled = Int((value * Double(divisor)).rounded())
        guard decimals > 0 else { return String(scaled) }
        var fraction = String(scaled % divisor)
        while fraction.count < decimals { fraction = "0" + fraction }
        return "\(scaled / divisor).\(fraction)"
    }

    static func endpoint(_ endpoint: InetEndpoint, _ scratch: OutputBuffer) -> String {
        scratch.reset()
        scratch.append(endpoint: endpoint)
        return scratch.text
    }

    static func escaped(_ text: String, _ scratch: OutputBuffer) -> String {
        scratch.reset()
        scratch.appendEscaped(text)
        return scratch.text
    }
}
