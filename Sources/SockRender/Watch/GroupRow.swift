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

    /// Adds one socket's rates and totals.
    @inline(__always)
    mutating func add(_ row: WatchRow) {
        sockets += 1
        sendRate += row.sendRate ?? 0
        receiveRate += row.receiveRate ?? 0
        retransmits += row.retransmits ?? 0
        maxRTT = max(maxRTT, row.sample.rtt ?? 0)
        newestAge = min(newestAge, row.age)
        sentSinceStart += row.sentSinceStart ?? 0
        receivedSinceStart += row.receivedSinceStart ?? 0
    }

    /// Groups `rows` by `key`, which names each row's group and that group's label.
    public static func aggregate(_ rows: [WatchRow], by key: (WatchRow) -> (Key, String)) -> [GroupRow] {
        var slots: [Key: Int] = [:]
        var groups: [GroupRow] = []
        for row in rows {
            let (k, label) = key(row)
            let slot = slots[k] ?? {
                groups.append(GroupRow(key: k, label: label, age: row.age))
                slots[k] = groups.count - 1
                return groups.count - 1
            }()
            groups[slot].add(row)
        }
        return groups
    }

    /// One group per process, by each socket's first holder: the groups found by pid, no string per row.
    public static func byProcess(_ rows: [WatchRow]) -> [GroupRow] {
        var slots: [Int32: Int] = [:]
        var groups: [GroupRow] = []
        for row in rows {
            let pid = row.sample.owner?.pid ?? 0
            let slot = slots[pid] ?? {
                groups.append(GroupRow(key: .process(pid), label: row.sample.owner?.command ?? "", age: row.age))
                slots[pid] = groups.count - 1
                return groups.count - 1
            }()
            groups[slot].add(row)
        }
        return groups
    }

    /// One group per container, by `WatchRow.containerLabel`: each cgroup's group is found once by its label,
    /// then by the cgroup object itself (no string hashed per row).
    public static func byContainer(_ rows: [WatchRow]) -> [GroupRow] {
        var byLabel: [String?: Int] = [:]
        var byCgroup: [ObjectIdentifier: Int] = [:]
        var last: (cgroup: ObjectIdentifier, slot: Int)?
        var groups: [GroupRow] = []
        func group(_ row: WatchRow) -> Int {
            let label = row.containerLabel
            if let slot = byLabel[label] { return slot }
            groups.append(GroupRow(key: .container(label), label: label ?? "", age: row.age))
            byLabel[label] = groups.count - 1
            return groups.count - 1
        }
        for row in rows {
            let slot: Int
            if let cgroup = row.sample.cgroup {
                let id = ObjectIdentifier(cgroup)
                if let last, last.cgroup == id {
                    slot = last.slot
                } else if let found = byCgroup[id] {
                    slot = found
                } else {
                    slot = group(row)
                    byCgroup[id] = slot
                }
                last = (id, slot)
            } else {
                slot = group(row)
            }
            groups[slot].add(row)
        }
        return groups
    }
}

extension GroupRow {
    /// An empty group of `key`, its newest age starting at `age`.
    init(key: Key, label: String, age: Double) {
        self.init(
            key: key, label: label, sockets: 0, sendRate: 0, receiveRate: 0, retransmits: 0, maxRTT: 0, newestAge: age)
    }
}
