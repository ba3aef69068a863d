import Glibc
import SockTestSupport
import Testing

@testable import ProcIndex

/// The owner cache of the repeated pipeline (watch, events, the exporter): a full scan first and every
/// `fullScanInterval`, only what changed in between.
@Suite struct OwnerCacheTests {
    @Test func laterRefreshesAreIncrementalUntilTheFullScanInterval() {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let inodes = [client, server].map { UInt32($0.inode) }
        let cache = OwnerCache(workers: 2)
        cache.refresh(inodes + [0])
        #expect(cache.scans == 1 && cache.fullScans == 1 && cache.lastWork.full)
        // A child another test is starting holds a copy of every descriptor until it execs: only this
        // process's entries are checked.
        func own(_ holders: [SocketHolder]) -> [Int32] { holders.filter { $0.pid == getpid() }.map(\.fd) }
        for socket in [client, server] {
            #expect(own(cache.holders(of: UInt32(socket.inode))) == [socket.fd])
        }
        cache.refresh(inodes)
        #expect(cache.fullScans == 1 && !cache.lastWork.full)
        #expect(cache.lastWork.counted > 0)  // each known process's descriptors counted, not read
        #expect(own(cache.holders(of: inodes[1])) == [server.fd])
        cache.fullScanInterval = 0
        cache.refresh(inodes)
        #expect(cache.fullScans == 2 && cache.lastWork.full)

        let rescanning = OwnerCache(workers: 1)
        rescanning.rescanEveryTime = true
        rescanning.refresh(inodes)
        rescanning.refresh(inodes)
        #expect(rescanning.fullScans == 2)
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
        let cache = OwnerCache(workers: 1)
        cache.refresh([inode])
        #expect(cache.holders(of: inode).map(\.pid) == [pid])
        kill(pid, SIGKILL)
        ChildProcess.wait(pid)
        // The same inode again (as if still dumped): the dead holder is forgotten and /proc searched again.
        cache.refresh([inode])
        #expect(cache.scans == 2 && !cache.lastWork.full && cache.lastWork.searched > 0)
        #expect(cache.holders(of: inode).isEmpty)
    }
}
