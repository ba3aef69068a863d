import ProcIndex
import SockDiag
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
}
