import SockDiag
import SystemPackage

/// The kernel's routing tables as net-tools netstat -r reads them: `/proc/net/route` (the main IPv4 table) and
/// `/proc/net/ipv6_route` (every IPv6 route of the main and local tables).
public enum ProcNetRoute {
    /// The IPv4 routes, in the kernel's order; throws when the file cannot be read (no IPv4).
    public static func ipv4(path: String = "/proc/self/net/route") throws(Errno) -> [IPv4Route] {
        parseIPv4(try WholeFile.read(path))
    }

    /// The IPv6 routes, in the kernel's order; throws when the file cannot be read (IPv6 disabled).
    public static func ipv6(path: String = "/proc/self/net/ipv6_route") throws(Errno) -> [IPv6Route] {
        parseIPv6(try WholeFile.read(path))
    }

    /// Parses `/proc/net/route`: a header naming the columns (`Iface Destination Gateway Flags RefCnt Use Metric
    /// Mask MTU Window IRTT`), then one tab-separated line a route. Lines of another shape are skipped.
    public static func parseIPv4(_ text: [UInt8]) -> [IPv4Route] {
        let lines = ProcNetText.lines(text)
        guard let header = lines.first else { return [] }
        var column: [String: Int] = [:]
        for (n, word) in ProcNetText.words(header).enumerated() { column[ProcNetText.string(word)] = n }
        guard let iface = column["Iface"], let dst = column["Destination"], let gw = column["Gateway"],
            let flags = column["Flags"], let ref = column["RefCnt"], let use = column["Use"],
            let metric = column["Metric"], let mask = column["Mask"], let mtu = column["MTU"],
            let window = column["Window"], let irtt = column["IRTT"]
        else { return [] }
        return lines.dropFirst().compactMap { line -> IPv4Route? in
            let words = ProcNetText.words(line)
            guard words.count > max(iface, dst, gw, flags, ref, use, metric, mask, mtu, window, irtt),
                let destination = ProcNetText.ipv4(hex: words[dst]), let gateway = ProcNetText.ipv4(hex: words[gw]),
                let genmask = ProcNetText.ipv4(hex: words[mask]), let bits = ProcNetText.hex32(words[flags]),
                let refCount = ProcNetText.int32(words[ref]), let uses = ProcNetText.int32(words[use]),
                let metricValue = ProcNetText.int32(words[metric]), let mss = ProcNetText.int32(words[mtu]),
                let windowValue = ProcNetText.int32(words[window]), let irttValue = ProcNetText.int32(words[irtt])
            else { return nil }
            return IPv4Route(
                interface: ProcNetText.string(words[iface]), destination: destination, gateway: gateway, mask: genmask,
                flags: RouteFlags(rawValue: bits), refCount: refCount, use: uses, metric: metricValue, mss: mss,
                window: windowValue, irtt: irttValue)
        }
    }

    /// Parses `/proc/net/ipv6_route`: `dst dst_len src src_len next_hop metric refcnt use flags device`, the
    /// addresses as 32 hex digits, the numbers as hex.
    public static func parseIPv6(_ text: [UInt8]) -> [IPv6Route] {
        ProcNetText.lines(text).compactMap { line -> IPv6Route? in
            let words = ProcNetText.words(line)
            guard words.count >= 10, let destination = ProcNetText.ipv6(hex: words[0]),
                let length = UInt8(ProcNetText.string(words[1]), radix: 16),
                let source = ProcNetText.ipv6(hex: words[2]),
                let sourceLength = UInt8(ProcNetText.string(words[3]), radix: 16),
                let nextHop = ProcNetText.ipv6(hex: words[4]), let metric = ProcNetText.hex32(words[5]),
                let refCount = ProcNetText.hex32(words[6]), let use = ProcNetText.hex32(words[7]),
                let flags = ProcNetText.hex32(words[8])
            else { return nil }
            return IPv6Route(
                destination: destination, prefixLength: length, source: source, sourcePrefixLength: sourceLength,
                nextHop: nextHop, metric: metric, refCount: refCount, use: use, flags: RouteFlags(rawValue: flags),
                interface: ProcNetText.string(words[9]))
        }
    }
}
