import SockDiag

/// Renders net-tools netstat -g: the multicast group memberships, byte for byte (`igmp_do_one`):
/// `%-15s %-6d %s` under netstat's three heading lines, IPv4 groups first.
public struct NetstatGroupRenderer {
    let out: OutputBuffer
    let numeric: Bool
    let host: (IPAddress) -> String?
    private let scratch = OutputBuffer(fd: nil)

    /// - Parameter host: a group's name, when not numeric; nil prints the number.
    public init(out: OutputBuffer, numeric: Bool, host: @escaping (IPAddress) -> String?) {
        self.out = out
        self.numeric = numeric
        self.host = host
    }

    public func writeHeader() {
        out.append("IPv6/IPv4 Group Memberships\n")
        out.append("Interface       RefCnt Group\n")
        out.append("--------------- ------ ---------------------\n")
    }

    /// The addresses looked up without -n: IPv4 groups with a non-zero first byte (net-tools asks for a host
    /// name only then), every IPv6 group but `::`.
    public static func hostAddresses(_ memberships: [MulticastMembership]) -> [IPAddress] {
        memberships.map(\.group).filter { $0.family == .inet ? $0.high & 0xFF != 0 : !$0.isUnspecified }
    }

    public func write(_ memberships: [MulticastMembership]) {
        for membership in memberships {
            out.append(membership.interface, width: 15, scratch: scratch)
            out.append(0x20)
            out.append(membership.users, width: 6, left: true, scratch: scratch)
            out.append(0x20)
            out.appendEscaped(name(membership.group))
            out.append(0x0A)
        }
    }

    func name(_ address: IPAddress) -> String {
        if numeric { return NetstatRouteRenderer.v4Part(address.description, of: address) }
        if address.family == .inet6 {
            if address.isUnspecified { return "[::]" }
            return NetstatRouteRenderer.v4Part(host(address) ?? address.description, of: address)
        }
        // `INET_sprint`: 0.0.0.0 and addresses with a zero first byte stay numbers (net-tools would ask
        // /etc/networks for the latter; multicast groups never have one).
        if address.high & 0xFF == 0 { return address.description }
        return host(address) ?? address.description
    }
}
