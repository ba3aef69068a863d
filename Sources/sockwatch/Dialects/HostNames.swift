import Glibc
import SockDiag

/// Host and service names without DNS: `/etc/hosts` and `/etc/services` only, so a listing never waits on
/// the network (netstat and lsof would ask the resolver; on a host without DNS that can hang for seconds).
final class HostNames {
    private var hosts: [IPAddress: String] = [:]
    private var services: [UInt32: String?] = [:]

    init(hostsFile: String = "/etc/hosts") {
        guard let file = fopen(hostsFile, "r") else { return }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            let fields = text.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard fields.count >= 2, let address = IPAddress(String(fields[0])) else { continue }
            // The first name listed for an address wins, as the resolver's files backend does.
            if hosts[address] == nil { hosts[address] = String(fields[1]) }
        }
    }

    func host(_ address: IPAddress) -> String? { hosts[address] }

    /// The service name of `port` for TCP or UDP from /etc/services.
    func service(_ port: UInt16, _ netid: NetID) -> String? {
        let key = UInt32(port) << 8 | UInt32(netid == .tcp ? 1 : 0)
        if let known = services[key] { return known }
        let entry = getservbyport(Int32(port.bigEndian), netid == .tcp ? "tcp" : "udp")
        let name = entry.map { String(cString: $0.pointee.s_name) }
        services[key] = name
        return name
    }
}
