import ProcIndex
import SockDiag
import SockRender

/// Host and service names for the netstat and lsof dialects, from `/etc/hosts` and `/etc/services` only.
///
/// netstat and lsof ask the system resolver, which may ask DNS for every address it prints (and for `-i @host`); these
/// two files are all sockwatch reads, so a listing never waits on the network. The lookups follow glibc's
/// `files` backend: names compare without case, every line of a host counts (`multi on`), the first line of
/// an address or a port gives its name.
protocol LsofResolver {
    /// The addresses of `name` in `family` (`gethostbyname2`).
    func addresses(ofHost name: String, family: IPAddress.Family) -> [IPAddress]
    /// The port of service `name` for `transport` (`"tcp"`, `"udp"`) (`getservbyname`).
    func port(ofService name: String, transport: String) -> Int?
}

struct NameFiles: LsofResolver {
    struct Host {
        var address: IPAddress
        var names: [String]
    }

    struct Service {
        var names: [String]
        var port: UInt16
        var transport: String
    }

    var hosts: [Host] = []
    var services: [Service] = []

    /// Reads both files; a missing file is an empty table.
    static func load(hosts hostsPath: String = "/etc/hosts", services servicesPath: String = "/etc/services")
        -> NameFiles
    {
        NameFiles(
            hosts: parseHosts(readText(hostsPath) ?? ""), services: parseServices(readText(servicesPath) ?? ""))
    }

    static func parseHosts(_ text: String) -> [Host] {
        var hosts: [Host] = []
        for line in text.split(separator: "\n") {
            let words = fields(line)
            guard words.count >= 2, let address = IPAddress(String(words[0])) else { continue }
            hosts.append(Host(address: address, names: words.dropFirst().map(String.init)))
        }
        return hosts
    }

    static func parseServices(_ text: String) -> [Service] {
        var services: [Service] = []
        for line in text.split(separator: "\n") {
            let words = fields(line)
            guard words.count >= 2 else { continue }
            let spec = words[1].split(separator: "/")
            guard spec.count == 2, let port = UInt16(spec[0]) else { continue }
            services.append(
                Service(
                    names: [String(words[0])] + words.dropFirst(2).map(String.init), port: port,
                    transport: spec[1].lowercased()))
        }
        return services
    }

    /// The whitespace-separated words of a line, up to a `#`.
    private static func fields(_ line: Substring) -> [Substring] {
        let content = line.prefix { $0 != "#" }
        return content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
    }

    func addresses(ofHost name: String, family: IPAddress.Family) -> [IPAddress] {
        let wanted = name.lowercased()
        var found: [IPAddress] = []
        for host in hosts where host.address.family == family && host.names.contains(where: { $0.lowercased() == wanted }) {
            if !found.contains(host.address) { found.append(host.address) }
        }
        return found
    }

    func port(ofService name: String, transport: String) -> Int? {
        services.first { $0.transport == transport && $0.names.contains(name) }.map { Int($0.port) }
    }

    /// The tables the renderer prints names from; nil where `-n`/`-P` asked for numbers.
    func names(hosts resolveHosts: Bool, ports resolvePorts: Bool) -> LsofNames {
        var names = LsofNames()
        if resolveHosts {
            var table: [IPAddress: String] = [:]
            for host in hosts where table[host.address] == nil { table[host.address] = host.names[0] }
            names.hosts = table
        }
        if resolvePorts {
            var tcp: [UInt16: String] = [:]
            var udp: [UInt16: String] = [:]
            for service in services {
                switch service.transport {
                case "tcp": if tcp[service.port] == nil { tcp[service.port] = service.names[0] }
                case "udp": if udp[service.port] == nil { udp[service.port] = service.names[0] }
                default: break
                }
            }
            names.tcpServices = tcp
            names.udpServices = udp
        }
        return names
    }

    /// IP protocol names by number, from `/etc/protocols` (`getprotobynumber`); the first line of a number
    /// names it. netstat shows a raw socket's protocol where a port would be, by this name.
    static func protocols(path: String = "/etc/protocols") -> [UInt16: String] {
        var table: [UInt16: String] = [:]
        for line in (readText(path) ?? "").split(separator: "\n") {
            let words = fields(line)
            guard words.count >= 2, let number = UInt16(words[1]), table[number] == nil else { continue }
            table[number] = String(words[0])
        }
        return table
    }

    /// A small text file, whole; nil when it cannot be read.
    static func readText(_ path: String) -> String? {
        (try? WholeFile.read(path)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Host names through the system resolver (`getaddrinfo`, each name once), services from /etc/services loaded
/// on first use: for an `-i` name, or for the NAME column.
final class LsofLazyResolver: LsofResolver {
    private let load: () -> NameFiles
    private(set) lazy var files: NameFiles = load()
    private var hosts: [String: [IPAddress]] = [:]
    /// Why the last name asked for gave no address (shown in the usage error).
    private(set) var failure: HostAddresses.Failure?

    init(load: @escaping () -> NameFiles) {
        self.load = load
    }

    func addresses(ofHost name: String, family: IPAddress.Family) -> [IPAddress] {
        if hosts[name] == nil {
            do {
                hosts[name] = try HostAddresses.lookUp(name)
            } catch {
                failure = error
                hosts[name] = []
            }
        }
        return hosts[name, default: []].filter { $0.family == family }
    }

    func port(ofService name: String, transport: String) -> Int? {
        files.port(ofService: name, transport: transport)
    }
}
