import SockPipeline

/// One group of sockets in an aggregated view (`p`: per process, `c`: per container): the sum of its sockets'
/// rates and totals.
///
/// Rows are grouped by a key function over a `WatchRow` (`aggregate(_:by:)`); `byProcess` and `byContainer`
/// are the two the view offers. A socket shared by several processes counts once, for its first holder (the
/// lowest pid), so the rows add up to the host's total. Sockets without a known owner (or container) are
/// gathered in one row.
public struct GroupRow: Sendable {
    /// What a group is: a process (pid 0 for sockets without an owner) or a container label (nil: none known).
    public enum Key: Hashable, Sendable {
        case process(Int32)
        case container(String?)
    }

    public var key: Key
    /// `/proc/PID/comm` or the container label, raw; empty for the row of sockets without one.
    public var label: String
    public var sockets: Int
    public var sendRate: Double
    public var receiveRate: Double
    public var retransmits: UInt64
    /// The largest smoothed rtt of its TCP sockets, in microseconds (the rtt sort's key).
    public var maxRTT: UInt64
    /// The age of its newest socket, in seconds (the age sort's key).
    public var newestAge: Double
    /// Bytes acknowledged and received by its sockets since this run first saw them.
    public var sentSinceStart: UInt64 = 0
    public var receivedSinceStart: UInt64 = 0

    public var totalRate: Double { sendRate + receiveRate }

    /// The pid of a process group; 0 for the ownerless row and for containers.
    public var pid: Int32 {
        if case .process(let pid) = key { return pid }
        return 0
    }

    /// The raw comm of a process group (what `--by-process` JSON calls `comm`).
    public var command: String { label }

    /// Groups `rows` by `key`, which names each row's group and that group's label.
    public static func aggregate(_ rows: [WatchRow], by key: (WatchRow) -> (Key, String)) -> [GroupRow] {
        var groups: [Key: GroupRow] = [:]
        for row in rows {
            let (k, label) = key(row)
            var group =
                groups[k]
                ?? GroupRow(
                    key: k, label: label, sockets: 0, sendRate: 0, receiveRate: 0, retransmits: 0, maxRTT: 0,
                    newestAge: row.age)
            group.sockets += 1
            group.sendRate += row.sendRate ?? 0
            group.receiveRate += row.receiveRate ?? 0
            group.retransmits += row.retransmits ?? 0
            group.maxRTT = max(group.maxRTT, row.sample.rtt ?? 0)
            group.newestAge = min(group.newestAge, row.age)
            group.sentSinceStart += row.sentSinceStart ?? 0
            group.receivedSinceStart += row.receivedSinceStart ?? 0
            groups[k] = group
        }
        return Array(groups.values)
    }

    /// One group per process, by each socket's first holder.
    public static func byProcess(_ rows: [WatchRow]) -> [GroupRow] {
        aggregate(rows) { row in
            let holder = row.sample.holders.first
            return (.process(holder?.pid ?? 0), holder?.command ?? "")
        }
    }

    /// One group per container, by `WatchRow.containerLabel`.
    public static func byContainer(_ rows: [WatchRow]) -> [GroupRow] {
        aggregate(rows) { row in (.container(row.containerLabel), row.containerLabel ?? "") }
    }
}
