import SockDiag
import Testing

@testable import SockRender

/// The cells of netstat -x and lsof -U that come from a `/proc/net/unix` line.
@Suite struct UnixCellTests {
    @Test func lsofAndNetstatReadTheNameTheirWays() {
        #expect(LsofUnix.field(Array("/tmp/a:b c".utf8)) == "/tmp/a")
        #expect(LsofUnix.field(Array(":x".utf8)) == nil)
        #expect(NetstatUnixRenderer.flags(0x10000) == "[ ACC ]")
        #expect(NetstatUnixRenderer.flags(0x70000) == "[ ACC W N ]")
        let line = ProcNetUnixLine(address: "0", refCount: 3, flags: 0, type: 1, socketState: 4, inode: 0, path: nil)
        #expect(NetstatUnixRenderer.state(line) == "DISCONNECTING")
        #expect(LsofUnix(line).stateName == "DISCONNECTING")
    }
}
