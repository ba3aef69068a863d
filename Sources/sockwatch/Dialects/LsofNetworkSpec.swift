import ArgumentParser
import SockDiag
import SockRender

/// One `-i` address specification: `[46][protocol][@hostname|hostaddr][:service|port[-port][,…]]`.
///
/// A host name may stand for several addresses and a port list for several ranges: the specification
/// matches an end of a socket when the protocol, the family, one address (if any) and one range (if any)
/// agree, as lsof's `is_nw_addr` checks each `nwad` it derived from the argument.
struct LsofNetworkSpec: Equatable {
    /// One address to match, or none with only a family (from `4`/`6`).
    struct Target: Equatable {
        var family: IPAddress.Family?
        var address: IPAddress?
    }

    /// The argument as given, for `-V` ("Internet address not located").
    var argument: String
    var transport: NetID?
    var targets: [Target]
    /// Empty: any port.
    var ports: [ClosedRange<Int>]

    // MARK: - Parsing

    /// Parses `argument`; nil when it is only `4` or `6`, which changes `network` instead.
    static func parse(_ argument: String, network: inout LsofNetwork, resolver: some LsofResolver) throws
        -> LsofNetworkSpec?
    {
        let bytes = Array(argument.utf8)
        var i = 0
        func fail(_ what: String) -> ValidationError { ValidationError("\(what): -i \(argument)") }
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        var version = 0
        if i < bytes.count, bytes[i] == 0x34 || bytes[i] == 0x36 {
            version = bytes[i] == 0x34 ? 4 : 6
            i += 1
            if i == bytes.count {
                // `-i4` and `-i6` combine: one after the other is `-i`.
                if !network.all {
                    network.all = true
                    network.allVersion = version
                } else if network.allVersion != 0 {
                    if network.allVersion != version { network.allVersion = 0 }
                } else {
                    network.allVersion = version
                }
                return nil
            }
        } else if network.all {
            version = network.allVersion
        }
        var family: IPAddress.Family? = version == 4 ? .inet : version == 6 ? .inet6 : nil

        // The protocol name.
        var transport: NetID?
        if i < bytes.count, bytes[i] != 0x40, bytes[i] != 0x3A {
            let start = i
            while i < bytes.count, bytes[i] != 0x40, bytes[i] != 0x3A { i += 1 }
            let name = text(start..<i)
            switch name.lowercased() {
            case "tcp": transport = .tcp
            case "udp": transport = .udp
            case "udplite": transport = .udplite
            default: throw ValidationError("unknown protocol name (\(name)) in: -i \(argument)")
            }
        }

        // The host: an IPv4 address, [an IPv6 address], or a name from /etc/hosts.
        var targets: [Target] = []
        if i < bytes.count, bytes[i] == 0x40 {
            i += 1
            guard i < bytes.count, bytes[i] != 0x3A else { throw fail("unacceptable Internet address in") }
            let unacceptable = fail("unacceptable Internet address in")
            var end = i
            while end < bytes.count, bytes[end] != 0x3A { end += 1 }
            if let v4 = ipv4(text(i..<end)) {
                if version == 6 { throw fail("IPv4 addresses are prohibited") }
                guard !v4.isUnspecified else { throw unacceptable }
                targets = [Target(family: .inet, address: v4)]
                family = .inet
                i = end
            } else if bytes[i] == 0x5B {
                if version == 4 { throw fail("IPv6 addresses are prohibited") }
                guard let close = bytes[(i + 1)...].lastIndex(of: 0x5D),
                    var address = IPAddress(text((i + 1)..<close)), address.family == .inet6,
                    !address.isUnspecified
                else { throw unacceptable }
                if LsofSocket.isMapped(address) {
                    if version == 6 { throw fail("IPv4 addresses are prohibited") }
                    address = InetEndpoint(address: address, port: 0).mappedIPv4
                }
                targets = [Target(family: address.family, address: address)]
                i = close + 1
            } else {
                let name = text(i..<end)
                // No version: IPv6 addresses first, then IPv4 ones, as lsof asks the resolver.
                var found: [IPAddress] = []
                if version != 4 { found += resolver.addresses(ofHost: name, family: .inet6) }
                if version != 6 { found += resolver.addresses(ofHost: name, family: .inet) }
                guard !found.isEmpty else { throw ValidationError("unknown host name (\(name)) in: -i \(argument)") }
                targets = found.map { Target(family: $0.family, address: $0) }
                i = end
            }
        }
        if targets.isEmpty { targets = [Target(family: family, address: nil)] }

        // The ports: a comma list of numbers, services and number-number or number-service ranges.
        var ports: [ClosedRange<Int>] = []
        if i < bytes.count {
            let unacceptable = fail("unacceptable port specification in")
            guard bytes[i] == 0x3A, i + 1 < bytes.count else { throw unacceptable }
            i += 1
            while i < bytes.count {
                var start = 0, end = 0, range = false
                entry: while i < bytes.count {
                    if !(0x30...0x39).contains(bytes[i]) {
                        // A service name runs to the next comma ('-' belongs to the name).
                        let nameStart = i
                        while i < bytes.count, bytes[i] != 0x2C { i += 1 }
                        guard i > nameStart else { throw fail("invalid service name") }
                        let port = try servicePort(text(nameStart..<i), transport, argument, resolver)
                        if range { end = port } else { start = port }
                    } else {
                        while i < bytes.count, bytes[i] != 0x2C {
                            if bytes[i] == 0x2D {
                                if range { throw unacceptable }
                                range = true
                                break
                            }
                            guard (0x30...0x39).contains(bytes[i]) else { throw unacceptable }
                            let digit = Int(bytes[i] - 0x30)
                            if range { end = min(end * 10 + digit, 1 << 30) } else { start = min(start * 10 + digit, 1 << 30) }
                            i += 1
                        }
                    }
                    if i == bytes.count || bytes[i] == 0x2C { break entry }
                    if range {
                        i += 1  // past the '-'
                        continue entry
                    }
                    throw unacceptable
                }
                if !range { end = start }
                guard end >= start else { throw unacceptable }
                ports.append(start...end)
                i += 1  // past the ','
            }
        }

        if transport == nil && ports.isEmpty && targets.allSatisfy({ $0.address == nil }) {
            throw fail("incomplete Internet address specification")
        }
        return LsofNetworkSpec(argument: argument, transport: transport, targets: targets, ports: ports)
    }

    /// A dotted-quad IPv4 address (lsof's `isIPv4addr`).
    private static func ipv4(_ text: String) -> IPAddress? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 == 0x2E || (0x30...0x39).contains($0) }),
            let address = IPAddress(text), address.family == .inet
        else { return nil }
        return address
    }

    /// The port of a service: for the protocol given, or for TCP and UDP, which must agree.
    private static func servicePort(_ name: String, _ transport: NetID?, _ argument: String, _ resolver: some LsofResolver)
        throws -> Int
    {
        if let transport {
            let proto = transport.rawValue
            guard let port = resolver.port(ofService: name, transport: proto) else {
                throw ValidationError("unknown service \(name) for \(proto) in: -i \(argument)")
            }
            return port
        }
        let tcp = resolver.port(ofService: name, transport: "tcp")
        let udp = resolver.port(ofService: name, transport: "udp")
        switch (tcp, udp) {
        case (nil, nil): throw ValidationError("unknown service \(name) in: -i \(argument)")
        case let (tcp?, udp?) where tcp != udp:
            throw ValidationError(
                "TCP=\(tcp) and UDP=\(udp) \(name) ports conflict; specify \"tcp:\(name)\" or \"udp:\(name)\": -i \(argument)")
        default: return tcp ?? udp!
        }
    }

    // MARK: - Matching

    /// Whether one end of a socket matches (lsof's `is_nw_addr`): `end` as lsof shows it, in `family`.
    func matches(_ transport: NetID, _ end: InetEndpoint, family: IPAddress.Family) -> Bool {
        if let wanted = self.transport, wanted != transport { return false }
        for target in targets {
            if let wanted = target.family, wanted != family { continue }
            if let address = target.address, address != end.address { continue }
            if ports.isEmpty || ports.contains(where: { $0.contains(Int(end.port)) }) { return true }
        }
        return false
    }

    /// A filter the kernel can run that keeps at least every socket this specification matches: the address
    /// and port conditions on either end. The protocol and family are asked for by the request instead.
    var expression: FilterExpression {
        let addresses = targets.compactMap(\.address)
        guard !addresses.isEmpty || !ports.isEmpty else { return .all }
        func side(_ side: FilterExpression.Side) -> FilterExpression {
            let hosts = addresses.map {
                FilterExpression.host(
                    side, HostPattern(address: $0, prefixLength: $0.family == .inet ? 32 : 128, port: nil))
            }
            let ranges = ports.map { range -> FilterExpression in
                guard range.lowerBound <= 65535 else { return .not(.all) }
                let low = UInt16(range.lowerBound), high = UInt16(min(range.upperBound, 65535))
                if low == high { return .port(side, .equal, low) }
                return .and(.port(side, .greaterOrEqual, low), .port(side, .lessOrEqual, high))
            }
            return Self.all(Self.any(hosts), Self.any(ranges))
        }
        return .or(side(.source), side(.destination))
    }

    /// The disjunction of `terms`; `.all` when there are none.
    static func any(_ terms: [FilterExpression]) -> FilterExpression {
        guard var result = terms.first else { return .all }
        for term in terms.dropFirst() { result = .or(result, term) }
        return result
    }

    /// The conjunction of two terms, dropping `.all`.
    static func all(_ a: FilterExpression, _ b: FilterExpression) -> FilterExpression {
        if a == .all { return b }
        if b == .all { return a }
        return .and(a, b)
    }
}

extension InetEndpoint {
    /// The IPv4 address inside an IPv4-mapped IPv6 address.
    fileprivate var mappedIPv4: IPAddress {
        var v4 = (UInt64(0), UInt64(0))
        withUnsafeBytes(of: (address.high, address.low)) { source in
            withUnsafeMutableBytes(of: &v4) { target in
                for i in 0..<4 { target[i] = source[12 + i] }
            }
        }
        return IPAddress(family: .inet, high: v4.0, low: 0)
    }
}
