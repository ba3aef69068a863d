import Glibc

/// The raw, ICMP and packet sockets of sockwatch's namespace as `/proc/net/raw`, `raw6`, `icmp` and `packet`
/// list them, by inode: what lsof reads to describe such a descriptor (sock_diag's dump of them is not
/// needed for a listing of files).
public struct ProcNetSockets: Sendable {
    /// One socket's line.
    public enum Line: Sendable, Equatable {
        /// `raw` or `raw6` (`ipv6`), with the addresses and state as the file prints them (`00000000:0001`,
        /// `07`).
        case raw(ipv6: Bool, local: String, remote: String, state: String)
        /// An ICMP ("ping") socket.
        case icmp(local: String, remote: String)
        /// A packet socket: its `SOCK_*` type and its protocol (`ETH_P_*`, host order).
        case packet(type: Int, protocolNumber: Int)
    }

    private var lines: [UInt64: Line] = [:]

    public init(netRoot: String = "/proc/self/net") {
        for (file, ipv6) in [("raw", false), ("raw6", true), ("icmp", false)] {
            guard let bytes = try? WholeFile.read("\(netRoot)/\(file)") else { continue }
            // `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`
            for line in bytes.split(separator: 0x0A).dropFirst() {
                let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
                guard fields.count > 9, let inode = UInt64(Self.text(fields[9])), inode != 0 else { continue }
                let local = Self.text(fields[1])
                let remote = Self.text(fields[2])
                lines[inode] =
                    file == "icmp"
                    ? .icmp(local: local, remote: remote)
                    : .raw(ipv6: ipv6, local: local, remote: remote, state: Self.text(fields[3]))
            }
        }
        if let bytes = try? WholeFile.read("\(netRoot)/packet") {
            // `sk RefCnt Type Proto Iface R Rmem User Inode`
            for line in bytes.split(separator: 0x0A).dropFirst() {
                let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
                guard fields.count > 8, let inode = UInt64(Self.text(fields[8])), inode != 0,
                    let type = Int(Self.text(fields[2])), let number = Int(Self.text(fields[3]), radix: 16)
                else { continue }
                lines[inode] = .packet(type: type, protocolNumber: number)
            }
        }
    }

    private static func text(_ field: ArraySlice<UInt8>) -> String { String(decoding: field, as: UTF8.self) }

    /// The line of the socket with `inode`, or nil.
    public func line(inode: UInt64) -> Line? { lines[inode] }
}
