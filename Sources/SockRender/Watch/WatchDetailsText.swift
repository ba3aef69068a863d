import SockDiag
import SockPipeline

/// The lines of the live view's details screen (`Enter`) and of its help (`?`).
public enum WatchDetailsText {
    /// The details of one socket, each line at most `width` characters (long lists are wrapped).
    public static func lines(_ details: WatchDetails, view: WatchView, width: Int) -> [String] {
        let row = details.row
        let s = row.sample
        let scratch = OutputBuffer(fd: nil, flushThreshold: 256)
        let cells = WatchColumns.cells(row, bits: view.bits, totals: false)
        let unit = view.bits ? "b/s" : "/s"
        var lines = [
            "\(cells[0]) \(cells[1])  \(cells[2]) -> \(cells[3])  cookie \(s.cookie)  inode \(s.inode)",
            "rate  send \(cells[4])\(unit)  recv \(cells[5])\(unit)  retr \(cells[6])  rtt \(cells[7]) ms  "
                + "cwnd \(cells[8])  age \(cells[9])",
            "since start  sent \(WatchColumns.amount(row.sentSinceStart.map { Double($0) }, bits: view.bits))  "
                + "received \(WatchColumns.amount(row.receivedSinceStart.map { Double($0) }, bits: view.bits))",
            "container  \(row.containerLabel.map { WatchColumns.escaped($0, scratch) } ?? "-")",
            "owners",
        ]
        if details.owners.isEmpty { lines.append("  - (no owner found)") }
        for owner in details.owners {
            let command = WatchColumns.escaped(owner.holder.command, scratch)
            let line = WatchColumns.escaped(owner.commandLine, scratch)
            lines.append("  \(owner.holder.pid)/\(command)  fd \(owner.holder.fd)  \(line)")
        }
        lines.append("socket options")
        switch details.options {
        case .options(let options)?:
            let words = options.map { WatchColumns.escaped($0.text, scratch) }
            lines += wrap(words.isEmpty ? ["(none set)"] : words, width: width, indent: "  ")
        case .unavailable(let reason)?:
            lines.append("  unavailable: \(reason)")
        case nil:
            lines.append("  - (no owner to read them through)")
        }
        lines.append("tcp_info")
        if let info = details.tcpInfo {
            let words = TCPInfo.fields.compactMap { field in info[field].map { "\(field.name):\($0)" } }
            lines += wrap(words, width: width, indent: "  ")
        } else {
            lines.append("  - (none: not TCP, or the kernel sent none)")
        }
        return lines
    }

    /// Every key of the live view, one per line.
    public static let help: [String] = [
        "Keys",
        "  Up/Down, j/k      move the selection one row",
        "  PgUp/PgDn         move it one page",
        "  Home/End, g/G     first / last row",
        "  Enter             details of the socket: tcp_info, owners, options; Esc back",
        "  /                 filter: an ss expression (dport = :443) or a process name;",
        "                    empty: no filter; a bad one keeps the old; Esc cancels",
        "  s                 cycle the sort: rate, rtt, retrans, age",
        "  p                 one row per process (again: per socket)",
        "  c                 one row per container (again: per socket)",
        "  b                 bits or bytes",
        "  t                 rates of the interval or totals since start",
        "  space             pause (sampling goes on; the screen holds still)",
        "  ?                 this help (any key closes it)",
        "  q, Ctrl-C         quit",
    ]

    /// `words` joined by spaces into lines of at most `width` characters, each starting with `indent`.
    static func wrap(_ words: [String], width: Int, indent: String) -> [String] {
        var lines: [String] = []
        var line = indent
        for word in words {
            if line.count > indent.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        if line.count > indent.count { lines.append(line) }
        return lines
    }
}
