import SockFuzz
@testable import SockDiag

// Decoding what the tests build with SockFuzz's builders.

/// Walks `bytes` and decodes each `SOCK_DIAG_BY_FAMILY` message as `netids[i]` (the last netid repeats).
func decodeBatch(
    _ bytes: [UInt8], sequence: UInt32? = nil, netids: [NetID] = [.tcp]
) throws -> (outcome: NetlinkBatch.Outcome, records: [SocketRecord?]) {
    var records: [SocketRecord?] = []
    let outcome = try bytes.withUnsafeBytes { raw in
        try NetlinkBatch.walk(raw, sequence: sequence) { message in
            guard message.type == Wire.sockDiagByFamily else { return }
            let netid = netids[min(records.count, netids.count - 1)]
            records.append(try InetDiagDecoder.decode(message.payload, netid: netid))
        }
    }
    return (outcome, records)
}

/// Decodes one `inet_diag_msg` payload (no `nlmsghdr`).
func decodeOne(_ message: InetDiagMessage, netid: NetID = .tcp) throws -> SocketRecord? {
    try message.encoded().withUnsafeBytes { try InetDiagDecoder.decode($0, netid: netid) }
}

/// Whether `error` is `DiagError.malformed`.
func isMalformed(_ error: any Error) -> Bool {
    if case .malformed = error as? DiagError { return true }
    return false
}
