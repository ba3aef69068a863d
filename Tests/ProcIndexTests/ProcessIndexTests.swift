import Glibc
import SockTestSupport
import Testing

@testable import ProcIndex

@Suite struct ProcessIndexTests {
    @Test func indexMapsTheTestsOwnSocketsToItsPidAndFd() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, server) = LiveSocket.tcpConnection(to: listener)
        let udp = LiveSocket.udp(v6: true)
        let index = ProcessIndex()
        for socket in [listener, client, server, udp] {
            let holders = index.holders(of: socket.inode)
            #expect(holders.count == 1)
            #expect(holders.first?.pid == getpid())
            #expect(holders.first?.fd == socket.fd)
            #expect(holders.first?.command.isEmpty == false)
        }
        #expect(index.scannedProcesses > 1)
    }

    @Test func selectedPidsOnlyReadThosePids() throws {
        let udp = LiveSocket.udp(v6: false)
        let index = ProcessIndex(pids: [getpid()])
        #expect(index.holders(of: udp.inode).map(\.pid) == [getpid()])
        #expect(index.scannedProcesses == 1)
        // A pid that does not exist is skipped, not fatal.
        let gone = ProcessIndex(pids: [Int32.max - 1])
        #expect(gone.count == 0)
        #expect(gone.skippedProcesses == 1)
    }

    @Test func socketSharedWithAChildListsEveryHolder() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        // Hand the listener to a child as its fd 50, as a forking server would.
        let child = try ChildProcess.spawn("/bin/sleep", ["/bin/sleep", "30"], holding: [(listener.fd, 50)])
        defer {
            kill(child, SIGKILL)
            ChildProcess.wait(child)
        }
        // The exec has happened once /proc shows sleep's comm.
        var holders: [SocketHolder] = []
        for _ in 0..<200 {
            holders = ProcessIndex(pids: [getpid(), child]).holders(of: listener.inode)
            if holders.contains(where: { $0.pid == child && $0.command == "sleep" }) { break }
            usleep(10_000)
        }
        // The holders are sorted by pid, and the child's pid can be lower than ours after pid wrap-around:
        // find our own entry by pid, not by position.
        let own = holders.first { $0.pid == getpid() }
        #expect(own?.fd == listener.fd)
        #expect(own.map { !$0.command.isEmpty && $0.command != "sleep" } == true)
        #expect(holders.contains(SocketHolder(pid: child, fd: 50, command: "sleep")))
        #expect(holders.count == 2)
    }

    /// Many inodes in the index's hash table (colliding slots, shared sockets): each lookup gives exactly the
    /// holders laid out, by pid then fd, and an inode nobody holds gives none.
    @Test func everyInodeFindsExactlyItsHolders() throws {
        let root = "/tmp/sockwatch-fakeproc-many-\(getpid())"
        defer { _ = system("rm -rf '\(root)'") }
        var expected: [UInt32: [SocketHolder]] = [:]
        var generator = SystemRandomNumberGenerator()
        for pid: Int32 in [300, 41, 7000] {
            #expect(system("mkdir -p '\(root)/\(pid)/fd' && echo p\(pid) > '\(root)/\(pid)/comm'") == 0)
            for fd: Int32 in 3..<400 {
                // Inodes from a small range, so that processes share some and the hash sees runs.
                let inode = UInt32.random(in: 1_000_000..<1_000_700, using: &generator)
                #expect(symlink("socket:[\(inode)]", "\(root)/\(pid)/fd/\(fd)") == 0)
                expected[inode, default: []].append(SocketHolder(pid: pid, fd: fd, command: "p\(pid)"))
            }
        }
        for workers in [1, 2] {
            let index = ProcessIndex(procRoot: root, workers: workers)
            #expect(index.count == 3 * 397)
            for (inode, holders) in expected {
                let sorted = holders.sorted { ($0.pid, $0.fd) < ($1.pid, $1.fd) }
                #expect(index.holders(of: UInt64(inode)) == sorted, "inode \(inode), \(workers) workers")
                #expect(index.contains(UInt64(inode)))
            }
            for absent in [UInt64(0), 999_999, 1_000_700, 5_000_000, UInt64(UInt32.max) + 1] {
                #expect(index.holders(of: absent).isEmpty && !index.contains(absent), "inode \(absent)")
            }
            var seen: [UInt64] = []
            index.forEachInode { inode, first in
                seen.append(inode)
                #expect(first == expected[UInt32(inode)]!.min { ($0.pid, $0.fd) < ($1.pid, $1.fd) })
            }
            #expect(seen == expected.keys.sorted().map(UInt64.init))
        }
    }

    /// A fake /proc: one process with sockets and other files, one that vanished (no fd dir), junk entries.
    @Test func scannerParsesLinksAndSkipsWhatItCannotRead() throws {
        let root = "/tmp/sockwatch-fakeproc-\(getpid())"
        defer { _ = system("rm -rf '\(root)'") }
        #expect(system("mkdir -p '\(root)/456/fd' '\(root)/123' '\(root)/self/fd' '\(root)/sys'") == 0)
        symlink("socket:[999]", "\(root)/456/fd/3")
        symlink("socket:[999]", "\(root)/456/fd/7")
        symlink("socket:[12]", "\(root)/456/fd/4")
        symlink("/dev/null", "\(root)/456/fd/0")
        symlink("pipe:[555]", "\(root)/456/fd/1")
        symlink("socket:[12x]", "\(root)/456/fd/5")
        symlink("socket:[1]", "\(root)/self/fd/9")
        #expect(system("printf 'evil\\nname\\n' > '\(root)/456/comm'") == 0)

        let index = ProcessIndex(procRoot: root)
        #expect(index.holders(of: 999) == [
            SocketHolder(pid: 456, fd: 3, command: "evil\nname"),
            SocketHolder(pid: 456, fd: 7, command: "evil\nname"),
        ])
        #expect(index.holders(of: 12).map(\.fd) == [4])
        #expect(index.holders(of: 555).isEmpty)
        #expect(index.holders(of: 1).isEmpty)  // "self" is not a pid
        #expect(index.count == 3)
        #expect(index.skippedProcesses == 1)  // 123 has no fd directory: gone mid-scan
        #expect(index.scannedProcesses == 1)
    }

    @Test(arguments: [
        ("socket:[12345]", UInt64?.some(12345)), ("socket:[]", nil), ("pipe:[12]", nil),
        ("socket:[1a]", nil), ("socket:[7", nil), ("/dev/null", nil),
    ])
    func socketLinkParsing(target: String, expected: UInt64?) {
        var copy = target
        let parsed = copy.withUTF8 { Scanner.socketInode(UnsafeRawBufferPointer($0)) }
        #expect(parsed == expected)
    }
}

@Suite struct SocketCensusTests {
    @Test func parsesSockstat() {
        let text = """
            sockets: used 10
            TCP: inuse 1 orphan 0 tw 338 alloc 20243 mem 229
            UDP: inuse 7 mem 0
            UDPLITE: inuse 0
            RAW: inuse 0
            """
        #expect(SocketCensus.parse(text) == 338 + 20243 + 7)
        #expect(SocketCensus.parse("nothing here") == nil)
    }

    @Test func readsTheLiveFile() {
        #expect(SocketCensus.dumpSize().map { $0 >= 0 } == true)
    }
}

/// A process with thousands of descriptors is read in ranges of descriptor numbers, on several threads.
@Suite(.serialized) struct SplitScanTests {
    // Serialized: each test counts this process's descriptors, which the other's 2,600 sockets would change.

    /// 2,600 unbound UDP sockets of this process (more than two ranges' worth), closed by `body`'s end.
    func withManySockets(_ body: ([Int32]) throws -> Void) rethrows {
        let fds = (0..<2600).map { _ in socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { for fd in fds where fd >= 0 { close(fd) } }
        precondition(fds.allSatisfy { $0 >= 0 }, "socket() failed: \(errno)")
        try body(fds)
    }

    func inode(_ fd: Int32) -> UInt64 {
        var st = stat()
        precondition(fstat(fd, &st) == 0)
        return UInt64(st.st_ino)
    }

    @Test(arguments: [2049, 2600, 15_444, 100_000])
    func rangesCoverEveryDescriptorOnce(count: Int) {
        let ranges = ParallelScan.ranges(count: count)
        #expect(ranges.count == count / ParallelScan.rangeSize)
        #expect(ranges.first?.lowerBound == 0)
        #expect(ranges.last?.upperBound == Int32.max)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        #expect(ranges.dropLast().allSatisfy { $0.count >= ParallelScan.rangeSize })
    }

    @Test func aLargeTableIsReportedForSplittingOnlyWhenAsked() throws {
        withManySockets { _ in
            let scanner = Scanner(root: "/proc")
            var seen = 0
            let access = scanner.forEachSocket(pid: getpid(), splitAbove: 2048) { _, _ in seen += 1 }
            guard case .large(let count) = access else {
                Issue.record("a table of 2,600+ descriptors is not reported as large: \(access)")
                return
            }
            #expect(count >= 2600 && seen == 0)
            // Other tests open and close descriptors meanwhile: a threshold no table reaches, not `count`.
            #expect(scanner.forEachSocket(pid: getpid(), splitAbove: Int.max) { _, _ in seen += 1 } == .read)
            #expect(seen >= 2600)
        }
    }

    /// The whole of /proc, split where a table is large, indexes what a one-thread scan does.
    @Test func aFullSplitScanHoldsWhatAWholeOneHolds() throws {
        withManySockets { fds in
            let index = ProcessIndex(workers: 2)
            for fd in fds {
                #expect(index.holders(of: inode(fd)).contains { $0.pid == getpid() && $0.fd == fd }, "fd \(fd)")
            }
            // This process counted once, not once per range (other tests' sockets come and go: compare ours).
            let single = ProcessIndex(pids: [getpid()], workers: 1)
            let split = ProcessIndex(pids: [getpid()], workers: 2)
            #expect(single.scannedProcesses == 1 && split.scannedProcesses == 1)
            for fd in fds { #expect(split.holders(of: inode(fd)) == single.holders(of: inode(fd))) }
        }
    }

    @Test func aSplitIndexHoldsWhatAWholeOneHolds() throws {
        withManySockets { fds in
            let index = ProcessIndex(pids: [getpid()], workers: 3)
            for fd in fds {
                #expect(index.holders(of: inode(fd)).map(\.fd) == [fd])
            }
            #expect(index.holders(of: inode(fds[0])).first?.pid == getpid())
            // Counted once, not once per range.
            #expect(index.scannedProcesses == 1)
        }
    }

    @Test func aRangeWithAHoleIsListedPastIt() throws {
        let fds = (0..<1500).map { _ in socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        // 200 descriptors closed in a row: reading by number gives up on them and lists the rest of the range.
        let hole = 1000..<1200
        for i in hole { close(fds[i]) }
        defer { for (i, fd) in fds.enumerated() where !hole.contains(i) { close(fd) } }
        let kept = Array(fds[900..<1000] + fds[1200..<1500])
        let range = kept.min()!..<(kept.max()! + 1)
        var seen: [Int32: UInt64] = [:]
        let access = Scanner(root: "/proc").forEachSocket(pid: getpid(), fds: range) { seen[$0] = $1 }
        #expect(access == .read)
        for fd in kept { #expect(seen[fd] == inode(fd), "fd \(fd)") }
    }

    @Test(arguments: [(Int32(0), "0"), (9, "9"), (10, "10"), (12345, "12345"), (Int32.max, "2147483647")])
    func descriptorNumbersAreWrittenInDecimal(value: Int32, text: String) {
        var buffer = [UInt8](repeating: 0xFF, count: 12)
        buffer.withUnsafeMutableBytes { Scanner.writeDecimal(value, into: $0) }
        #expect(Array(buffer.prefix(text.utf8.count + 1)) == Array(text.utf8) + [0])
    }

    @Test func aRangeReadsOnlyItsDescriptors() throws {
        withManySockets { fds in
            let range = min(fds[1000], fds[1500])..<max(fds[1000], fds[1500])
            var seen: [Int32: UInt64] = [:]
            let access = Scanner(root: "/proc").forEachSocket(pid: getpid(), fds: range) { seen[$0] = $1 }
            #expect(access == .read)
            #expect(seen.keys.allSatisfy { range.contains($0) })
            for fd in fds where range.contains(fd) { #expect(seen[fd] == inode(fd)) }
        }
    }
}
