import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockRender
import SystemPackage

/// `sockwatch pfiles PID…`: Solaris pfiles for Linux — every descriptor, and for sockets the options that are on.
struct PfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pfiles",
        abstract: "Every open file of a process, with the socket options that are set (like Solaris pfiles).",
        discussion: """
            Socket options are read with getsockopt on a duplicate of the process's descriptor \
            (pidfd_open + pidfd_getfd, Linux 5.6+, ptrace rights over the process); the duplicate is closed at \
            once and nothing is set, read or written. Without that right (EPERM, Yama) or on an older kernel \
            (ENOSYS), the options are marked unavailable and what sock_diag still knows is shown instead.
            """)

    @Argument(help: ArgumentHelp("Process ids.", valueName: "pid"))
    var pids: [String] = []

    @Option(name: .customLong("command"), help: ArgumentHelp("Also every process whose name starts with NAME, or matches /REGEX/.", valueName: "name"))
    var commands: [String] = []

    func validate() throws {
        for pid in pids where Int32(pid).map({ $0 <= 0 }) ?? true {
            throw ValidationError("pfiles takes process ids (positive numbers), not '\(pid)'")
        }
        for command in commands where CommandPattern(command) == nil {
            throw ValidationError("--command: '\(command)' is not a valid /regular expression/")
        }
        if pids.isEmpty && commands.isEmpty { throw ValidationError("pfiles needs a pid or --command NAME") }
    }

    func run() throws {
        var targets = pids.compactMap { Int32($0) }
        if !commands.isEmpty {
            targets += ProcessSelection(commands: commands.compactMap(CommandPattern.init)).resolve().pids
        }
        let out = OutputBuffer(fd: 1)
        let renderer = PfilesRenderer(out: out)
        let probe = SocketProbe()
        let client = try DiagClient()
        var shown = 0
        for pid in Set(targets).sorted() {
            let process: ProcessFiles
            do {
                process = try ProcessFiles(pid: pid)
            } catch {
                _ = Sockwatch.fail(error.description, status: 1)
                continue
            }
            try renderer.render(process, sockets: try sockets(of: process, probe: probe, client: client))
            shown += 1
        }
        try renderer.finish()
        if shown == 0 { throw ExitCode(1) }
    }

    /// Options from a duplicate of each socket descriptor, joined with sock_diag's record by inode.
    private func sockets(of process: ProcessFiles, probe: SocketProbe, client: DiagClient) throws -> [Int32: PfilesSocket] {
        var sockets: [Int32: PfilesSocket] = [:]
        var unjoined: [UInt32: Int32] = [:]  // inode -> fd, for a dump when lookups are impossible
        for file in process.files where file.isSocket {
            var socket = PfilesSocket()
            do {
                let report = try probe.report(pid: process.pid, fd: file.fd)
                socket.report = report
                socket.diag = lookUp(report, inode: file.inode, client: client)
            } catch {
                socket.unavailable = Self.reason(error, pid: process.pid)
            }
            if socket.diag == nil, let inode = UInt32(exactly: file.inode), socket.report.map(Self.isInet) ?? true {
                unjoined[inode] = file.fd
            }
            sockets[file.fd] = socket
        }
        guard !unjoined.isEmpty else { return sockets }
        // No addresses to look up by: find the inodes in a dump of every INET socket.
        for netid in [NetID.tcp, .udp] {
            for family in [IPAddress.Family.inet, .inet6] {
                let request = InetRequest(netid: netid, family: family, states: .all, extensions: [.info, .skMemInfo])
                try client.dump(request) { record in
                    if let fd = unjoined[record.inode] { sockets[fd]?.diag = copy record }
                }
            }
        }
        return sockets
    }

    static func isInet(_ report: SocketProbe.Report) -> Bool { report.family == AF_INET || report.family == AF_INET6 }

    /// The kernel's record for the socket `report` describes, looked up by its addresses.
    private func lookUp(_ report: SocketProbe.Report, inode: UInt64, client: DiagClient) -> SocketRecord? {
        guard Self.isInet(report), case let .inet(_, local)? = report.sockname,
            let netid = NetID.inet(protocol: report.ipProtocol)
        else { return nil }
        let family: IPAddress.Family = report.family == AF_INET ? .inet : .inet6
        var peer = SocketProbe.Endpoint(high: 0, low: 0, port: 0)
        if case let .inet(_, remote)? = report.peername { peer = remote }
        func endpoint(_ e: SocketProbe.Endpoint) -> InetEndpoint {
            InetEndpoint(address: IPAddress(family: family, high: e.high, low: e.low), port: e.port)
        }
        let request = InetRequest(
            netid: netid, family: family, states: .all, extensions: [.info, .skMemInfo],
            id: SocketID(local: endpoint(local), peer: endpoint(peer)))
        guard let record = try? client.lookup(request), UInt64(record.inode) == inode else { return nil }
        return record
    }

    /// Why options could not be read, for the report.
    static func reason(_ error: any Error, pid: Int32) -> String {
        guard let errno = error as? Errno else { return "\(error)" }
        let name = errnoName(errno)
        switch errno.rawValue {
        case EPERM, EACCES: return "\(name): no ptrace rights over pid \(pid)"
        case ENOSYS: return "\(name): this kernel has no pidfd_getfd (Linux 5.6+)"
        case EBADF, ESRCH: return "\(name): the descriptor or process went away"
        default: return "\(name)"
        }
    }
}
