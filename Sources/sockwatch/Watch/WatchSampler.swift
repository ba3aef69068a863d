import Glibc
import ProcIndex
import SockDiag
import SockRender

/// Takes one sample of the watched sockets: one dump per transport and family with `INET_DIAG_INFO`, the
/// filter's residual, and owners from the inode cache (or, with `--pid`/`--command`/`--user`, from only
/// those processes' fds, read again each time).
struct WatchSampler {
    private let client: DiagClient
    private let requests: [DiagRequest]
    private let residual: FilterExpression
    private let selection: ProcessSelection
    private var owners: OwnerCache
    private var skipped: Set<NetID> = []
    private var warningsShown = 0
    /// Notes for stderr (a transport the kernel cannot report, an interrupted dump); the caller shows them
    /// when the screen is not in use.
    private(set) var notes: [String] = []

    init(query: SocketQuery, rescanOwners: Bool) throws {
        client = try DiagClient()
        // Rates come from tcp_info (UDP has none: the kernel adds nothing for it).
        var query = query
        query.extensions = [.info]
        requests = query.requests
        residual = query.plan.residual
        selection = query.selection
        owners = OwnerCache(workers: SocketEngine.workers)
        owners.rescanEveryTime = rescanOwners
    }

    /// `/proc` scans run so far for owners.
    var ownerScans: Int { owners.scans }

    /// Dumps the sockets and joins their owners; `time` is CLOCK_MONOTONIC in nanoseconds when the dump began.
    mutating func sample() throws -> (samples: [WatchSample], time: UInt64) {
        let time = Self.now()
        var samples: [WatchSample] = []
        skipped = try DiagRequest.forEach(requests, skipping: skipped) { request in
            try client.dump(request) { record in
                guard residual.matches(record) else { return }
                samples.append(WatchSample(record))
            }
        } unsupported: { netid, _ in
            notes.append("note: no \(netid.rawValue) sockets watched: this kernel cannot report them")
        }
        if client.warnings.count > warningsShown {
            notes += client.warnings[warningsShown...]
            warningsShown = client.warnings.count
        }
        if selection.isEmpty {
            owners.refresh(samples.map(\.inode))
            for i in samples.indices { samples[i].holders = owners.holders(of: samples[i].inode) }
        } else {
            let index = ProcessIndex(pids: selection.resolve().pids)
            samples.removeAll { !index.contains(UInt64($0.inode)) }
            for i in samples.indices { samples[i].holders = index.holders(of: UInt64(samples[i].inode)) }
        }
        return (samples, time)
    }

    /// Takes the notes gathered so far.
    mutating func takeNotes() -> [String] {
        defer { notes = [] }
        return notes
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
