import Glibc
import SystemPackage

/// Reads raw IP sockets from `/proc/net/raw` and `/proc/net/raw6`, for kernels without `raw_diag` (as ss does).
///
/// The kernel writes one line per socket (`raw_seq_show`): `sl local rem st tx_queue:rx_queue tr:when retrnsmt
/// uid timeout inode ref pointer drops`, addresses as the in-memory 32-bit words in hex and the "port" being the
/// IP protocol. Records get the same shape as raw_diag's, without a cookie.
public enum ProcNetRaw {
    /// Reads the table of `family` from `fd` (an open `/proc/.../net/raw` or `raw6`) and calls `body` for each
    /// socket whose state is in `states`.
    public static func read(
        fd: FileDescriptor, family: IPAddress.Family, states: StateSet, _ body: (borrowing SocketRecord) throws -> Void
    ) throws {
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            if n == 0 { break }
            text.append(contentsOf: chunk[0..<n])
        }
        var lines = text.split(separator: 0x0A).makeIterator()
        _ = lines.next()  // the header
        while let line = lines.next() {
            if let record = parse(line, family: family), states.contains(record.state) { try body(record) }
        }
    }

    /// Parses one line; nil when it does not have the kernel's shape.
    static func parse(_ line: ArraySlice<UInt8>, family: IPAddress.Family) -> SocketRecord? {
        let fields = line.split(separator: 0x20)
        guard fields.count >= 10,
            let local = endpoint(fields[1], family: family), let peer = endpoint(fields[2], family: family),
            let stateNumber = UInt8(ascii: fields[3], radix: 16), let state = SocketState(rawValue: stateNumber)
        else { return nil }
        let queues = fields[4].split(separator: 0x3A)
        guard queues.count == 2, let tx = UInt32(ascii: queues[0], radix: 16), let rx = UInt32(ascii: queues[1], radix: 16),
            let uid = UInt32(ascii: fields[7], radix: 10), let inode = UInt32(ascii: fields[9], radix: 10)
        else { return nil }
        return SocketRecord(
            netid: .raw, family: family, state: state, local: local, peer: peer,
            recvQ: rx, sendQ: tx, uid: uid, inode: inode)
    }

    /// `0100007F:0001` (IPv4) or 32 hex digits and a port (IPv6).
    static func endpoint(_ text: ArraySlice<UInt8>, family: IPAddress.Family) -> InetEndpoint? {
        let parts = text.split(separator: 0x3A)
        let digits = family == .inet ? 8 : 32
        guard parts.count == 2, parts[0].count == digits, let port = UInt16(ascii: parts[1], radix: 16) else { return nil }
        var words: [UInt64] = []
        var i = parts[0].startIndex
        while i < parts[0].endIndex {
            guard let word = UInt32(ascii: parts[0][i..<(i + 8)], radix: 16) else { return nil }
            words.append(UInt64(word))
            i += 8
        }
        // Each word is printed as the host-order value of 4 bytes in network order: little-endian memory again.
        let address =
            family == .inet
            ? IPAddress(family: .inet, high: words[0], low: 0)
            : IPAddress(family: .inet6, high: words[0] | words[1] << 32, low: words[2] | words[3] << 32)
        return InetEndpoint(address: address, port: port)
    }
}

extension FixedWidthInteger {
    /// Parses ASCII digits in `radix`; nil for anything else or an overflow.
    init?(ascii digits: ArraySlice<UInt8>, radix: Int) {
        guard !digits.isEmpty else { return nil }
        var value: Self = 0
        for byte in digits {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x41...0x46: digit = Int(byte - 0x41 + 10)
            case 0x61...0x66: digit = Int(byte - 0x61 + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: Self(radix))
            let (sum, o2) = shifted.addingReportingOverflow(Self(digit))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        self = value
    }
}
