import Glibc
import SockFuzz
@testable import SockDiag

// Synthetic netlink datagrams in the kernel's layout (host byte order, 4-byte alignment), written byte by byte
// from the offsets in <linux/netlink.h> and <linux/inet_diag.h>, not from the structs the decoder imports.

// MARK: - Bytes

extension Array where Element == UInt8 {
    /// Appends `value` in host byte order, as the kernel writes netlink fields.
    mutating func append<T: FixedWidthInteger>(native value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Overwrites the bytes at `offset` with `value` in host byte order.
    mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value) { replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }

    /// Pads with zeros to a multiple of 4 (`NLMSG_ALIGN`, `NLA_ALIGN`).
    mutating func padTo4() {
        while count % 4 != 0 { append(0) }
    }
}

/// The kernel's constants, spelled out so the tests do not depend on the decoder's imports.
enum Netlink {
    static let noop: UInt16 = 1       // NLMSG_NOOP
    static let error: UInt16 = 2      // NLMSG_ERROR
    static let done: UInt16 = 3       // NLMSG_DONE
    static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY
    static let multi: UInt16 = 0x2    // NLM_F_MULTI
    static let dumpInterrupted: UInt16 = 0x10  // NLM_F_DUMP_INTR
    static let headerSize = 16
}

/// `INET_DIAG_*` attribute types.
enum Attr {
    static let memInfo: UInt16 = 1
    static let info: UInt16 = 2
    static let cong: UInt16 = 4
    static let tos: UInt16 = 5
    static let tclass: UInt16 = 6
    static let skMemInfo: UInt16 = 7
    static let shutdown: UInt16 = 8
    static let v6only: UInt16 = 11
    static let mark: UInt16 = 15
    static let cgroupID: UInt16 = 21
    static let sockopt: UInt16 = 22
}

// MARK: - Messages

/// One netlink datagram under construction.
struct MessageBuilder {
    private(set) var bytes: [UInt8] = []

    /// Appends one message; `length` overrides `nlmsg_len` (for malformed input).
    mutating func message(
        type: UInt16, flags: UInt16 = Netlink.multi, sequence: UInt32 = 7, portID: UInt32 = 4242,
        payload: [UInt8], length: UInt32? = nil
    ) {
        bytes.append(native: length ?? UInt32(Netlink.headerSize + payload.count))
        bytes.append(native: type)
        bytes.append(native: flags)
        bytes.append(native: sequence)
        bytes.append(native: portID)
        bytes.append(contentsOf: payload)
        bytes.padTo4()
    }

    /// Appends a `SOCK_DIAG_BY_FAMILY` message carrying `socket`.
    mutating func socket(_ socket: DiagMessage, flags: UInt16 = Netlink.multi, sequence: UInt32 = 7) {
        message(type: Netlink.sockDiagByFamily, flags: flags, sequence: sequence, payload: socket.encoded())
    }

    /// Appends `NLMSG_DONE` with its `int` error code.
    mutating func done(code: Int32 = 0, sequence: UInt32 = 7) {
        var payload: [UInt8] = []
        payload.append(native: code)
        message(type: Netlink.done, sequence: sequence, payload: payload)
    }

    /// Appends `NLMSG_ERROR`: `struct nlmsgerr` is the error code and the offending request's header.
    mutating func error(code: Int32, sequence: UInt32 = 7) {
        var payload: [UInt8] = []
        payload.append(native: code)
        payload.append(contentsOf: [UInt8](repeating: 0, count: Netlink.headerSize))
        message(type: Netlink.error, flags: 0, sequence: sequence, payload: payload)
    }
}

/// The fields of one `inet_diag_msg` (72 bytes) and the attributes after it.
struct DiagMessage {
    var family: UInt8 = 2  // AF_INET
    var state: UInt8 = 1   // TCP_ESTABLISHED
    var timer: UInt8 = 0
    var retrans: UInt8 = 0
    /// Host order here; written in network byte order as the kernel does.
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    var source = [UInt8](repeating: 0, count: 16)
    var destination = [UInt8](repeating: 0, count: 16)
    var interface: UInt32 = 0
    var cookie: UInt64 = 0
    var expires: UInt32 = 0
    var rqueue: UInt32 = 0
    var wqueue: UInt32 = 0
    var uid: UInt32 = 0
    var inode: UInt32 = 0
    /// `(type, payload, nla_len override)`.
    var attributes: [(type: UInt16, payload: [UInt8], length: UInt16?)] = []

    mutating func attribute(_ type: UInt16, _ payload: [UInt8], length: UInt16? = nil) {
        attributes.append((type, payload, length))
    }

    mutating func attribute<T: FixedWidthInteger>(_ type: UInt16, native value: T) {
        var payload: [UInt8] = []
        payload.append(native: value)
        attribute(type, payload)
    }

    /// The payload after `nlmsghdr`: the 72-byte struct, then each `nlattr` padded to 4.
    func encoded() -> [UInt8] {
        var out: [UInt8] = [family, state, timer, retrans]
        out.append(native: sourcePort.bigEndian)       // offset 4
        out.append(native: destinationPort.bigEndian)  // offset 6
        out.append(contentsOf: source.prefix(16))      // offset 8
        out.append(contentsOf: destination.prefix(16)) // offset 24
        out.append(native: interface)                  // offset 40
        out.append(native: UInt32(truncatingIfNeeded: cookie))        // idiag_cookie[0], offset 44
        out.append(native: UInt32(truncatingIfNeeded: cookie >> 32))  // idiag_cookie[1]
        for field in [expires, rqueue, wqueue, uid, inode] { out.append(native: field) }  // offsets 52...68
        precondition(out.count == 72)
        for (type, payload, length) in attributes {
            out.append(native: length ?? UInt16(4 + payload.count))
            out.append(native: type)
            out.append(contentsOf: payload)
            out.padTo4()
        }
        return out
    }
}

/// Parses a numeric address into the 16 bytes `inet_diag_sockid` holds (IPv4 in the first 4).
func addressBytes(_ text: String) -> [UInt8] {
    var raw = [UInt8](repeating: 0, count: 16)
    let family = text.contains(":") ? AF_INET6 : AF_INET
    let ok = raw.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
    precondition(ok == 1, "bad test address \(text)")
    return raw
}

// MARK: - tcp_info

/// A `tcp_info` of `length` bytes with known values at the header's offsets (SockFuzz's seed, shared).
func tcpInfoBytes(length: Int) -> [UInt8] { SeedCorpus.tcpInfoBytes(length: length) }

// MARK: - Decoding

/// Walks `bytes` and decodes each `SOCK_DIAG_BY_FAMILY` message as `netids[i]` (the last netid repeats).
func decodeBatch(
    _ bytes: [UInt8], sequence: UInt32? = nil, netids: [NetID] = [.tcp]
) throws -> (outcome: NetlinkBatch.Outcome, records: [SocketRecord?]) {
    var records: [SocketRecord?] = []
    let outcome = try bytes.withUnsafeBytes { raw in
        try NetlinkBatch.walk(raw, sequence: sequence) { message in
            guard message.type == Netlink.sockDiagByFamily else { return }
            let netid = netids[min(records.count, netids.count - 1)]
            records.append(try InetDiagDecoder.decode(message.payload, netid: netid))
        }
    }
    return (outcome, records)
}

/// Decodes one `inet_diag_msg` payload (no `nlmsghdr`).
func decodeOne(_ message: DiagMessage, netid: NetID = .tcp) throws -> SocketRecord? {
    try message.encoded().withUnsafeBytes { try InetDiagDecoder.decode($0, netid: netid) }
}

/// Whether `error` is `DiagError.malformed`.
func isMalformed(_ error: any Error) -> Bool {
    if case .malformed = error as? DiagError { return true }
    return false
}
