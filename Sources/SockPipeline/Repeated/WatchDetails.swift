import Glibc
import ProcIndex
import SockDiag

/// Everything the live view's details screen shows about one socket: its sample, the whole `tcp_info`, each
/// owner with its command line, the socket options as `pfiles` reads them, and its container.
public struct WatchDetails: Sendable {
    /// One process holding the socket, with `/proc/PID/cmdline` (arguments joined by spaces, raw).
    public struct Owner: Sendable {
        public var holder: SocketHolder
        public var commandLine: String
    }

    public var row: WatchRow
    /// The latest `tcp_info` (`INET_DIAG_INFO`); nil for UDP or when the kernel sent none.
    public var tcpInfo: TCPInfo?
    public var owners: [Owner]
    /// Read through a duplicate of the first holder's descriptor (`pidfd_getfd`), as `--sockopts` and pfiles do.
    public var options: SocketOptionsEntry?

    /// Reads the owners' command lines and the socket options of `row`'s socket, now.
    public init(row: WatchRow, tcpInfo: TCPInfo?) {
        self.row = row
        self.tcpInfo = tcpInfo
        owners = row.sample.holders.map { holder in
            let raw = (try? WholeFile.read("/proc/\(holder.pid)/cmdline")) ?? []
            var words = raw.split(separator: 0, omittingEmptySubsequences: false)
            if words.last?.isEmpty == true { words.removeLast() }
            let line = String(decoding: Array(words.joined(separator: [0x20])), as: UTF8.self)
            return Owner(holder: holder, commandLine: line)
        }
        if let first = row.sample.holders.first {
            do {
                options = .options(try SocketProbe().report(pid: first.pid, fd: first.fd).options)
            } catch {
                options = .unavailable(errnoName(error))
            }
        }
    }
}
