import Foundation
import Glibc

/// glibc's `unshare`, which the Glibc module does not export (a `_GNU_SOURCE` declaration).
@_silgen_name("unshare")
private func unshareNamespaces(_ flags: Int32) -> Int32

/// Where the namespace thread leaves its result.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// Runs work on a thread of its own that has left the process's network namespace for a new one with `lo` up.
enum PrivateNamespace {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `body` in a new network namespace (a new thread unshares; the rest of the process stays put).
    static func run<T>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            guard unshareNamespaces(0x4000_0000) == 0 else {  // CLONE_NEWNET
                box.result = .failure(Failed(description: "unshare(CLONE_NEWNET) failed: errno \(errno)"))
                return
            }
            guard bringLoopbackUp() else {
                box.result = .failure(Failed(description: "cannot bring lo up: errno \(errno)"))
                return
            }
            box.result = Result { try body() }
        }
        thread.start()
        done.wait()
        return try box.result!.get()
    }

    /// `ip link set lo up`, by SIOCSIFFLAGS.
    private static func bringLoopbackUp() -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { $0.copyBytes(from: Array("lo".utf8) + [0]) }
        guard ioctl(fd, UInt(SIOCGIFFLAGS), &request) == 0 else { return false }
        request.ifr_ifru.ifru_flags |= Int16(IFF_UP)
        return ioctl(fd, UInt(SIOCSIFFLAGS), &request) == 0
    }
}
