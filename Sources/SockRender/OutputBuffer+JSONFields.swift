import SockPipeline
import SockDiag

/// JSON members shared by the NDJSON listing and the event stream, so both spell a socket the same way.
extension OutputBuffer {
    /// Appends `"local_addr":"…","local_port":N,"peer_addr":"…","peer_port":N` (no leading comma).
    @inline(__always)
    public func appendJSONEndpoints(_ record: borrowing SocketRecord) {
        append("\"local_addr\":\"")
        append(address: record.local.address)
        append("\",\"local_port\":", decimal: UInt64(record.local.port))
        append(",\"peer_addr\":\"")
        append(address: record.peer.address)
        append("\",\"peer_port\":", decimal: UInt64(record.peer.port))
    }

    /// Appends one holder as `{"pid":…,"fd":…,"comm":"…"}`, after a comma unless it is the first.
    @inline(__always)
    public func appendJSONHolder(_ holder: SocketHolder, first: Bool) {
        append(first ? "{\"pid\":" : ",{\"pid\":")
        append(decimal: holder.pid)
        append(",\"fd\":", decimal: holder.fd)
        append(",\"comm\":")
        appendJSONString(holder.command)
        appendJSONRawBytes(key: "comm", of: holder.command)
        append(0x7D)
    }

    /// Appends `"tcp_info":{…}` with every field the kernel sent, by its kernel name (no leading comma).
    public func appendJSONTCPInfo(_ info: borrowing TCPInfo) {
        append("\"tcp_info\":{")
        var first = true
        for field in TCPInfo.fields {
            guard let value = info[field] else { continue }
            append(first ? "\"" : ",\"")
            first = false
            append(field.name)
            append("\":", decimal: value)
        }
        append(0x7D)
    }
}
