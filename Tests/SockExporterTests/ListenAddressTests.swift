import ExporterArguments
import Testing

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9477", "127.0.0.1", 9477, false),
        ("localhost:80", "127.0.0.1", 80, false),
        ("[::1]:9477", "::1", 9477, true),
        ("10.1.2.3:9100", "10.1.2.3", 9100, false),
        ("127.0.0.1:0", "127.0.0.1", 0, false),
    ])
    func accepted(text: String, host: String, port: Int, v6: Bool) throws {
        let address = try ListenAddress.parse(text, allowPublic: false)
        #expect(address == ListenAddress(host: host, port: port, isIPv6: v6))
    }

    @Test(arguments: ["0.0.0.0:9477", "[::]:9477", "[0:0::0]:9477", ":9477"])
    func allInterfacesRefused(text: String) {
        #expect(throws: ListenAddress.Refused.self) { try ListenAddress.parse(text, allowPublic: false) }
    }

    @Test func wildcardWithAllowPublic() throws {
        #expect(try ListenAddress.parse("0.0.0.0:9477", allowPublic: true).isWildcard)
        #expect(try ListenAddress.parse("[::]:9477", allowPublic: true).isWildcard)
        // An empty host is not an explicit address, even with the flag.
        #expect(throws: ListenAddress.Refused.self) { try ListenAddress.parse(":9477", allowPublic: true) }
    }

    @Test(arguments: ["9477", "127.0.0.1", "127.0.0.1:99999", "host.example:80", "::1:80", "[::g]:80", "1.2.3:80"])
    func malformed(text: String) {
        #expect(throws: ListenAddress.Refused.self) { try ListenAddress.parse(text, allowPublic: true) }
    }
}
