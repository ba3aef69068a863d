import ProcIndex
import SockDiag

/// Renders NDJSON: one object per socket, one socket per line, written as it is decoded.
///
/// The schema is documented in README.md ("JSON output").
public final class JSONRenderer: SocketRenderer {
    let out: OutputBuffer
    let options: RenderOptions

    public init(out: OutputBuffer, options: RenderOptions) {
        self.out = out
        self.options = options
    }

    public func render(_ record: borrowing SocketRecord, owners: ProcessIndex?) throws {
        out.append("{\"netid\":\"")
        out.append(record.netid.rawValue)
        out.append(record.family == .inet ? "\",\"family\":\"inet\",\"state\":\"" : "\",\"family\":\"inet6\",\"state\":\"")
        out.append(record.state.name)
        out.append("\",\"recv_q\":")
        out.append(decimal: UInt64(record.recvQ))
        out.append(",\"send_q\":")
        out.append(decimal: UInt64(record.sendQ))
        out.append(0x2C)
        out.appendJSONEndpoints(record)
        out.append(",\"uid\":")
        out.append(decimal: UInt64(record.uid))
        out.append(",\"inode\":")
        out.append(decimal: UInt64(record.inode))
        out.append(",\"cookie\":")
        out.append(decimal: record.cookie)
        if options.processes {
            out.append(",\"processes\":[")
            var first = true
            owners?.forEachHolder(of: UInt64(record.inode)) { holder in
                out.appendJSONHolder(holder, first: first)
                first = false
            }
            out.append(0x5D)
        }
        if let table = options.socketOptions {
            if let set = table.byInode[record.inode] {
                out.append(",\"sockopts\":{")
                for (i, option) in set.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    out.appendJSONString(option.name)
                    out.append(0x3A)
                    if let value = option.value {
                        if let number = Int64(value) { out.append(decimal: number) } else { out.appendJSONString(value) }
                    } else {
                        out.append("true")
                    }
                }
                out.append(0x7D)
            } else if let reason = table.unavailable[record.inode] {
                out.append(",\"sockopts_unavailable\":")
                out.appendJSONString(reason)
            }
        }
        if let cong = record.congestion {
            out.append(",\"cong\":")
            out.appendJSONString(cong)
        }
        if options.timers {
            out.append(",\"timer\":{\"name\":\"")
            out.append(record.timer.kind.name)
            out.append("\",\"expires_ms\":")
            out.append(decimal: UInt64(record.timer.expiresMilliseconds))
            out.append(",\"retrans\":")
            out.append(decimal: UInt64(record.timer.retransmits))
            out.append(0x7D)
        }
        if options.info, let info = record.tcpInfo {
            out.append(0x2C)
            out.appendJSONTCPInfo(info)
        }
        if options.memory, let mem = record.skMemInfo {
            out.append(",\"skmem\":{")
            for (i, counter) in SkMemInfo.counters.enumerated() {
                guard let value = mem[i] else { break }
                out.append(i == 0 ? "\"" : ",\"")
                out.append(counter.name)
                out.append("\":")
                out.append(decimal: UInt64(value))
            }
            out.append(0x7D)
        }
        out.append("}\n")
        try out.flushIfFull()
    }

    public func finish() throws {
        try out.flush()
    }
}
