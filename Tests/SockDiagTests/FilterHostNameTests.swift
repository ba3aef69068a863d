import Testing

@testable import SockDiag

/// `src`/`dst` with a host name: an `or` of every address the resolver gives.
@Suite struct FilterHostNameTests {
    struct Unknown: Error, CustomStringConvertible {
        var description: String { "host name 'nowhere' does not resolve" }
    }

    static func resolve(_ name: String) throws -> [IPAddress] {
        switch name {
        case "db.test": [IPAddress("192.0.2.7")!, IPAddress("2001:db8::7")!]
        case "one.test": [IPAddress("192.0.2.1")!]
        default: throw Unknown()
        }
    }

    @Test func aNameMatchesEveryAddress() throws {
        let parsed = try FilterParser.parse(["dst db.test:443"], hosts: Self.resolve)
        #expect(
            parsed.expression
                == .or(
                    .host(.destination, HostPattern(address: IPAddress("192.0.2.7")!, prefixLength: 32, port: 443)),
                    .host(.destination, HostPattern(address: IPAddress("2001:db8::7")!, prefixLength: 128, port: 443))))
        let single = try FilterParser.parse(["src != one.test"], hosts: Self.resolve)
        #expect(single.expression == .not(.host(.source, HostPattern(address: IPAddress("192.0.2.1")!, prefixLength: 32, port: nil))))
    }

    @Test func addressesAreNotLookedUp() throws {
        let parsed = try FilterParser.parse(["dst 10.0.0.0/8 or dst [::1]:80 or dst *:22"]) { _ in throw Unknown() }
        #expect(parsed == (try FilterParser.parse(["dst 10.0.0.0/8 or dst [::1]:80 or dst *:22"])))
    }

    @Test func anUnknownNameIsOneError() {
        #expect {
            _ = try FilterParser.parse(["dst nowhere"], hosts: Self.resolve)
        } throws: { error in
            (error as? FilterError)?.message == "host name 'nowhere' does not resolve"
        }
    }
}
