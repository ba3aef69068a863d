import Glibc
import ProcIndex
import SockDiag
import SystemPackage

/// What pfiles knows about one socket descriptor.
public struct PfilesSocket {
    /// From `getsockopt` on a duplicate; nil when the duplicate was refused.
    public var report: SocketReport?
    /// Why `report` is missing ("EPERM: no ptrace rights over pid 42").
    public var unavailable: String?
    /// The kernel's sock_diag view of the same socket, joined by inode.
    public var diag: SocketRecord?

    public init(report: SocketReport? = nil, unavailable: String? = nil, diag: SocketRecord? = nil) {
        self.report = report
        self.unavailable = unavailable
        self.diag = diag
    }
}

/// pfiles's join: each socket descriptor of a process with its options (through a duplicate of the
/// descriptor) and the kernel's record of it (looked up by its addresses, or found by inode in a dump).
public final class ProcessSocketJoin {
    private let probe = SocketProbe()
    private let ownClient: DiagClient
    private let ownNamespace: UInt64?
    /// Clients inside other processes' network namespaces, by nsfs inode (rows tagged with it).
    private var namespaceClients: [UInt64: DiagClient] = [:]
    /// Notes for the user (a namespace that cannot be entered); the caller prints them.
    public private(set) var notes: [PipelineNote] = []

    public init() throws {
        ownClient = try DiagClient()
        ownNamespace = try? NetworkNamespace.current().inode
    }

    /// The client answering for `pid`'s network namespace (`/proc/PID/ns/net`): sockwatch's own, or one
    /// inside the process's namespace whose rows are tagged as `--all-netns` tags them. Sockets of a process
    /// in another namespace are in that namespace's tables only.
    private func client(for pid: Int32) -> DiagClient {
        let path = "/proc/\(pid)/ns/net"
        guard let inode = try? NetworkNamespace.inode(of: path), inode != ownNamespace else { return ownClient }
        if let client = namespaceClients[inode] { return client }
        let namespace = NetworkNamespace(inode: inode, pid: pid, path: path)
        do {
            let client = try NamespaceClients.client(for: namespace, own: ownNamespace)
            namespaceClients[inode] = client
            return client
        } catch {
            notes.append(PipelineNote(
                .note, "\(NamespaceClients.refusal(namespace, error)); pid \(pid)'s sockets have no sock_diag line"))
            namespaceClients[inode] = ownClient
            return ownClient
        }
    }

    /// The files of `pid` (`/proc/PID/fd`, `fdinfo`).
    public func files(of pid: Int32) throws -> ProcessFiles {
        try ProcessFiles(pid: pid)
    }

    /// Options from a duplicate of each socket descriptor, joined with sock_diag's record by inode.
    public func sockets(of process: ProcessFiles) throws -> [Int32: PfilesSocket] {
        var sockets: [Int32: PfilesSocket] = [:]
        var unjoined: [UInt32: Int32] = [:]  // inode -> fd, for a dump when lookups are impossible
        let client = client(for: process.pid)
        for file in process.files where file.isSocket {
            var socket = PfilesSocket()
            do {
                let report = try probe.report(pid: process.pid, fd: file.fd)
                socket.report = report
                socket.diag = lookUp(report, inode: file.inode, in: client)
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
    private func lookUp(_ report: SocketProbe.Report, inode: UInt64, in client: DiagClient) -> SocketRecord? {
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
