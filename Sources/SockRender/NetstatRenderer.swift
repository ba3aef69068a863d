import SockDiag
import SockPipeline

/// Renders net-tools netstat's Internet socket table, byte for byte.
///
/// Row layout as netstat prints it: `%-4s  %6ld %6ld %-23s %-23s %-11s` (raw sockets: the state as `%-11d`), then ` %-10s %-10lu` (-e), ` %-20s`
/// (-p) and ` %s` (-o). Without -W an address is cut so that it and its port fit 22 characters.
public final class NetstatRenderer: SocketSink {
    /// How names are shown, and which columns.
    public struct Options: Sendable {
        public var numericHosts = false
        public var numericPorts = false
        public var numericUsers = false
        public var wide = false
        public var extended = false
        public var programs = false
        public var timers = false
        public init() {}
    }

    /// Host and service names, from tables the CLI loaded before the run (/etc/hosts, /etc/services).
    public struct Names {
        public var host: (IPAddress) -> String?
        public var service: (UInt16, NetID) -> String?

        public init(
            host: @escaping (IPAddress) -> String?, service: @escaping (UInt16, NetID) -> String?
        ) {
            self.host = host
            self.service = service
        }
    }

    let out: OutputBuffer
    let options: Options
    let names: Names
    private let scratch = OutputBuffer(fd: nil)

    public init(out: OutputBuffer, options: Options, names: Names) {
        self.out = out
        self.options = options
        self.names = names
    }

    /// The heading netstat prints before the column header.
    public static func heading(listening: Bool, all: Bool) -> String {
        if all { return "Active Internet connections (servers and established)" }
        return listening ? "Active Internet connections (only servers)" : "Active Internet connections (w/o servers)"
    }

    /// The column header line, with the optional columns asked for.
    public func writeHeader() {
        out.append("Proto Recv-Q Send-Q Local Address           Foreign Address         State      ")
        if options.extended { out.append(" User       Inode     ") }
        if options.programs { out.append(" PID/Program name    ") }
        if options.timers { out.append(" Timer") }
        out.append(0x0A)
    }

    public func render(_ record: borrowing SocketRecord, _ socket: borrowing SocketJoin) throws {
        // Proto and queues: "%-4s  %6ld %6ld ".
        let proto = Self.proto(record.netid, v6: record.family == .inet6)
        out.append(proto)
        out.appendSpaces(4 - proto.utf8.count + 2)
        appendRight(UInt64(record.recvQ), width: 6)
        out.append(0x20)
        // /proc/net/tcp, which netstat reads, has no send queue for a listener (sock_diag reports its backlog).
        appendRight(record.state == .listen ? 0 : UInt64(record.sendQ), width: 6)
        out.append(0x20)
        appendAddress(record.local, netid: record.netid)
        out.append(0x20)
        appendAddress(record.peer, netid: record.netid)
        out.append(0x20)
        let state = Self.state(record)
        out.append(state)
        out.appendSpaces(11 - state.utf8.count)
        if options.extended {
            out.append(0x20)
            let before = out.count
            if !options.numericUsers, let name = socket.userName {
                out.appendEscaped(name)
            } else {
                out.append(decimal: UInt64(record.uid))
            }
            out.appendSpaces(10 - (out.count - before))
            out.append(0x20)
            let inodeStart = out.count
            out.append(decimal: UInt64(record.inode))
            out.appendSpaces(10 - (out.count - inodeStart))
        }
        if options.programs {
            out.append(0x20)
            let before = out.count
            out.appendEscaped(socket.program.map(Self.programText) ?? "-")
            out.appendSpaces(20 - (out.count - before))
        }
        if options.timers {
            out.append(0x20)
            appendTimer(record.timer)
        }
        out.append(0x0A)
        try out.flushIfFull()
    }

    public func finish() throws {
        try out.flush()
    }

    // MARK: - Fields

    /// netstat's program cell, `PID/name`: its buffer holds 19 characters.
    static func programText(_ program: (pid: Int32, name: String)) -> String {
        String("\(program.pid)/\(program.name)".utf8.prefix(19)) ?? ""
    }

    static func proto(_ netid: NetID, v6: Bool) -> String {
        switch netid {
        case .tcp: v6 ? "tcp6" : "tcp"
        case .udp: v6 ? "udp6" : "udp"
        case .udplite: v6 ? "udpl6" : "udpl"
        case .sctp: v6 ? "sctp6" : "sctp"
        default: v6 && netid.isInet ? netid.rawValue + "6" : netid.rawValue
        }
    }

    /// netstat's state: TCP's names; for UDP `ESTABLISHED`, or nothing when unconnected; for raw sockets the
    /// kernel's number (`%-11d`: 7 for unconnected, 1 for connected).
    static func state(_ record: borrowing SocketRecord) -> String {
        if record.netid == .raw { return String(record.state.rawValue) }
        if record.netid.isDatagram {
            switch record.state {
            case .established: return "ESTABLISHED"
            case .close: return ""
            default: return "UNKNOWN"
            }
        }
        return record.state.netstatName
    }

    private func appendRight(_ value: UInt64, width: Int) {
        scratch.reset()
        scratch.append(decimal: value)
        out.appendSpaces(width - scratch.count)
        scratch.withUnsafeBytes { out.append($0) }
    }

    /// `host:port`, padded to 23 (`%-*s` with netmax(23, len)); cut to fit 22 + ':' without -W.
    private func appendAddress(_ endpoint: InetEndpoint, netid: NetID) {
        scratch.reset()
        if endpoint.address.isUnspecified && !options.numericHosts && endpoint.address.family == .inet6 {
            scratch.append("[::]")
        } else if !options.numericHosts, let name = names.host(endpoint.address) {
            scratch.appendEscaped(name)
        } else {
            scratch.append(address: endpoint.address)
        }
        let hostLength = scratch.count
        var port: String
        if endpoint.port == 0 {
            port = "*"
        } else if !options.numericPorts, let service = names.service(endpoint.port, netid) {
            port = service
        } else {
            port = String(endpoint.port)
        }
        var keep = hostLength
        if !options.wide && hostLength + port.utf8.count > 22 { keep = max(0, 22 - port.utf8.count) }
        scratch.withUnsafeBytes { out.append(UnsafeRawBufferPointer(rebasing: $0[0..<keep])) }
        out.append(0x3A)
        out.append(port)
        out.appendSpaces(23 - (keep + 1 + port.utf8.count))
    }

    /// `off (0.00/0/0)`, `on (0.20/1/0)`, `keepalive (7190.29/0/0)`, `timewait (59.62/0/0)`: seconds with two
    /// decimals, retransmits, then keepalive/zero-window probes.
    private func appendTimer(_ timer: SocketTimer) {
        let name: StaticString
        switch timer.kind {
        case .off: name = "off"
        case .on: name = "on"
        case .keepalive: name = "keepalive"
        case .timeWait: name = "timewait"
        case .probe: name = "probe"
        case .unknown: name = "unkn"
        }
        out.append(name)
        out.append(" (")
        out.append(fixed: timer.kind == .off ? 0 : UInt64(timer.expiresMilliseconds / 10), scale: 2)
        let probes = timer.kind == .keepalive || timer.kind == .probe
        out.append(0x2F)
        out.append(decimal: probes ? 0 : UInt64(timer.retransmits))
        out.append(0x2F)
        out.append(decimal: probes ? UInt64(timer.retransmits) : 0)
        out.append(0x29)
    }
}
