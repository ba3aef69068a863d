import Glibc
import ProcIndex
import SockDiag
import Synchronization

/// Looks selected sockets up by their addresses on several threads, and hands them over in order.
///
/// The sockets are cut into chunks. Each thread takes the next chunk, reads each socket's addresses from a
/// duplicate of its owner's descriptor (`SocketProbe`), asks the kernel for the whole chunk in one batch of
/// lookups (`DiagClient.lookup`) and keeps the sockets the query wants. Both steps are kernel work that runs
/// in the calling thread (pidfd_getfd and getsockname; sock_diag answers inside sendmsg), so threads on other
/// cores overlap it. The calling thread also hands finished chunks to `emit` in chunk order: the sockets come
/// out as if looked up one after another.
final class LookupRun: @unchecked Sendable {
    /// One socket and the descriptor to read its addresses through.
    struct Socket {
        var inode: UInt32
        var pid: Int32
        var fd: Int32
    }

    /// A socket its addresses did not find: the lookup answered with another socket (one of a `SO_REUSEPORT`
    /// group, which the kernel's lookup picks among) or none (MPTCP, which it finds by token, not addresses).
    /// The caller finds these in a dump.
    struct Miss {
        var inode: UInt32
        var netid: NetID
        var localPort: UInt16
    }

    /// Sockets per chunk: one sendmsg of lookups each, and the grain the threads share work at.
    static let chunkSize = 512

    private let sockets: [Socket]
    private let netids: [NetID]
    private let families: [IPAddress.Family]
    private let extensions: DiagExtensions
    /// The query's check of a looked-up socket (`SocketQuery.lookupCheck`).
    private let check: (borrowing SocketRecord) -> Bool
    /// The protocol every wanted socket has, when only one can be looked up: then no socket is asked its own.
    private let assumed: Int32?
    private let slots: [Slot]
    private let cursor = Atomic<Int>(0)
    private let stop = Atomic<Bool>(false)
    private let failure = Mutex<(any Error)?>(nil)
    /// Emptied record arrays of emitted chunks, with their capacity: a chunk's records are a few hundred KiB,
    /// which malloc would map and unmap afresh each time.
    private let spare = Mutex<[[SocketRecord]]>([])

    /// A chunk looked up by another thread than the one emitting, kept until its turn.
    private final class Slot: @unchecked Sendable {
        var records: [SocketRecord] = []
        var misses: [Miss] = []
        let done = Atomic<Bool>(false)
    }

    /// The sockets their lookups did not find, after `run` (for the caller to dump).
    private(set) var misses: [Miss] = []

    init(_ sockets: [Socket], query: SocketQuery) {
        self.sockets = sockets
        netids = query.netids
        families = query.families
        extensions = query.extensions
        check = query.lookupCheck
        // A lookup by a socket's addresses finds that socket (same inode) only if it has the protocol asked.
        let lookable = query.netids.filter { [.tcp, .udp, .udplite, .sctp, .mptcp].contains($0) }
        assumed = lookable.count == 1 ? Int32(lookable[0].ipProtocol) : nil
        slots = (0..<(sockets.count + Self.chunkSize - 1) / Self.chunkSize).map { _ in Slot() }
    }

    /// Looks every socket up on up to `threads` threads (this one included) and hands each wanted one to
    /// `emit`, on this thread, in the order of `sockets`.
    func run(threads: Int, client: DiagClient, emit: (borrowing SocketRecord) throws -> Void) throws {
        var helpers: [WorkerThread] = []
        defer {
            stop.store(true, ordering: .releasing)
            for thread in helpers { thread.join() }
        }
        for _ in 1..<max(1, min(threads, slots.count)) {
            guard let thread = try startHelper() else { break }
            helpers.append(thread)
        }

        let probe = SocketProbe()
        var next = 0  // the first chunk not yet emitted
        /// Emits every finished chunk from `next` on.
        func emitFinished() throws {
            while next < slots.count, slots[next].done.load(ordering: .acquiring) {
                var records = slots[next].records
                slots[next].records = []
                for record in records { try emit(record) }
                misses += slots[next].misses
                records.removeAll(keepingCapacity: true)
                spare.withLock { $0.append(records) }
                next += 1
            }
        }
        while !stop.load(ordering: .relaxed) {
            let k = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
            guard k < slots.count else { break }
            if k == next {
                // Every chunk before this one is out: this one goes straight out too.
                try lookUp(chunk: k, probe: probe, client: client, missed: &misses) { try emit($0) }
                next += 1
            } else {
                try store(chunk: k, probe: probe, client: client)
            }
            try emitFinished()
        }
        for thread in helpers { thread.join() }
        helpers = []
        if let error = failure.withLock({ $0 }) { throw error }
        try emitFinished()
    }

    /// Probes and looks up the sockets of chunk `k`; `body` gets each one the query wants, `missed` each one
    /// its addresses did not find.
    private func lookUp(
        chunk k: Int, probe: SocketProbe, client: DiagClient, missed: inout [Miss],
        _ body: (borrowing SocketRecord) throws -> Void
    ) throws {
        let range = (k * Self.chunkSize)..<min(sockets.count, (k + 1) * Self.chunkSize)
        var requests: [InetRequest] = []
        var inodes: [UInt32] = []
        var holders: [Socket] = []
        requests.reserveCapacity(range.count)
        inodes.reserveCapacity(range.count)
        for socket in sockets[range] {
            // A descriptor that cannot be duplicated went away with its process, or the process stopped
            // allowing it (the caller checked access first): its socket is not listed.
            guard let inet = try? probe.inet(pid: socket.pid, fd: socket.fd, assuming: assumed),
                let family = IPAddress.Family(rawValue: UInt8(truncatingIfNeeded: inet.family)),
                let netid = NetID.inet(protocol: inet.ipProtocol),
                netids.contains(netid), families.contains(family)
            else { continue }
            func endpoint(_ e: SocketProbe.Endpoint) -> InetEndpoint {
                InetEndpoint(address: IPAddress(family: family, high: e.high, low: e.low), port: e.port)
            }
            let id = SocketID(local: endpoint(inet.local), peer: endpoint(inet.peer))
            requests.append(InetRequest(netid: netid, family: family, states: .all, extensions: extensions, id: id))
            inodes.append(socket.inode)
            holders.append(socket)
        }
        var found = [Bool](repeating: false, count: requests.count)
        try client.lookup(requests) { index, record in
            // Another socket with the same addresses (another namespace's, a reuseport group's) is not this one.
            guard record.inode == inodes[index] else { return }
            found[index] = true
            guard check(record) else { return }
            try body(record)
        }
        for (index, wasFound) in found.enumerated() where !wasFound {
            let request = requests[index]
            // Looked up with an assumed protocol: a socket of another (a UDP socket for `-t`) is not wanted,
            // not missed. Asked here, for the few not found, instead of for every socket.
            if assumed != nil {
                let socket = holders[index]
                guard let inet = try? probe.inet(pid: socket.pid, fd: socket.fd, assuming: nil),
                    NetID.inet(protocol: inet.ipProtocol) == request.netid
                else { continue }
            }
            missed.append(Miss(inode: inodes[index], netid: request.netid, localPort: request.id?.local.port ?? 0))
        }
    }

    // MARK: - Helper threads

    /// Starts a thread that looks chunks up into their slots with its own probe and netlink socket; nil when
    /// no thread could be started (this one does the work then).
    private func startHelper() throws -> WorkerThread? {
        let client = try DiagClient()
        return WorkerThread.start { [self] in help(client: client) }
    }

    /// A helper's loop: chunks into slots until none is left, or the run stops.
    private func help(client: DiagClient) {
        let probe = SocketProbe()
        while !stop.load(ordering: .relaxed) {
            let k = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
            guard k < slots.count else { return }
            do {
                try store(chunk: k, probe: probe, client: client)
            } catch {
                failure.withLock { $0 = $0 ?? error }
                stop.store(true, ordering: .releasing)
                return
            }
        }
    }

    /// Looks up chunk `k` into its slot (in a spare array when there is one) and marks it done.
    private func store(chunk k: Int, probe: SocketProbe, client: DiagClient) throws {
        var records = spare.withLock { $0.popLast() } ?? []
        records.reserveCapacity(Self.chunkSize)
        try lookUp(chunk: k, probe: probe, client: client, missed: &slots[k].misses) { records.append(copy $0) }
        slots[k].records = records
        slots[k].done.store(true, ordering: .releasing)
    }
}
