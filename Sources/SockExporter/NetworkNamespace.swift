import Glibc
import SystemPackage

/// The network namespace whose sockets a collector reports, and the `netns` label its metrics carry.
///
/// The kernel names a namespace by the inode of its `/proc/PID/ns/net` file (`net:[4026531840]`). Today the
/// collector reads the namespace it runs in; entering another one (`setns(CLONE_NEWNET)`) is left to the caller.
public struct NetworkNamespace: Sendable, Hashable {
    /// The namespace file's inode.
    public var inode: UInt64

    public init(inode: UInt64) {
        self.inode = inode
    }

    /// The label value: `ns:4026531840`.
    public var label: String { "ns:\(inode)" }

    /// The namespace the calling thread runs in (`/proc/thread-self/ns/net`: a thread may have left its
    /// process's namespace with `unshare` or `setns`).
    public static func current() throws(Errno) -> NetworkNamespace {
        var st = stat()
        guard stat("/proc/thread-self/ns/net", &st) == 0 else { throw Errno(rawValue: errno) }
        return NetworkNamespace(inode: UInt64(st.st_ino))
    }
}
