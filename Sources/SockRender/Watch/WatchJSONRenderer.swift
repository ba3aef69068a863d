import SockPipeline
import SockDiag

/// Writes `watch --json`: one object per socket (or per process, `--by-process`) per interval, NDJSON.
///
/// Rates are bytes per second over the interval, rounded; they are absent on a socket's first interval and
/// for UDP. `rtt` is in microseconds, as in `tcp_info`; `age` in seconds since the run first saw the socket.
public final class WatchJSONRenderer {
    let out: OutputBuffer
    let view: WatchView

    public init(out: OutputBuffer, view: WatchView) {
        self.out = out
        self.view = view
    }

    public func render(interval number: Int, _ rows: [WatchRow]) throws {
        if view.byProcess {
            var processes = GroupRow.byProcess(rows)
            view.sort.sort(&processes)
            for process in processes { append(process, interval: number) }
        } else {
            let order = view.sort.order(rows)
            try rows.withUnsafeBufferPointer { rows in
                for index in order {
                    // Through a pointer: the row's fields are read where they are, the row is not copied.
                    append(rows.baseAddress! + Int(index), interval: number)
                    try out.flushIfFull()
                }
            }
        }
        try out.flush()
    }

    private func append(_ row: UnsafePointer<WatchRow>, interval: Int) {
        out.append("{\"interval\":", decimal: interval)
        out.append(",\"netid\":\"")
        out.append(row.pointee.sample.netid.rawValue)
        out.append(row.pointee.sample.family == .inet ? "\",\"family\":\"inet\",\"state\":\"" : "\",\"family\":\"inet6\",\"state\":\"")
        out.append(row.pointee.sample.state.name)
        out.append("\",\"local_addr\":\"")
        out.append(address: row.pointee.sample.local.address)
        out.append("\",\"local_port\":", decimal: UInt64(row.pointee.sample.local.port))
        out.append(",\"peer_addr\":\"")
        out.append(address: row.pointee.sample.peer.address)
        out.append("\",\"peer_port\":", decimal: UInt64(row.pointee.sample.peer.port))
        out.append(",\"inode\":", decimal: UInt64(row.pointee.sample.inode))
        out.append(",\"cookie\":", decimal: row.pointee.sample.cookie)
        out.append(",\"age\":")
        out.append(fixed: UInt64(max(0, row.pointee.age) * 1000), scale: 3)
        number("send_rate", row.pointee.sendRate.map { UInt64($0.rounded()) })
        number("recv_rate", row.pointee.receiveRate.map { UInt64($0.rounded()) })
        number("retrans", row.pointee.retransmits)
        number("total_retrans", row.pointee.sample.totalRetransmits)
        number("bytes_acked", row.pointee.sample.bytesAcked)
        number("bytes_received", row.pointee.sample.bytesReceived)
        number("rtt", row.pointee.sample.rtt)
        number("cwnd", row.pointee.sample.congestionWindow)
        out.append(",\"processes\":[")
        var first = true
        row.pointee.sample.forEachHolder { holder in
            out.appendJSONHolder(holder, first: first)
            first = false
        }
        out.append("],\"container\":")
        if let label = row.pointee.containerLabel { out.appendJSONString(label) } else { out.append("null") }
        out.append("}\n")
    }

    private func append(_ row: GroupRow, interval: Int) {
        out.append("{\"interval\":", decimal: interval)
        out.append(",\"pid\":", decimal: row.pid)
        out.append(",\"comm\":")
        if row.pid == 0 { out.append("null") } else { out.appendJSONString(row.command) }
        out.append(",\"sockets\":", decimal: row.sockets)
        number("send_rate", UInt64(row.sendRate.rounded()))
        number("recv_rate", UInt64(row.receiveRate.rounded()))
        number("retrans", row.retransmits)
        out.append("}\n")
    }

    private func number(_ key: StaticString, _ value: UInt64?) {
        guard let value else { return }
        out.append(",\"")
        out.append(key)
        out.append("\":", decimal: value)
    }
}
