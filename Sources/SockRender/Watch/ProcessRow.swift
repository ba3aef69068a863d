import SockPipeline

/// One process in the per-process view: the sum of the rates of the sockets it holds.
///
/// A socket shared by several processes counts once, for its first holder (the lowest pid), so the rows add up
/// to the host's total. Sockets without a known owner are gathered in one row with pid 0.
public struct ProcessRow: Sendable {
    public var pid: Int32
    /// `/proc/PID/comm`, raw; empty for the row of sockets without an owner.
    public var command: String
    public var sockets: Int
    public var sendRate: Double
    public var receiveRate: Double
    public var retransmits: UInt64
    /// The largest smoothed rtt of its TCP sockets, in microseconds (the rtt sort's key).
    public var maxRTT: UInt64
    /// The age of its newest socket, in seconds (the age sort's key).
    public var newestAge: Double

    public var totalRate: Double { sendRate + receiveRate }

    /// Groups `rows` by their first holder.
    public static func aggregate(_ rows: [WatchRow]) -> [ProcessRow] {
        var byPID: [Int32: ProcessRow] = [:]
        for row in rows {
            let holder = row.sample.holders.first
            let pid = holder?.pid ?? 0
            var process =
                byPID[pid]
                ?? ProcessRow(
                    pid: pid, command: holder?.command ?? "", sockets: 0, sendRate: 0, receiveRate: 0,
                    retransmits: 0, maxRTT: 0, newestAge: row.age)
            process.sockets += 1
            process.sendRate += row.sendRate ?? 0
            process.receiveRate += row.receiveRate ?? 0
            process.retransmits += row.retransmits ?? 0
            process.maxRTT = max(process.maxRTT, row.sample.rtt ?? 0)
            process.newestAge = min(process.newestAge, row.age)
            byPID[pid] = process
        }
        return Array(byPID.values)
    }
}
