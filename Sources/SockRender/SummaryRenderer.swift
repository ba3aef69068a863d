import SockDiag
import SockPipeline

/// Counts sockets per kind, IP family and state instead of listing them (`-s`, like `ss -s`).
///
/// The table has one row per kind (and namespace, when several are listed), the columns Total, IPv4, IPv6 and
/// one per state that occurs; `--json` writes one object per row.
public final class SummaryRenderer: SocketSink {
    struct Key: Hashable {
        var group = ""
        var netns: UInt64
        var netid: NetID
    }

    /// What `-s --by` counts per: each socket's container, systemd unit or pod (from its joined cgroup).
    public enum Group: String, Sendable, CaseIterable {
        case container, unit, pod

        var title: String {
            switch self {
            case .container: "Container"
            case .unit: "Unit"
            case .pod: "Pod"
            }
        }

        /// The row a socket counts in; `-` when its cgroup names none.
        func key(_ cgroup: CgroupInfo?) -> String {
            guard let cgroup else { return "-" }
            switch self {
            case .container: return cgroup.label
            case .unit: return cgroup.identity?.unit ?? "-"
            case .pod:
                guard let identity = cgroup.identity, let pod = identity.pod ?? identity.podUID else { return "-" }
                return identity.namespace.map { "\($0)/\(pod)" } ?? pod
            }
        }
    }

    struct Counts {
        var total = 0
        var ipv4 = 0
        var ipv6 = 0
        var states = [Int](repeating: 0, count: 16)
    }

    let out: OutputBuffer
    let json: Bool
    let namespaces: NamespaceTable?
    let group: Group?
    private var counts: [Key: Counts] = [:]

    public init(out: OutputBuffer, json: Bool, namespaces: NamespaceTable?, by group: Group? = nil) {
        self.out = out
        self.json = json
        self.namespaces = namespaces
        self.group = group
    }

    public func render(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) throws {
        let key = Key(group: group?.key(join.cgroup) ?? "", netns: record.netns, netid: record.netid)
        Self.count(record, into: &counts[key, default: Counts()])
    }

    /// One dictionary lookup per socket: the counts are updated in place.
    private static func count(_ record: borrowing SocketRecord, into counts: inout Counts) {
        counts.total += 1
        if record.netid.isInet {
            if record.family == .inet6 { counts.ipv6 += 1 } else { counts.ipv4 += 1 }
        }
        counts.states[Int(record.state.rawValue)] += 1
    }

    public func finish() throws {
        let order = Dictionary(uniqueKeysWithValues: NetID.allCases.enumerated().map { ($1, $0) })
        let keys = counts.keys.sorted {
            ($0.group, $0.netns, order[$0.netid]!) < ($1.group, $1.netns, order[$1.netid]!)
        }
        let states = SocketState.allCases.filter { state in counts.values.contains { $0.states[Int(state.rawValue)] > 0 } }
        if json {
            for key in keys { writeJSON(key, counts[key]!) }
        } else {
            writeTable(keys, states)
        }
        try out.flush()
    }

    private func writeJSON(_ key: Key, _ c: Counts) {
        out.append("{\"netid\":\"")
        out.append(key.netid.rawValue)
        out.append(0x22)
        if let group {
            out.append(",\"")
            out.append(group.rawValue)
            out.append("\":")
            out.appendJSONString(key.group)
        }
        if let namespaces { out.appendJSON(netns: key.netns, from: namespaces) }
        out.append(",\"total\":", decimal: c.total)
        if key.netid.isInet {
            out.append(",\"ipv4\":", decimal: c.ipv4)
            out.append(",\"ipv6\":", decimal: c.ipv6)
        }
        out.append(",\"states\":{")
        var first = true
        for state in SocketState.allCases where c.states[Int(state.rawValue)] > 0 {
            out.append(first ? "\"" : ",\"")
            first = false
            out.append(state.name)
            out.append("\":", decimal: c.states[Int(state.rawValue)])
        }
        out.append("}}\n")
    }

    private func writeTable(_ keys: [Key], _ states: [SocketState]) {
        var header: [String] = group.map { [$0.title] } ?? []
        header += namespaces != nil ? ["NETNS"] : []
        header += ["Netid", "Total", "IPv4", "IPv6"] + states.map(\.name)
        var rows: [[String]] = []
        var total = Counts()
        for key in keys {
            let c = counts[key]!
            var row: [String] = []
            if group != nil {
                let cell = OutputBuffer(fd: nil)
                cell.appendEscaped(key.group)
                row.append(cell.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            }
            if let namespaces {
                let cell = OutputBuffer(fd: nil)
                cell.append(netns: key.netns, from: namespaces)
                row.append(cell.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            }
            row += [key.netid.rawValue, String(c.total)]
            row += key.netid.isInet ? [String(c.ipv4), String(c.ipv6)] : ["-", "-"]
            row += states.map { String(c.states[Int($0.rawValue)]) }
            rows.append(row)
            total.total += c.total
            total.ipv4 += c.ipv4
            total.ipv6 += c.ipv6
            for i in 0..<total.states.count { total.states[i] += c.states[i] }
        }
        var last: [String] = group != nil ? [""] : []
        last += namespaces != nil ? [""] : []
        last += ["total", String(total.total), String(total.ipv4), String(total.ipv6)]
        last += states.map { String(total.states[Int($0.rawValue)]) }
        rows.append(last)
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].utf8.count }.max()! }
        let textColumns = 1 + (namespaces != nil ? 1 : 0) + (group != nil ? 1 : 0)
        for row in [header] + rows {
            for (c, cell) in row.enumerated() {
                let pad = widths[c] - cell.utf8.count
                if c >= textColumns { out.appendSpaces(pad) }
                out.append(cell)
                if c < textColumns && c < row.count - 1 { out.appendSpaces(pad) }
                if c < row.count - 1 { out.append("  ") }
            }
            out.append(0x0A)
        }
    }
}
