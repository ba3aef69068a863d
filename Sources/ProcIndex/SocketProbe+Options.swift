import Glibc
import SockDiag
import SystemPackage

extension SocketProbe {
    /// A socket address as `getsockname`/`getpeername` report it.
    public enum Name: Sendable, Equatable {
        case inet(family: Int32, Endpoint)
        /// A path, `@name` for the abstract namespace, or empty when unnamed.
        case unix(String)
        case other(family: Int32)
    }

    /// One option that is on, with its value where it has one: `SO_KEEPALIVE`, `SO_SNDBUF(131072)`.
    public struct Option: Sendable, Equatable {
        public var name: String
        public var value: String?

        public init(_ name: String, _ value: String? = nil) {
            self.name = name
            self.value = value
        }

        /// `NAME` or `NAME(VALUE)`, as pfiles prints it.
        public var text: String { value.map { "\(name)(\($0))" } ?? name }
    }

    /// What `getsockopt` on a duplicate says about a socket.
    public struct Report: Sendable, Equatable {
        public var family: Int32
        /// `SOCK_STREAM`, `SOCK_DGRAM`…
        public var type: Int32
        public var ipProtocol: Int32
        public var options: [Option]
        public var sockname: Name?
        public var peername: Name?
    }

    /// Reads every option pfiles shows from a duplicate of `fd` in `pid`, closed at once. Only `getsockopt`,
    /// `getsockname` and `getpeername` are called: nothing is set, read or written.
    public func report(pid: Int32, fd: Int32) throws(Errno) -> Report {
        let dup = try duplicate(pid: pid, fd: fd)
        defer { close(dup) }
        let family = Self.int(dup, SOL_SOCKET, SO_DOMAIN) ?? -1
        let type = Self.int(dup, SOL_SOCKET, SO_TYPE) ?? -1
        let ipProtocol = Self.int(dup, SOL_SOCKET, SO_PROTOCOL) ?? -1
        var options: [Option] = []
        func flag(_ level: Int32, _ name: Int32, _ label: String) {
            if let v = Self.int(dup, level, name), v != 0 { options.append(Option(label)) }
        }
        func number(_ level: Int32, _ name: Int32, _ label: String, unless defaultValue: Int32? = 0) {
            if let v = Self.int(dup, level, name), v != defaultValue { options.append(Option(label, String(v))) }
        }

        // Socket level.
        flag(SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN")
        flag(SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR")
        flag(SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT")
        flag(SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE")
        flag(SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST")
        flag(SOL_SOCKET, SO_OOBINLINE, "SO_OOBINLINE")
        var linger = linger()
        if Self.get(dup, SOL_SOCKET, SO_LINGER, &linger), linger.l_onoff != 0 {
            options.append(Option("SO_LINGER", String(linger.l_linger)))
        }
        number(SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", unless: nil)
        number(SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", unless: nil)
        number(SOL_SOCKET, SO_RCVLOWAT, "SO_RCVLOWAT", unless: 1)
        for (name, label) in [(SO_SNDTIMEO, "SO_SNDTIMEO"), (SO_RCVTIMEO, "SO_RCVTIMEO")] {
            var tv = timeval()
            if Self.get(dup, SOL_SOCKET, name, &tv), tv.tv_sec != 0 || tv.tv_usec != 0 {
                let micros = String(tv.tv_usec)
                options.append(Option(label, "\(tv.tv_sec).\(String(repeating: "0", count: 6 - micros.count))\(micros)"))
            }
        }
        number(SOL_SOCKET, SO_MARK, "SO_MARK")
        number(SOL_SOCKET, SO_PRIORITY, "SO_PRIORITY")
        if let device = Self.string(dup, SOL_SOCKET, SO_BINDTODEVICE), !device.isEmpty {
            options.append(Option("SO_BINDTODEVICE", device))
        }

        // TCP.
        if ipProtocol == Int32(IPPROTO_TCP) {
            flag(Int32(IPPROTO_TCP), TCP_NODELAY, "TCP_NODELAY")
            flag(Int32(IPPROTO_TCP), TCP_CORK, "TCP_CORK")
            // Keepalive timing matters when keepalive is on, or when it was changed from the kernel's default.
            let keepalive = options.contains { $0.name == "SO_KEEPALIVE" }
            let tcp = Int32(IPPROTO_TCP)
            number(tcp, TCP_KEEPIDLE, "TCP_KEEPIDLE", unless: keepalive ? nil : Self.sysctl("tcp_keepalive_time"))
            number(tcp, TCP_KEEPINTVL, "TCP_KEEPINTVL", unless: keepalive ? nil : Self.sysctl("tcp_keepalive_intvl"))
            number(tcp, TCP_KEEPCNT, "TCP_KEEPCNT", unless: keepalive ? nil : Self.sysctl("tcp_keepalive_probes"))
            number(tcp, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT")
            if let congestion = Self.string(dup, tcp, TCP_CONGESTION), !congestion.isEmpty {
                options.append(Option("TCP_CONGESTION", congestion))
            }
            number(tcp, TCP_MAXSEG, "TCP_MAXSEG", unless: nil)
            number(tcp, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT")
            number(tcp, TCP_FASTOPEN, "TCP_FASTOPEN")
        }

        // IP.
        if family == AF_INET {
            number(Int32(IPPROTO_IP), IP_TOS, "IP_TOS")
            number(Int32(IPPROTO_IP), IP_TTL, "IP_TTL", unless: Self.sysctl("ip_default_ttl"))
        } else if family == AF_INET6 {
            number(Int32(IPPROTO_IPV6), IPV6_TCLASS, "IPV6_TCLASS")
            flag(Int32(IPPROTO_IPV6), IPV6_V6ONLY, "IPV6_V6ONLY")
        }

        return Report(
            family: family, type: type, ipProtocol: ipProtocol, options: options,
            sockname: Self.name(dup, family: family, getsockname),
            peername: Self.name(dup, family: family, getpeername))
    }

    // MARK: - getsockopt helpers

    static func int(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32? {
        var value: Int32 = 0
        return get(fd, level, name, &value) ? value : nil
    }

    static func get<T>(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: inout T) -> Bool {
        var length = socklen_t(MemoryLayout<T>.size)
        return withUnsafeMutablePointer(to: &value) { getsockopt(fd, level, name, $0, &length) == 0 }
    }

    static func string(_ fd: Int32, _ level: Int32, _ name: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 64)
        var length = socklen_t(buffer.count)
        guard buffer.withUnsafeMutableBytes({ getsockopt(fd, level, name, $0.baseAddress, &length) }) == 0 else {
            return nil
        }
        return String(decoding: buffer[0..<Int(length)].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A value under /proc/sys/net/ipv4, for "differs from the default" checks.
    static func sysctl(_ name: String) -> Int32? {
        guard let bytes = try? WholeFile.read("/proc/sys/net/ipv4/\(name)"),
            let word = bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }).first
        else { return nil }
        return Int32(String(decoding: word, as: UTF8.self))
    }

    static func name(
        _ fd: Int32, family: Int32,
        _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> Name? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard rc == 0 else { return nil }
        return withUnsafeBytes(of: storage) { raw -> Name in
            if let (family, endpoint) = inetEndpoint(raw) { return .inet(family: family, endpoint) }
            switch Int32(storage.ss_family) {
            case AF_UNIX:
                // sun_path follows the 2-byte family; the length says how much of it is the name.
                let pathLength = max(0, Int(length) - 2)
                let path = raw[2..<(2 + pathLength)]
                if let first = path.first, first == 0 {
                    return .unix("@" + String(rawBytes: path.dropFirst()))
                }
                return .unix(String(rawBytes: path.prefix { $0 != 0 }))
            default:
                return .other(family: Int32(storage.ss_family))
            }
        }
    }
}
