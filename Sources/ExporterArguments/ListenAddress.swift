/// Where the exporter's HTTP server binds: a numeric address and a port.
///
/// Accepted forms: `127.0.0.1:9477`, `[::1]:9477`, `localhost:9477` (127.0.0.1). Names are never resolved.
/// The wildcard addresses `0.0.0.0` and `::` bind every interface: they are taken only when spelled out and
/// allowed with `--allow-public`; an empty host (`:9477`) is always refused.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The numeric host, without brackets.
    public var host: String
    public var port: Int
    public var isIPv6: Bool

    /// The default: loopback only.
    public static let loopback = ListenAddress(host: "127.0.0.1", port: 9477, isIPv6: false)

    public init(host: String, port: Int, isIPv6: Bool) {
        self.host = host
        self.port = port
        self.isIPv6 = isIPv6
    }

    /// Every interface: `0.0.0.0` or `::`.
    public var isWildcard: Bool {
        isIPv6 ? Self.parseIPv6(host) == [UInt16](repeating: 0, count: 8) : host == "0.0.0.0"
    }

    /// `127.0.0.1:9477`, `[::1]:9477`.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `text`; a wildcard address needs `allowPublic`.
    /// - Throws: `ListenAddress.Refused` with a one-line reason naming the text.
    public static func parse(_ text: String, allowPublic: Bool) throws(Refused) -> ListenAddress {
        guard let colon = text.lastIndex(of: ":") else {
            throw Refused("--listen: '\(text)' has no port; give ADDRESS:PORT, e.g. 127.0.0.1:9477")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw Refused("--listen: bad port '\(portText)' in '\(text)' (0-65535)")
        }
        if host.isEmpty {
            throw Refused(
                "--listen: '\(text)' names no address and would bind every interface; give one "
                    + "(127.0.0.1:\(port)), or 0.0.0.0:\(port) with --allow-public")
        }
        let address: ListenAddress
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard parseIPv6(host) != nil else { throw Refused("--listen: '\(host)' is not an IPv6 address") }
            address = ListenAddress(host: host, port: port, isIPv6: true)
        } else if host == "localhost" {
            address = ListenAddress(host: "127.0.0.1", port: port, isIPv6: false)
        } else if isIPv4(host) {
            address = ListenAddress(host: host, port: port, isIPv6: false)
        } else if host.contains(":") {
            throw Refused("--listen: put an IPv6 address in brackets: '[\(host)]:\(port)'")
        } else {
            throw Refused("--listen: '\(host)' is not a numeric address (names are not resolved)")
        }
        if address.isWildcard && !allowPublic {
            throw Refused(
                "--listen: \(address) binds every interface; add --allow-public to serve metrics to the network")
        }
        return address
    }

    /// A listen address that was refused, with the reason as one line.
    public struct Refused: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - Numeric addresses

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { $0.count <= 3 && !$0.isEmpty && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }

    /// The eight 16-bit groups of an IPv6 address, or nil when `text` is not one (no zone, no dotted tail).
    static func parseIPv6(_ text: String) -> [UInt16]? {
        let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false)
            .map(String.init)
        guard text.utf8.count >= 2, halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
