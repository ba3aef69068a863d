import Glibc
import SockDiag
import Testing

@testable import SockRender

/// The hand-written address formatter must print exactly what glibc's `inet_ntop` prints.
@Suite struct AddressFormattingTests {
    static func ours(_ address: IPAddress) -> String {
        let out = OutputBuffer(fd: nil)
        out.append(address: address)
        return out.text
    }

    @Test(arguments: [
        "0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.100.9", "::", "::1", "::ffff:127.0.0.1", "::1.2.3.4",
        "::ffff:0:1", "fe80::1", "2001:db8::", "2001:db8:0:0:1:0:0:1", "2001:0:0:1::1", "1:0:1:0:1:0:1:0",
        "1::", "0:1::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:ffff:ffff", "64:ff9b::1.2.3.4",
        "1:2:3:4:5:6:7:8", "1:0:0:2::3", "0:0:1::",
    ])
    func knownAddresses(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(Self.ours(address) == address.description)
    }

    @Test func randomAddressesMatchInetNtop() {
        var state: UInt64 = 0xADD7E55
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        for _ in 0..<20_000 {
            // Sparse addresses, so that zero runs of every length and position occur.
            var words: [UInt64] = []
            for _ in 0..<2 {
                var w: UInt64 = 0
                for g in 0..<4 where next() % 3 == 0 { w |= (next() & 0xFFFF) << (16 * UInt64(g)) }
                words.append(w)
            }
            let v6 = IPAddress(family: .inet6, high: words[0], low: words[1])
            #expect(Self.ours(v6) == v6.description)
            let v4 = IPAddress(family: .inet, high: next() & 0xFFFF_FFFF, low: 0)
            #expect(Self.ours(v4) == v4.description)
        }
    }
}
