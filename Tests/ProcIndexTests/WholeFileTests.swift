import Glibc
import SystemPackage
import Testing

@testable import ProcIndex

@Suite struct WholeFileTests {
    @Test func readsAProcFileWhoseSizeIsZero() throws {
        var st = stat()
        #expect(stat("/proc/self/status", &st) == 0 && st.st_size == 0)
        let text = String(decoding: try WholeFile.read("/proc/self/status"), as: UTF8.self)
        #expect(text.hasPrefix("Name:\t") && text.contains("\nPid:\t\(getpid())\n"))
        #expect(text.contains("\nnonvoluntary_ctxt_switches:") && text.hasSuffix("\n"))
    }

    @Test func readsAProcFileLargerThanOneChunkToTheEnd() throws {
        // The test runner maps dozens of libraries: its map is several pages, all generated at read time.
        let text = String(decoding: try WholeFile.read("/proc/self/maps"), as: UTF8.self)
        #expect(text.utf8.count > WholeFile.firstChunk)
        #expect(text.contains("[stack]") && text.hasSuffix("\n"))
    }

    @Test(arguments: [0, 1, WholeFile.firstChunk, WholeFile.firstChunk * 3 + 17, (1 << 20) + 5])
    func readsARegularFileByteExactly(size: Int) throws {
        var template = Array("/tmp/sockwatch-wholefile-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try #require(written == size)
        #expect(try WholeFile.read(path) == bytes)
    }

    @Test func throwsTheErrnoOfAMissingPath() {
        #expect(throws: Errno.noSuchFileOrDirectory) {
            try WholeFile.read("/tmp/sockwatch-wholefile-missing-\(getpid())/none")
        }
    }
}
