import CommandSupport
import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockRender

/// `sockwatch lsof` when more than sockets can be listed (no `-i`/`-U`, or them ORed with `-p`, `-c`, `-u`,
/// `-d`): every file of each process lsof's rules select, in one pass over `/proc`.
///
/// The sockets of sockwatch's namespace come from one sock_diag dump first (TCP, UDP, UDP-Lite, UNIX with
/// their `/proc/net/unix` lines), netlink protocols from `/proc/net/netlink`, raw, ICMP and packet sockets
/// from `/proc/net/raw`, `raw6`, `icmp`, `packet`, locks from `/proc/locks`; then
/// each process is read (`ProcessFileTable`), its files selected (`LsofSelection.selectFile`), its socket
/// descriptors joined by inode, and handed to the renderer. A socket the dump lacks (another namespace, a
/// kind neither lists: SCTP, AX.25, IPX) is lsof's `sock` with the kernel's protocol name; raw, ICMP and
/// packet sockets come from their `/proc/net` files, as lsof reads them.
struct LsofFileListing {
    let options: LsofOptions
    let selection: LsofSelection
    let processes: LsofProcesses
    let hostNames: HostNames?
    /// Read every descriptor's offset (`-F o`), not only those of devices, pipes and sockets.
    let offsets: Bool

    /// One process's (or thread's) listed files, kept while host names are looked up.
    private typealias Listed = (
        pid: Int32, task: (id: Int32, command: String)?, command: String, owner: LsofOwner, files: [LsofFile]
    )

    func run(into renderer: LsofFileRenderer) throws {
        let table = SocketTable()
        var query = SocketQuery(netids: [.tcp, .udp, .udplite, .unix], families: [.inet, .inet6], states: .all)
        query.unixLines = true
        try SocketPipeline(report: Stderr.note).run(query, into: table)
        let netlink = ProcNetNetlink()
        let otherSockets = ProcNetSockets()
        let locks = FileLocks()
        let names = ProcessNames()

        let selected = selection.prescan()
        let pids = selected ?? processes.allPIDs()
        var listed: [Listed] = []
        // lsof 4.95 lists each thread's files after its process's when nothing is selected.
        let threads = selection.kinds.isEmpty
        for pid in pids {
            guard pid > 0, let uid = processes.uid(of: pid), let command = processes.command(of: pid),
                let found = selection.processKinds(pid: pid, command: command, uid: uid)
            else { continue }
            let owner = LsofOwner(uid: uid, login: options.numericUsers ? nil : names.user(uid: uid))
            let tasks = threads ? ProcessFileTable.tasks(of: pid) : []
            for task in [nil] + tasks.map(Optional.some) {
                let process = ProcessFileTable(pid: pid, task: task?.id, uid: uid, locks: locks, offsets: offsets)
                var files: [LsofFile] = []
                for entry in process.files {
                    var file = LsofFile(entry: entry)
                    var socket: LsofSocket?
                    if entry.isSocket, case let .fd(fd) = entry.slot, let inode = entry.status?.inode {
                        if let (record, line) = table.socket(inode: inode) {
                            socket = LsofSocket(record, unix: line.map(LsofUnix.init))
                            file.socket = .known(socket!)
                        } else if let number = netlink.protocolNumber(inode: inode) {
                            file.socket = .netlink(ProcNetNetlink.name(number) ?? "unknown protocol: \(number)")
                        } else if let line = otherSockets.line(inode: inode) {
                            file.socket = .procNet(line)
                        } else {
                            file.socket = .other(protocolName: ProcessFileTable.socketProtocol(pid: pid, fd: fd))
                        }
                    }
                    guard selection.selectFile(entry.slot, socket: socket, processFound: found) else { continue }
                    files.append(file)
                }
                guard !files.isEmpty else { continue }
                if hostNames == nil {
                    try renderer.add(pid: pid, task: task, command: command, owner: owner, files: files)
                } else {
                    listed.append((pid, task, command, owner, files))
                }
            }
        }
        if let hostNames {
            // Names for the listed Internet sockets only, many at a time, before the first row is written.
            for process in listed {
                for case let .known(socket)? in process.files.map(\.socket) where socket.unix == nil {
                    hostNames.lookUp(socket.local.address)
                    hostNames.lookUp(socket.peer.address)
                }
            }
            let late = hostNames.finish()
            if late > 0 { Stderr.note(.lateNames(late, hostNames)) }
            for process in listed {
                try renderer.add(
                    pid: process.pid, task: process.task, command: process.command, owner: process.owner,
                    files: process.files)
            }
        }
        try renderer.finish()
    }
}
