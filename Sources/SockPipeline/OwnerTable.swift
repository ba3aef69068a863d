import ProcIndex

/// The processes holding each socket, as the join found them: a whole /proc index, or the cache kept between
/// the runs of a repeated pipeline.
public final class OwnerTable {
    private enum Storage {
        case index(ProcessIndex)
        /// The owners kept between runs, as their last refresh left them.
        case cache(OwnerCache)
    }

    private let storage: Storage

    public init(_ index: ProcessIndex) { storage = .index(index) }

    /// The owners of `cache`'s last refresh; valid until its next one.
    public init(_ cache: OwnerCache) { storage = .cache(cache) }

    /// Calls `body` for every holder of the socket with `inode`, ordered by pid then fd.
    @inline(__always)
    public func forEachHolder(of inode: UInt32, _ body: (SocketHolder) throws -> Void) rethrows {
        switch storage {
        case .index(let index): try index.forEachHolder(of: UInt64(inode), body)
        case .cache(let cache): try cache.forEachHolder(of: inode, body)
        }
    }

    /// Loads what the lookups of `inodes` will read (`ProcessIndex.warm`); for a `DiagClient.lookahead`.
    public func warm(_ inodes: UnsafeBufferPointer<UInt32>) {
        if case .index(let index) = storage { warmed &+= index.warm(inodes) }
    }
    /// What `warm` loaded, kept so that its loads are made.
    private var warmed: Int32 = 0

    /// Every holder of the socket with `inode`, ordered by pid then fd.
    public func holders(of inode: UInt32) -> [SocketHolder] {
        var out: [SocketHolder] = []
        forEachHolder(of: inode) { out.append($0) }
        return out
    }

    /// Processes whose descriptors could not be read for lack of permission (other users', without privilege).
    public var deniedProcesses: Int {
        switch storage {
        case .index(let index): index.deniedProcesses
        case .cache(let cache): cache.deniedProcesses
        }
    }

    /// Whether any process holds `inode`.
    public func contains(_ inode: UInt32) -> Bool {
        switch storage {
        case .index(let index): index.contains(UInt64(inode))
        case .cache(let cache): cache.contains(inode)
        }
    }
}
