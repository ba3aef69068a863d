import Testing

@testable import SockDiag

/// Which filters pin a port for the request id (a wrong pin would drop sockets the filter keeps).
@Suite struct PinnedPortTests {
    func pins(_ text: String) throws -> (UInt16?, UInt16?) {
        let expression = try FilterParser.parse(text.split(separator: " ").map(String.init)).expression
        return (expression.pinnedPort(.source), expression.pinnedPort(.destination))
    }

    @Test(arguments: [
        ("sport = :80", 80, nil),
        ("dport = :443", nil, 443),
        ("src 127.0.0.1:8080", 8080, nil),
        ("dst *:22", nil, 22),
        ("sport = :80 and dport = :443", 80, 443),
        ("( sport = :80 or sport = :80 ) and dst 10.0.0.0/8", 80, nil),
        ("sport = :80 or sport = :81", nil, nil),
        ("sport = :80 or dport = :80", nil, nil),
        ("not sport = :80", nil, nil),
        ("sport != :80", nil, nil),
        ("sport >= :80", nil, nil),
        ("src 127.0.0.1", nil, nil),
        ("sport = :0", nil, nil),
    ] as [(String, UInt16?, UInt16?)])
    func pinsOnlyWhatEveryMatchHas(_ text: String, source: UInt16?, destination: UInt16?) throws {
        let (s, d) = try pins(text)
        #expect(s == source, "\(text)")
        #expect(d == destination, "\(text)")
    }

    /// Only the transports whose dumps compare the request id's ports are sent them.
    @Test(arguments: NetID.allCases.filter(\.isInet))
    func portsGoOnlyToDumpsThatCompareThem(netid: NetID) {
        var request = InetRequest(netid: netid, family: .inet, states: .all)
        request.localPort = 80
        request.remotePort = 443
        let compared = [NetID.tcp, .udp, .udplite].contains(netid)
        #expect(request.kernelPorts.local == (compared ? 80 : 0))
        #expect(request.kernelPorts.remote == (compared ? 443 : 0))
    }
}
