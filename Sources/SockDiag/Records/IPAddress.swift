import Glibc

/// An IPv4 or IPv6 address, kept as the kernel sends it (network byte order).
public struct IPAddress: Sendable, Hashable {
    public enum Family: UInt8, Sendable {
        case inet = 2    // AF_INET
        case inet6 = 10  // AF_INET6
    }

    public let family: Family
    /// The 16 address bytes; IPv4 uses the first 4.
    public let high: UInt64
    public let low: UInt64

    public init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = family == .inet ? high & 0xFFFF_FFFF : high
        self.low = family == .inet ? 0 : low
    }

    /// Parses a numeric address with `inet_pton`; nil when it is neither IPv4 nor IPv6.
    public init?(_ text: String) {
        var raw = (UInt64(0), UInt64(0))
        let ok: Bool = withUnsafeMutableBytes(of: &raw) { bytes in
            if inet_pton(AF_INET, text, bytes.baseAddress) == 1 { return true }
            return false
        }
        if ok { self.init(family: .inet, high: raw.0, low: 0); return }
        let ok6: Bool = withUnsafeMutableBytes(of: &raw) { inet_pton(AF_INET6, text, $0.baseAddress) == 1 }
        guard ok6 else { return nil }
        self.init(family: .inet6, high: raw.0, low: raw.1)
    }

    /// True for `0.0.0.0` and `::`.
    public var isUnspecified: Bool { high == 0 && low == 0 }

    /// Writes the numeric form (`inet_ntop`) into `out`, which needs 46 bytes; returns the length.
    public func format(into out: UnsafeMutableRawBufferPointer) -> Int {
        var raw = (high, low)
        return withUnsafeBytes(of: &raw) { src -> Int in
            let af = family == .inet ? AF_INET : AF_INET6
            let dst = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            guard inet_ntop(af, src.baseAddress, dst, socklen_t(out.count)) != nil else { return 0 }
            return strlen(dst)
        }
    }

    /// The numeric form as a `String` (not for the hot path).
    public var description: String {
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { buf in
            let n = format(into: buf)
            return String(decoding: UnsafeRawBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
        }
    }
}

/// An address and port: one end of an INET socket.
public struct InetEndpoint: Sendable, Hashable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `0.0.0.0:0`: what non-INET records carry in `local` and `peer`.
    public static let unspecified = InetEndpoint(address: IPAddress(family: .inet, high: 0, low: 0), port: 0)
}
