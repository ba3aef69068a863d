import ProcIndex

/// The options found on each socket (by inode), filled by the CLI before rendering when `--sockopts` asks.
///
/// Renderers only read it: reading options needs a duplicate of another process's descriptor, which is the
/// CLI's business, not a renderer's.
public final class SocketOptionsTable {
    public var byInode: [UInt32: [SocketProbe.Option]] = [:]
    /// Why options are missing for an inode ("EPERM"), when they could not be read.
    public var unavailable: [UInt32: String] = [:]

    public init() {}
}
