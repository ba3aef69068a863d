import SockPipeline
import SockDiag

/// Renders Solaris pfiles's report for one process: a heading, then every descriptor with its type, mode,
/// flags and path, and for sockets the type, the options that are on, the names and the sock_diag view.
public final class PfilesRenderer {
    let out: OutputBuffer

    public init(out: OutputBuffer) { self.out = out }

    public func render(_ process: ProcessFiles, sockets: [Int32: PfilesSocket]) throws {
        out.append(decimal: process.pid)
        out.append(":\t")
        out.appendEscaped(process.commandLine)
        out.append("\n  Current rlimit: ")
        out.append(process.openFileLimit ?? "?")
        out.append(" file descriptors\n")
        for file in process.files {
            appendFile(file)
            if file.isSocket { appendSocket(sockets[file.fd] ?? PfilesSocket(unavailable: "not examined")) }
            out.append("      ")
            out.appendEscaped(file.target)
            out.append(0x0A)
            try out.flushIfFull()
        }
    }

    public func finish() throws { try out.flush() }

    // MARK: - Descriptor lines

    private func appendFile(_ file: OpenFile) {
        let fd = String(file.fd)
        out.appendSpaces(4 - fd.count)
        out.append(fd)
        out.append(": ")
        out.append(file.typeName)
        out.append(" mode:0")
        out.append(String(file.mode & 0o7777, radix: 8))
        out.append(" dev:")
        appendDevice(file.device)
        out.append(" ino:", decimal: file.inode)
        out.append(" uid:", decimal: UInt64(file.uid))
        out.append(" gid:", decimal: UInt64(file.gid))
        if file.typeName == "S_IFCHR" || file.typeName == "S_IFBLK" {
            out.append(" rdev:")
            appendDevice(file.specialDevice)
        } else {
            out.append(" size:", decimal: file.size)
        }
        out.append("\n      ")
        out.append(file.flags.map(OpenFile.describe(flags:)) ?? "flags unknown")
        out.append(0x0A)
    }

    /// `MAJOR,MINOR` with Linux's dev_t encoding.
    private func appendDevice(_ dev: UInt64) {
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
        let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
        out.append(decimal: major)
        out.append(0x2C)
        out.append(decimal: minor)
    }

    // MARK: - Socket lines

    private func appendSocket(_ socket: PfilesSocket) {
        if let report = socket.report {
            out.append("\t")
            out.append(Self.typeName(report.type))
            out.append("\n\t")
            out.append(report.options.map(\.text).joined(separator: ","))
            out.append(0x0A)
            appendName("sockname", report.sockname)
            appendName("peername", report.peername)
        } else {
            // The transport still tells the type.
            let type = socket.diag.map { $0.netid == .tcp ? "SOCK_STREAM" : $0.netid == .sctp ? "SOCK_SEQPACKET" : "SOCK_DGRAM" }
            out.append("\t")
            out.append(type ?? "SOCK_?")
            out.append("\n\toptions unavailable: ")
            out.appendEscaped(socket.unavailable ?? "unknown reason")
            out.append(0x0A)
            if let diag = socket.diag {
                // What sock_diag still tells: buffer sizes and keepalive.
                var known: [String] = []
                if diag.timer.kind == .keepalive { known.append("SO_KEEPALIVE") }
                if let skmem = diag.skMemInfo {
                    if let sndbuf = skmem[3] { known.append("SO_SNDBUF(\(sndbuf))") }
                    if let rcvbuf = skmem[1] { known.append("SO_RCVBUF(\(rcvbuf))") }
                }
                if !known.isEmpty {
                    out.append("\t")
                    out.append(known.joined(separator: ","))
                    out.append(" (from sock_diag)\n")
                }
                appendName("sockname", .inet(family: diag.family == .inet ? 2 : 10, endpoint(diag.local)))
                if !diag.peer.address.isUnspecified || diag.peer.port != 0 {
                    appendName("peername", .inet(family: diag.family == .inet ? 2 : 10, endpoint(diag.peer)))
                }
            }
        }
        if let diag = socket.diag { appendDiag(diag) }
    }

    private func endpoint(_ e: InetEndpoint) -> SocketEndpoint {
        SocketEndpoint(high: e.address.high, low: e.address.low, port: e.port)
    }

    private func appendName(_ label: StaticString, _ name: SocketName?) {
        guard let name else { return }
        out.append("\t")
        out.append(label)
        out.append(": ")
        switch name {
        case let .inet(family, endpoint):
            let v6 = family == 10
            out.append(v6 ? "AF_INET6 " : "AF_INET ")
            out.append(address: IPAddress(family: v6 ? .inet6 : .inet, high: endpoint.high, low: endpoint.low))
            out.append("  port: ")
            out.append(decimal: UInt64(endpoint.port))
        case let .unix(path):
            out.append("AF_UNIX")
            if !path.isEmpty {
                out.append(0x20)
                out.appendEscaped(path)
            }
        case let .other(family):
            out.append("family ")
            out.append(decimal: family)
        }
        out.append(0x0A)
    }

    private func appendDiag(_ diag: borrowing SocketRecord) {
        out.append("\tsock_diag: ")
        out.append(diag.netid.isDatagram && diag.state == .close ? "UNCONN" : diag.state.netstatName)
        out.append(" recv-q:", decimal: UInt64(diag.recvQ))
        out.append(" send-q:", decimal: UInt64(diag.sendQ))
        // Another network namespace's socket (the process's own, not sockwatch's), as --all-netns names it.
        if diag.netns != 0 { out.append(" netns:ns:", decimal: diag.netns) }
        if let info = diag.tcpInfo, diag.state != .listen {
            if let rtt = info.rtt {
                out.append(" rtt:")
                out.append(trimmed: rtt, scale: 3)
                out.append("ms")
            }
            if let cwnd = info.sendCongestionWindow {
                out.append(" cwnd:", decimal: cwnd)
            }
            if let retrans = info.totalRetransmits {
                out.append(" retrans:", decimal: retrans)
            }
        }
        out.append(0x0A)
    }

    static func typeName(_ type: Int32) -> String {
        switch type {
        case 1: "SOCK_STREAM"
        case 2: "SOCK_DGRAM"
        case 3: "SOCK_RAW"
        case 4: "SOCK_RDM"
        case 5: "SOCK_SEQPACKET"
        default: "SOCK_TYPE(\(type))"
        }
    }
}
