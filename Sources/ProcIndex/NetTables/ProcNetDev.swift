import Glibc
import SockDiag
import SystemPackage

/// The interface table netstat -i prints: the counters of `/proc/net/dev`, the IPv4 address labels
/// `SIOCGIFCONF` adds (`eth0:1`), and each interface's flags and MTU (`SIOCGIFFLAGS`, `SIOCGIFMTU`), in
/// net-tools' order (`nstrcmp`: names, then their numbers, then alias numbers).
public enum ProcNetDev {
    /// What was read: the interfaces, and the ones that vanished before their flags could be read.
    public struct Table: Sendable {
        public var interfaces: [InterfaceCounters]
        public var vanished: [String]
        /// Why `/proc/net/dev` could not be read, when it could not: every row lacks its counters.
        public var countersUnreadable: Errno?
    }

    /// Reads the table of the calling thread's network namespace. Throws when neither `/proc/net/dev` nor
    /// `SIOCGIFCONF` answers.
    /// - Parameter details: also read what -ie shows (`InterfaceDetails`), with more ioctls per interface.
    public static func read(path: String = "/proc/self/net/dev", details: Bool = false) throws(Errno) -> Table {
        var counters: [String: InterfaceCounters.Counters] = [:]
        var names: [String] = []
        var proc: [UInt8]? = nil
        var unreadable: Errno? = nil
        do { proc = try WholeFile.read(path) } catch { unreadable = error }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { if fd >= 0 { close(fd) } }
        let configured = fd >= 0 ? addressLabels(fd) : nil
        guard proc != nil || configured != nil else { throw Errno(rawValue: fd < 0 ? errno : ENOENT) }
        for (name, values) in parseDev(proc ?? []) {
            insert(name, into: &names)
            counters[name] = values
        }
        for name in configured ?? [] { insert(name, into: &names) }
        var table = Table(interfaces: [], vanished: [], countersUnreadable: unreadable)
        for name in names {
            guard fd >= 0, let flags = flags(fd, name) else {
                table.vanished.append(name)
                continue
            }
            table.interfaces.append(
                InterfaceCounters(
                    name: name, counters: counters[name], flags: flags, mtu: mtu(fd, name) ?? 0,
                    details: details ? Self.details(fd, name, flags: flags) : nil))
        }
        return table
    }

    /// Parses `/proc/net/dev`: two header lines, then `name: 16 counters` (the kernel's layout since 2.6).
    public static func parseDev(_ text: [UInt8]) -> [(String, InterfaceCounters.Counters)] {
        ProcNetText.lines(text).dropFirst(2).compactMap { line in
            guard let colon = line.lastIndex(of: 0x3A) else { return nil }
            let name = ProcNetText.string(line[..<colon].drop { $0 == 0x20 })
            let values = ProcNetText.words(line[(colon + 1)...]).map { ProcNetText.unsigned($0) ?? 0 }
            guard values.count >= 16 else { return nil }
            var c = InterfaceCounters.Counters()
            (c.rxBytes, c.rxPackets, c.rxErrors, c.rxDropped) = (values[0], values[1], values[2], values[3])
            (c.rxFifo, c.rxFrame, c.rxCompressed, c.rxMulticast) = (values[4], values[5], values[6], values[7])
            (c.txBytes, c.txPackets, c.txErrors, c.txDropped) = (values[8], values[9], values[10], values[11])
            (c.txFifo, c.collisions, c.txCarrier, c.txCompressed) = (values[12], values[13], values[14], values[15])
            return (name, c)
        }
    }

    /// Inserts `name` where net-tools' interface cache keeps it (sorted by `nstrcmp`, once).
    static func insert(_ name: String, into names: inout [String]) {
        var at = names.count
        while at > 0 {
            let order = nstrcmp(names[at - 1], name)
            if order == 0 { return }
            if order < 0 { break }
            at -= 1
        }
        names.insert(name, at: at)
    }

    /// net-tools' `nstrcmp`: the names without their trailing numbers, then those numbers, then the whole
    /// names, then the alias numbers (`eth0:12`).
    public static func nstrcmp(_ left: String, _ right: String) -> Int {
        /// Splits `eth0:1` into `eth0` and `1` (`cutalias`).
        func cutAlias(_ s: [UInt8]) -> ([UInt8], [UInt8]?) {
            var pos = s.count
            var digit = false
            while pos > 0 {
                if s[pos - 1] == 0x3A && digit { return (Array(s[..<(pos - 1)]), Array(s[pos...])) }
                if !(s[pos - 1] >= 0x30 && s[pos - 1] <= 0x39) { break }
                digit = true
                pos -= 1
            }
            return (s, nil)
        }
        func atoi(_ s: ArraySlice<UInt8>) -> Int {
            var value = 0
            for byte in s {
                guard byte >= 0x30 && byte <= 0x39 else { break }
                value = value &* 10 &+ Int(byte - 0x30)
            }
            return value
        }
        func nonDigitEnd(_ s: [UInt8]) -> Int {
            var pos = s.count
            while pos > 0 {
                if !(s[pos - 1] >= 0x30 && s[pos - 1] <= 0x39) { return pos }
                pos -= 1
            }
            return 0
        }
        func compare(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
            for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
            return a.count == b.count ? 0 : a.count < b.count ? -1 : 1
        }
        let (a, aliasA) = cutAlias(Array(left.utf8))
        let (b, aliasB) = cutAlias(Array(right.utf8))
        let (ai, bi) = (nonDigitEnd(a), nonDigitEnd(b))
        let prefix = compare(a[..<min(ai, bi)], b[..<min(ai, bi)])
        if prefix != 0 { return prefix }
        if ai != bi { return ai > bi ? 1 : -1 }
        let (av, bv) = (atoi(a[ai...]), atoi(b[bi...]))
        if av != bv { return av < bv ? -1 : 1 }
        let whole = compare(a[...], b[...])
        if whole != 0 { return whole }
        let (xa, xb) = (aliasA.map { atoi($0[...]) } ?? -1, aliasB.map { atoi($0[...]) } ?? -1)
        if xa != xb { return xa < xb ? -1 : 1 }
        if let aliasA, let aliasB { return compare(aliasA[...], aliasB[...]) }
        return 0
    }

    // MARK: - ioctls

    /// The names `SIOCGIFCONF` lists: interfaces with an IPv4 address, by label; nil when it fails.
    static func addressLabels(_ fd: Int32) -> [String]? {
        var capacity = 30
        while true {
            let size = MemoryLayout<ifreq>.stride * capacity
            var buffer = [UInt8](repeating: 0, count: size)
            var length: Int32 = 0
            let rc = buffer.withUnsafeMutableBytes { raw -> Int32 in
                var conf = ifconf()
                conf.ifc_len = Int32(size)
                conf.ifc_ifcu.ifcu_buf = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
                let rc = ioctl(fd, UInt(SIOCGIFCONF), &conf)
                length = conf.ifc_len
                return rc
            }
            guard rc == 0 else { return nil }
            if Int(length) == size {
                capacity *= 2
                continue
            }
            let count = Int(length) / MemoryLayout<ifreq>.stride
            return buffer.withUnsafeBytes { raw in
                (0..<count).map { n in
                    let entry = raw.loadUnaligned(fromByteOffset: n * MemoryLayout<ifreq>.stride, as: ifreq.self)
                    return name(of: entry)
                }
            }
        }
    }

    static func name(of request: ifreq) -> String {
        withUnsafeBytes(of: request.ifr_ifrn.ifrn_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func request(_ name: String) -> ifreq {
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { raw in
            let bytes = Array(name.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        return request
    }

    /// `SIOCGIFFLAGS`; nil when the interface is gone.
    static func flags(_ fd: Int32, _ name: String) -> UInt16? {
        var request = request(name)
        guard ioctl(fd, UInt(SIOCGIFFLAGS), &request) == 0 else { return nil }
        return UInt16(bitPattern: request.ifr_ifru.ifru_flags)
    }

    /// The -ie details of `name`: `SIOCGIFHWADDR`, `SIOCGIFMAP`, `SIOCGIFTXQLEN`, the IPv4 address queries.
    static func details(_ fd: Int32, _ name: String, flags: UInt16) -> InterfaceDetails {
        var request = request(name)
        var type: UInt16 = 0
        var hardware = [UInt8](repeating: 0, count: 8)
        if ioctl(fd, UInt(SIOCGIFHWADDR), &request) == 0 {
            type = request.ifr_ifru.ifru_hwaddr.sa_family
            withUnsafeBytes(of: request.ifr_ifru.ifru_hwaddr.sa_data) { hardware = Array($0.prefix(8)) }
        } else {
            // netstat reads the family of whatever the failed call left: the flags it asked for before.
            type = flags
        }
        var details = InterfaceDetails(hardwareType: type, hardwareAddress: hardware, txQueueLength: nil, ipv4: nil)
        request = Self.request(name)
        if ioctl(fd, UInt(SIOCGIFMAP), &request) == 0 {
            let map = request.ifr_ifru.ifru_map
            details.irq = map.irq
            details.baseAddress = map.base_addr
            details.memoryStart = map.mem_start
            details.memoryEnd = map.mem_end
            details.dma = map.dma
        }
        request = Self.request(name)
        if ioctl(fd, UInt(SIOCGIFTXQLEN), &request) == 0 { details.txQueueLength = request.ifr_ifru.ifru_ivalue }
        /// One IPv4 address query; 0.0.0.0 when it fails.
        func address(_ call: Int32) -> IPAddress? {
            var request = Self.request(name)
            request.ifr_ifru.ifru_addr.sa_family = sa_family_t(AF_INET)
            guard ioctl(fd, UInt(call), &request) == 0 else { return nil }
            let raw = withUnsafeBytes(of: request.ifr_ifru.ifru_addr) { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }
            return IPAddress(family: .inet, high: UInt64(raw), low: 0)
        }
        if let ipv4 = address(Int32(SIOCGIFADDR)) {
            let zero = IPAddress(family: .inet, high: 0, low: 0)
            details.ipv4 = InterfaceDetails.IPv4(
                address: ipv4, netmask: address(Int32(SIOCGIFNETMASK)) ?? zero,
                broadcast: address(Int32(SIOCGIFBRDADDR)) ?? zero, destination: address(Int32(SIOCGIFDSTADDR)) ?? zero)
        }
        return details
    }

    /// `/proc/net/if_inet6`: every IPv6 address, in the kernel's order; empty when IPv6 is disabled.
    public static func ipv6Addresses(path: String = "/proc/self/net/if_inet6") -> [InterfaceDetails.IPv6Address] {
        guard let text = try? WholeFile.read(path) else { return [] }
        return parseIfInet6(text)
    }

    /// Parses `address index prefix scope flags device`, the numbers in hex.
    public static func parseIfInet6(_ text: [UInt8]) -> [InterfaceDetails.IPv6Address] {
        ProcNetText.lines(text).compactMap { line in
            let words = ProcNetText.words(line)
            guard words.count >= 6, let address = ProcNetText.ipv6(hex: words[0]),
                let length = UInt8(ProcNetText.string(words[2]), radix: 16),
                let scope = ProcNetText.hex32(words[3])
            else { return nil }
            return InterfaceDetails.IPv6Address(
                address: address, prefixLength: length, scope: scope, interface: ProcNetText.string(words[5]))
        }
    }

    /// `SIOCGIFMTU`; nil when it fails.
    static func mtu(_ fd: Int32, _ name: String) -> Int32? {
        var request = request(name)
        guard ioctl(fd, UInt(SIOCGIFMTU), &request) == 0 else { return nil }
        return request.ifr_ifru.ifru_mtu
    }
}
