import Glibc

/// `/proc/net/netlink` of sockwatch's network namespace: each netlink socket's protocol (the `Eth` column), by
/// inode, as lsof reads it to name a netlink descriptor (`ROUTE`, `KOBJECT_UEVENT`…).
public struct ProcNetNetlink: Sendable {
    private var protocols: [UInt64: Int32] = [:]

    public init(path: String = "/proc/self/net/netlink") {
        guard let bytes = try? WholeFile.read(path) else { return }
        // `sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`
        for line in bytes.split(separator: 0x0A).dropFirst() {
            let fields = line.split(separator: 0x20)
            guard fields.count >= 10, let proto = Int32(String(decoding: fields[1], as: UTF8.self)),
                let inode = UInt64(String(decoding: fields[9], as: UTF8.self)), inode != 0
            else { continue }
            protocols[inode] = proto
        }
    }

    /// The netlink protocol number of the socket with `inode`, or nil when it is not a netlink socket here.
    public func protocolNumber(inode: UInt64) -> Int32? { protocols[inode] }

    /// lsof's name for a netlink protocol (its `NETLINK_*` list); nil for numbers it does not name.
    public static func name(_ number: Int32) -> String? {
        switch number {
        case 0: "ROUTE"
        case 1: "UNUSED"
        case 2: "USERSOCK"
        case 3: "FIREWALL"
        case 4: "INET_DIAG"
        case 5: "NFLOG"
        case 6: "XFRM"
        case 7: "SELINUX"
        case 8: "ISCSI"
        case 9: "AUDIT"
        case 10: "FIB_LOOKUP"
        case 11: "CONNECTOR"
        case 12: "NETFILTER"
        case 13: "IP6_FW"
        case 14: "DNRTMSG"
        case 15: "KOBJECT_UEVENT"
        case 16: "GENERIC"
        case 18: "SCSITRANSPORT"
        case 19: "ECRYPTFS"
        default: nil
        }
    }
}
