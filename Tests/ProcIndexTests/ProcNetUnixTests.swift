import Glibc
import ProcIndex
import SockDiag
import SockTestSupport
import Testing

@Suite struct ProcNetUnixTests {
    static func parse(_ text: String) -> ProcNetUnixLine? {
        ProcNetUnix.parse(ArraySlice(Array(text.utf8)))
    }

    @Test func parsesTheKernelsLines() throws {
        let listener = try #require(Self.parse("000000002a3b1d5c: 00000002 00000000 00010000 0001 01 14831346 /tmp/a b"))
        #expect(listener.address == "000000002a3b1d5c" && listener.refCount == 2 && listener.isListening)
        #expect(listener.type == 1 && listener.socketState == 1 && listener.inode == 14831346)
        #expect(listener.path == Array("/tmp/a b".utf8))
        // Small inodes are padded (%5lu); no name, no path.
        let small = try #require(Self.parse("00000000f6ec3808: 00000003 00000000 00000000 0002 03   123"))
        #expect(small.inode == 123 && small.path == nil && small.type == 2 && small.socketState == 3)
        #expect(Self.parse("Num       RefCount Protocol Flags    Type St Inode Path") == nil)
        #expect(Self.parse("garbage") == nil)
    }

    /// A file in the kernel's shape: the table by inode, the unaccepted lines apart, one reload for a new inode.
    @Test func readsATableFromItsPath() throws {
        var template = Array("/tmp/sockwatch-procnetunix-XXXXXX".utf8CString)
        try #require(mkdtemp(&template) != nil)
        let directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let path = "\(directory)/unix"
        defer {
            unlink(path)
            rmdir(directory)
        }
        try Self.write(
            """
            Num       RefCount Protocol Flags    Type St Inode Path
            0000000000000001: 00000002 00000000 00010000 0001 01  5001 /run/a.sock
            0000000000000002: 00000002 00000000 00000000 0001 02     0 @pending
            0000000000000003: 00000003 00000000 00000000 0002 03  5002

            """, to: path)
        let table = ProcNetUnix(path: path)
        let listener = try #require(table.line(inode: 5001))
        #expect(listener.isListening && listener.path == Array("/run/a.sock".utf8) && listener.address == "0000000000000001")
        #expect(table.line(inode: 5002)?.type == 2)
        #expect(table.unaccepted.map(\.path) == [Array("@pending".utf8)])
        #expect(table.readable)

        // A socket opened since the first read: the table is read once more for it, and not again after that.
        try Self.write("0000000000000004: 00000002 00000000 00000000 0001 03  5003\n", to: path, append: true)
        #expect(table.line(inode: 5003)?.socketState == 3)
        try Self.write("0000000000000005: 00000002 00000000 00000000 0001 03  5004\n", to: path, append: true)
        #expect(table.line(inode: 5004) == nil)

        let missing = ProcNetUnix(path: "\(directory)/none")
        #expect(missing.line(inode: 5001) == nil && !missing.readable)
    }

    @Test func findsALiveListener() throws {
        let name = "@sockwatch-procnetunix-\(getpid())"
        let listener = LiveSocket.unixListener(name)
        let line = try #require(ProcNetUnix().line(inode: UInt32(listener.inode)))
        #expect(line.isListening && line.typeName == "STREAM" && line.socketState == 1)
        #expect(line.path == Array(name.utf8))
    }

    static func write(_ text: String, to path: String, append: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        try #require(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }
}
