import Glibc
import SockDiag
import SockPipeline

/// Takes one sample of the watched sockets through the repeated pipeline: the dumps with `INET_DIAG_INFO`,
/// the filter, and owners from the pipeline's cache (or, with `--pid`/`--command`/`--user`, from only those
/// processes' fds, read again each time).
struct WatchSampler {
    private var pipeline: RepeatedPipeline
    private let rescanOwners: Bool
    /// The socket whose whole `tcp_info` the next samples keep (the one the details screen shows).
    var detailCookie: UInt64?
    /// The `tcp_info` of `detailCookie`'s socket in the last sample.
    private(set) var detailInfo: TCPInfo?
    /// Notes for stderr (a transport the kernel cannot report, an interrupted dump), kept until the caller
    /// shows them, when the screen is not in use.
    private let collected: NoteBox

    /// Notes gathered by the pipeline's callback until the caller takes them.
    private final class NoteBox {
        var notes: [String] = []
    }

    private let identify: ContainerIdentifier
    /// Sockets in the last sample (the next one reserves room for as many).
    private var lastCount = 0

    init(query: SocketQuery, rescanOwners: Bool, identify: @escaping ContainerIdentifier = CgroupPath.identity(of:)) throws {
        // Rates come from tcp_info (UDP has none: the kernel adds nothing for it).
        var query = query
        query.extensions = [.info]
        // Each row's workload, for the `c` grouping and the details (the kernel sends the cgroup id anyway).
        query.cgroups = [.containers]
        let box = NoteBox()
        collected = box
        self.rescanOwners = rescanOwners
        self.identify = identify
        pipeline = try RepeatedPipeline(query, rescanOwners: rescanOwners, identify: identify) {
            box.notes.append($0.description)
        }
    }

    /// The query the samples run.
    var query: SocketQuery { pipeline.query }

    /// Runs `query` from the next sample on: its filter compiled again to kernel bytecode, a new dump plan.
    mutating func refilter(_ query: SocketQuery) throws {
        var query = query
        query.extensions = [.info]
        query.cgroups = [.containers]
        let box = collected
        pipeline = try RepeatedPipeline(query, rescanOwners: rescanOwners, identify: identify) {
            box.notes.append($0.description)
        }
    }

    /// `/proc` scans run so far for owners.
    var ownerScans: Int { pipeline.ownerScans }

    /// Dumps the sockets into `samples`, one row each without rates yet (`RateTracker.update` adds them in
    /// place), and joins their owners; returns CLOCK_MONOTONIC in nanoseconds when the dump began.
    ///
    /// `samples` is emptied first and its capacity kept: a table of 200k rows is ~60 MiB, which malloc would
    /// map and fault in afresh every refresh.
    mutating func sample(into samples: inout [WatchRow]) throws -> UInt64 {
        let time = Self.now()
        samples.removeAll(keepingCapacity: true)
        samples.reserveCapacity(lastCount + lastCount / 16)  // no doubling copies of a table of the same size
        let cookie = detailCookie
        var info: TCPInfo?
        let cgroups = pipeline.cgroups
        try pipeline.run { record in
            var sample = WatchSample(record)
            if let id = record.cgroupID { sample.cgroup = cgroups.info(id: id) }
            samples.append(WatchRow(sample: sample, sendRate: nil, receiveRate: nil, retransmits: nil, age: 0))
            if record.cookie == cookie { info = record.tcpInfo }
        }
        detailInfo = info
        lastCount = samples.count
        let owners: OwnerTable
        if pipeline.query.selection.isEmpty {
            owners = pipeline.cachedOwners(of: samples.map(\.sample.inode))
        } else {
            owners = pipeline.selectedOwners()
            samples.removeAll { !owners.contains($0.sample.inode) }
        }
        for i in samples.indices { samples[i].sample.takeHolders(from: owners) }
        return time
    }

    /// Takes the notes gathered so far.
    mutating func takeNotes() -> [String] {
        defer { collected.notes = [] }
        return collected.notes
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
