import Glibc
import SockDiag
import SockPipeline

/// Takes one sample of the watched sockets through the repeated pipeline: the dumps with `INET_DIAG_INFO`,
/// the filter, and owners from the pipeline's cache (or, with `--pid`/`--command`/`--user`, from only those
/// processes' fds, read again each time).
struct WatchSampler {
    private let pipeline: RepeatedPipeline
    /// Notes for stderr (a transport the kernel cannot report, an interrupted dump), kept until the caller
    /// shows them, when the screen is not in use.
    private let collected: NoteBox

    /// Notes gathered by the pipeline's callback until the caller takes them.
    private final class NoteBox {
        var notes: [String] = []
    }

    init(query: SocketQuery, rescanOwners: Bool) throws {
        // Rates come from tcp_info (UDP has none: the kernel adds nothing for it).
        var query = query
        query.extensions = [.info]
        let box = NoteBox()
        collected = box
        pipeline = try RepeatedPipeline(query, rescanOwners: rescanOwners) { box.notes.append($0.description) }
    }

    /// `/proc` scans run so far for owners.
    var ownerScans: Int { pipeline.ownerScans }

    /// Dumps the sockets and joins their owners; `time` is CLOCK_MONOTONIC in nanoseconds when the dump began.
    mutating func sample() throws -> (samples: [WatchSample], time: UInt64) {
        let time = Self.now()
        var samples: [WatchSample] = []
        try pipeline.run { samples.append(WatchSample($0)) }
        let owners: OwnerTable
        if pipeline.query.selection.isEmpty {
            owners = pipeline.cachedOwners(of: samples.map(\.inode))
        } else {
            owners = pipeline.selectedOwners()
            samples.removeAll { !owners.contains($0.inode) }
        }
        for i in samples.indices { samples[i].holders = owners.holders(of: samples[i].inode) }
        return (samples, time)
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
