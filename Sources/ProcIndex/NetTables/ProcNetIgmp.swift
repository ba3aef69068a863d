import SockDiag
import SystemPackage

/// Multicast group memberships as netstat -g reads them: `/proc/net/igmp` and `/proc/net/igmp6`.
public enum ProcNetIgmp {
    /// The IPv4 memberships; throws when the file cannot be read.
    public static func ipv4(path: String = "/proc/self/net/igmp") throws(Errno) -> [MulticastMembership] {
        parseIPv4(try WholeFile.read(path))
    }

    /// The IPv6 memberships; throws when the file cannot be read (IPv6 disabled).
    public static func ipv6(path: String = "/proc/self/net/igmp6") throws(Errno) -> [MulticastMembership] {
        parseIPv6(try WholeFile.read(path))
    }

    /// Parses `igmp_mc_seq_show`: a header, then for each device `Idx\tDevice    : Count Querier` and under it
    /// one `\t\t\t\tGroup Users Timer\t\tReporter` line a group (the group as `%08X` of the address in network
    /// order).
    public static func parseIPv4(_ text: [UInt8]) -> [MulticastMembership] {
        var device = ""
        var memberships: [MulticastMembership] = []
        for line in ProcNetText.lines(text).dropFirst() {
            if line.first == 0x09 {
                let words = ProcNetText.words(line)
                guard words.count >= 2, let group = ProcNetText.ipv4(hex: words[0]),
                    let users = ProcNetText.int32(words[1])
                else { continue }
                memberships.append(MulticastMembership(interface: device, group: group, users: users))
            } else {
                // `%d\t%-10s:`: the name runs from the tab to the colon (names hold neither).
                guard let tab = line.firstIndex(of: 0x09) else { continue }
                let rest = line[(tab + 1)...]
                let name = rest.prefix { $0 != 0x3A && $0 != 0x20 }
                device = ProcNetText.string(name)
            }
        }
        return memberships
    }

    /// Parses `igmp6_mc_seq_show`: `Idx Device Group Users Flags Timer`, the group as 32 hex digits.
    public static func parseIPv6(_ text: [UInt8]) -> [MulticastMembership] {
        ProcNetText.lines(text).compactMap { line in
            let words = ProcNetText.words(line)
            guard words.count >= 4, let group = ProcNetText.ipv6(hex: words[2]),
                let users = ProcNetText.int32(words[3])
            else { return nil }
            return MulticastMembership(interface: ProcNetText.string(words[1]), group: group, users: users)
        }
    }
}
