import SockDiag

/// Renders net-tools netstat -r: the kernel's IPv4 and IPv6 routing tables, byte for byte.
///
/// IPv4 (`rprint_fib`): `%-15s %-15s %-15s %-5s` then, by format, `%5d %-5d %6d %s` (MSS Window irtt Iface,
/// plain -r), `%-6d %-2d %7d %s` (Metric Ref Use Iface, -re) or both (-ree); a reject route shows `-` for what it
/// lacks. IPv6 (`rprint_fib6`): `%-30s %-26s %-4s %-3d %-1d %6d %s`, cache routes left out.
public struct NetstatRouteRenderer {
    /// The names of a table's addresses; nil prints the number.
    public struct Names {
        /// A host's name (`gethostbyaddr`, `getnameinfo`).
        public var host: (IPAddress) -> String?
        /// A network's name from `/etc/networks` (`getnetbyaddr`).
        public var network: (IPAddress) -> String?

        public init(host: @escaping (IPAddress) -> String?, network: @escaping (IPAddress) -> String?) {
            self.host = host
            self.network = network
        }

        /// Numbers only (`-n`).
        public static var numeric: Names { Names(host: { _ in nil }, network: { _ in nil }) }
    }

    /// netstat's column sets for IPv4: its `-e` count, swapped for -r (plain -r shows MSS, -e the metric).
    public enum Format: Sendable {
        /// `flag_exp & 3 == 0` (`-reee`): the title only.
        case none
        /// `Flags Metric Ref Use Iface` (-re).
        case metric
        /// `Flags MSS Window irtt Iface` (-r).
        case mss
        /// Both (-ree).
        case both

        /// The format for netstat's count of `-e` flags.
        public init(extendCount: Int) {
            // netstat's count starts at 1, is swapped between 1 and 2 for -r, then keeps its low two bits.
            let count = extendCount == 0 ? 2 : extendCount == 1 ? 1 : extendCount + 1
            self = [.none, .metric, .mss, .both][count & 3]
        }
    }

    let out: OutputBuffer
    let numeric: Bool
    let names: Names
    private let scratch = OutputBuffer(fd: nil)

    /// - Parameter numeric: `-n`, `--numeric-hosts` or `-N` (netstat masks its routes' names with both).
    public init(out: OutputBuffer, numeric: Bool, names: Names) {
        self.out = out
        self.numeric = numeric
        self.names = numeric ? .numeric : names
    }

    // MARK: - IPv4

    /// The addresses whose host names the IPv4 table shows without -n (the others are networks or fixed).
    public static func hostAddresses(_ routes: [IPv4Route]) -> [IPAddress] {
        routes.filter { $0.flags.contains(.up) }.flatMap { route -> [IPAddress] in
            var addresses: [IPAddress] = []
            if !route.destination.isUnspecified && isHost(route) { addresses.append(route.destination) }
            if !route.gateway.isUnspecified { addresses.append(route.gateway) }
            return addresses
        }
    }

    /// The destinations the IPv4 table names from `/etc/networks`.
    public static func networkAddresses(_ routes: [IPv4Route]) -> [IPAddress] {
        routes.filter { $0.flags.contains(.up) && !$0.destination.isUnspecified && !isHost($0) }.map(\.destination)
    }

    /// net-tools names a destination as a host when the route says so or it has bits outside the mask.
    static func isHost(_ route: IPv4Route) -> Bool {
        route.flags.contains(.host) || route.destination.high & ~route.mask.high & 0xFFFF_FFFF != 0
    }

    public func writeIPv4(_ routes: [IPv4Route], format: Format) {
        out.append("Kernel IP routing table\n")
        switch format {
        case .none: break
        case .metric: out.append("Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n")
        case .mss: out.append("Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n")
        case .both:
            out.append("Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n")
        }
        for route in routes where route.flags.contains(.up) {
            write(route, format: format)
        }
    }

    private func write(_ route: IPv4Route, format: Format) {
        let reject = route.flags.contains(.reject)
        // netstat cuts both at 15 bytes.
        let destination = String(decoding: Array(destinationName(route).utf8.prefix(15)), as: UTF8.self)
        let gateway = String(decoding: Array(gatewayName(route).utf8.prefix(15)), as: UTF8.self)
        let mask = route.mask.description
        let flags = Self.flags(route.flags)
        if format == .none { return }
        out.append(destination, width: 15, scratch: scratch)
        out.append(0x20)
        if reject {
            out.append("-")
            out.appendSpaces(15)
        } else {
            out.append(gateway, width: 15, scratch: scratch)
            out.append(0x20)
        }
        out.append(mask, width: 15, scratch: scratch)
        out.append(0x20)
        out.append(flags, width: 5, scratch: scratch)
        out.append(0x20)
        switch (format, reject) {
        case (.metric, true), (.both, true):
            out.append(route.metric, width: 6, left: true, scratch: scratch)
            out.append(" -  ")
            out.append(route.use, width: 7, scratch: scratch)
            out.append(format == .both ? " -        -     -      -\n" : " -\n")
        case (.mss, true):
            out.append("    - -          - -\n")
        case (.metric, false):
            out.appendColumns([(route.metric, 6, true), (route.refCount, 2, true), (route.use, 7, false)], scratch: scratch)
            out.appendEscaped(route.interface)
            out.append(0x0A)
        case (.mss, false):
            out.appendColumns([(route.mss, 5, false), (route.window, 5, true), (route.irtt, 6, false)], scratch: scratch)
            out.appendEscaped(route.interface)
            out.append(0x0A)
        case (.both, false):
            out.appendColumns([(route.metric, 6, true), (route.refCount, 3, true), (route.use, 6, false)], scratch: scratch)
            out.append(route.interface, width: 6, limit: 6, scratch: scratch)
            out.append("   ")
            out.appendColumns([(route.mss, 5, true), (route.window, 6, true)], scratch: scratch)
            out.append(route.irtt, width: 0, scratch: scratch)
            out.append(0x0A)
        case (.none, _):
            break
        }
    }

    /// `default` for 0.0.0.0/0, `0.0.0.0` for another prefix of 0.0.0.0, else a host or network name.
    func destinationName(_ route: IPv4Route) -> String {
        if numeric { return route.destination.description }
        if route.destination.isUnspecified { return route.mask.isUnspecified ? "default" : "0.0.0.0" }
        let name = Self.isHost(route) ? names.host(route.destination) : names.network(route.destination)
        return name ?? route.destination.description
    }

    func gatewayName(_ route: IPv4Route) -> String {
        if numeric || route.gateway.isUnspecified { return route.gateway.description }
        return names.host(route.gateway) ?? route.gateway.description
    }

    /// The flag letters of `rprint_fib`; a reject route starts over from `!`.
    static func flags(_ flags: RouteFlags) -> String {
        var text = ""
        if flags.contains(.up) { text += "U" }
        if flags.contains(.gateway) { text += "G" }
        if flags.contains(.reject) { text = "!" }
        let letters: [(RouteFlags, String)] = [
            (.host, "H"), (.reinstate, "R"), (.dynamic, "D"), (.modified, "M"), (.default, "d"), (.allOnLink, "a"),
            (.addrConf, "c"), (.noNextHop, "o"), (.expires, "e"), (.cache, "c"), (.flow, "f"), (.policy, "p"),
            (.local, "l"), (.mtu, "u"), (.window, "w"), (.irtt, "i"), (.notCached, "n"),
        ]
        for (flag, letter) in letters where flags.contains(flag) { text += letter }
        return text
    }

    // MARK: - IPv6

    /// The addresses whose names the IPv6 table shows without -n.
    public static func hostAddresses(_ routes: [IPv6Route]) -> [IPAddress] {
        routes.filter { !$0.flags.contains(.cache) }.flatMap { [$0.destination, $0.nextHop] }
            .filter { !$0.isUnspecified }
    }

    public func writeIPv6(_ routes: [IPv6Route]) {
        out.append("Kernel IPv6 routing table\n")
        out.append("Destination                    Next Hop                   Flag Met Ref  Use If\n")
        for route in routes where !route.flags.contains(.cache) {
            out.append(name6(route.destination) + "/" + String(route.prefixLength), width: 30, scratch: scratch)
            out.append(0x20)
            out.append(name6(route.nextHop), width: 26, scratch: scratch)
            out.append(0x20)
            out.append(Self.flags6(route.flags), width: 4, scratch: scratch)
            out.append(0x20)
            out.append(Int32(bitPattern: route.metric), width: 3, left: true, scratch: scratch)
            out.append(0x20)
            out.append(Int32(bitPattern: route.refCount), width: 1, left: true, scratch: scratch)
            out.append(0x20)
            out.append(Int32(bitPattern: route.use), width: 6, scratch: scratch)
            out.append(0x20)
            out.appendEscaped(route.interface)
            out.append(0x0A)
        }
    }

    /// An IPv6 address as `INET6_sprint` prints it: `[::]` for the unspecified address without -n, a name, or
    /// the number; an IPv4-mapped address as its IPv4 part.
    func name6(_ address: IPAddress) -> String {
        let text: String
        if numeric {
            text = address.description
        } else if address.isUnspecified {
            return "[::]"
        } else {
            text = names.host(address) ?? address.description
        }
        return Self.v4Part(text, of: address)
    }

    /// net-tools' `fix_v4_address`: for `::ffff:a.b.c.d`, what follows the last colon before the first dot.
    static func v4Part(_ text: String, of address: IPAddress) -> String {
        // The first ten bytes zero and the next two 0xFF, in network order.
        let mapped = address.high == 0 && address.low & 0xFFFF_FFFF == 0xFFFF_0000
        guard mapped, let dot = text.firstIndex(of: ".") else { return text }
        guard let colon = text[..<dot].lastIndex(of: ":") else { return text }
        return String(text[text.index(after: colon)...])
    }

    /// The flag letters of `rprint_fib6`.
    static func flags6(_ flags: RouteFlags) -> String {
        let letters: [(RouteFlags, String)] = [
            (.up, "U"), (.reject, "!"), (.gateway, "G"), (.host, "H"), (.default, "D"), (.addrConf, "A"),
            (.cache, "C"), (.allOnLink, "a"), (.expires, "e"), (.modified, "m"), (.noNextHop, "n"), (.flow, "f"),
        ]
        return letters.filter { flags.contains($0.0) }.map(\.1).joined()
    }
}
