import Testing

@testable import ProcIndex

@Suite struct SocketProbeTests {
    @Test func readsAnIPv4Sysctl() {
        // The kernel bounds the default TTL to 1...255.
        #expect(SocketProbe.sysctl("ip_default_ttl").map { (1...255).contains($0) } == true)
        #expect(SocketProbe.sysctl("tcp_keepalive_time").map { $0 > 0 } == true)
        #expect(SocketProbe.sysctl("no_such_setting") == nil)
    }
}
