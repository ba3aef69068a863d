import Glibc
import SockTestSupport
import Testing

@testable import ProcIndex

/// The inode cache `watch` joins owners through: /proc is read for new sockets only, and entries leave with
/// their sockets.
@Suite struct OwnerCacheTests {
    @Test func knownSocketsAreNotLookedUpAgainAndLeftOnesAreForgotten() {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let inodes = [client, server].map { UInt32($0.inode) }
        var cache = OwnerCache(workers: 2)
        cache.refresh(inodes + [0])
        #expect(cache.scans == 1)
        // A child another test is starting holds a copy of every descriptor until it execs: only this
        // process's entries are checked.
        func own(_ holders: [SocketHolder]) -> [Int32] { holders.filter { $0.pid == getpid() }.map(\.fd) }
        for socket in [client, server] {
            #expect(own(cache.holders(of: UInt32(socket.inode))) == [socket.fd])
        }
        cache.refresh(inodes)
        #expect(cache.scans == 1)  // nothing new: no scan
        cache.refresh([inodes[0]])
        #expect(cache.holders(of: inodes[1]).isEmpty)  // left the dump: forgotten
        cache.refresh(inodes)
        #expect(cache.scans == 2)  // back: looked up again
        #expect(own(cache.holders(of: inodes[1])) == [server.fd])

        var rescanning = OwnerCache(workers: 1)
        rescanning.rescanEveryTime = true
        rescanning.refresh(inodes)
        rescanning.refresh(inodes)
        #expect(rescanning.scans == 2)
        #expect(own(rescanning.holders(of: inodes[0])) == [client.fd])
        _ = listener
    }

    @Test func anEntryNamingAnExitedHolderIsDropped() throws {
        // A socket only a child holds: the test hands it over and closes its own descriptor.
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var st = stat()
        fstat(fd, &st)
        let inode = UInt32(st.st_ino)
        let pid = try ChildProcess.spawn("/bin/sleep", ["/bin/sleep", "60"], holding: [(fd, 50)])
        close(fd)  // the child has its own; the test must not hold the socket twice
        for _ in 0..<300 where access("/proc/\(pid)/fd/50", F_OK) != 0 { usleep(10_000) }
        var cache = OwnerCache(workers: 1)
        cache.refresh([inode])
        #expect(cache.holders(of: inode).map(\.pid) == [pid])
        kill(pid, SIGKILL)
        ChildProcess.wait(pid)
        // The same inode again (as if still dumped): the dead holder is noticed and /proc read again.
        cache.refresh([inode])
        #expect(cache.scans == 2)
        #expect(cache.holders(of: inode).isEmpty)
    }
}
