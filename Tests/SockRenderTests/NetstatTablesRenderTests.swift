import SockDiag
import SockRender
import Testing

/// netstat's table renderers on fixed values: the quirks the live comparisons cannot be relied on to meet.
struct NetstatTablesRenderTests {
    static func render(_ body: (OutputBuffer) -> Void) -> String {
        let out = OutputBuffer(fd: nil)
        body(out)
        return out.text
    }

    /// netstat's `bsearch` runs over tables that are not sorted: `Forwarding` and some TcpExt counters are never
    /// found and print as `Name: value` (when not zero), the others as their sentences.
    @Test func statisticsKeepNetstatsMissedSentences() {
        let snmp = SnmpCounters(groups: [
            .init(name: "Ip", counters: [("Forwarding", 1), ("DefaultTTL", 64), ("InReceives", 5), ("FragCreates", 0)]),
            .init(name: "Udp", counters: [("InDatagrams", 4)]),
        ])
        let netstat = SnmpCounters(groups: [
            .init(name: "TcpExt", counters: [("TCPTimeouts", 3), ("TCPLostRetransmits", 2), ("TWKilled", 0)]),
            .init(name: "MPTcpExt", counters: [("MPCapableSYNRX", 0), ("MPJoinSynRx", 7)]),
        ])
        let all = NetstatStatisticsRenderer.Selection(raw: true, tcp: true, udp: true, sctp: true)
        let text = Self.render { NetstatStatisticsRenderer(out: $0, selection: all).writeInet(snmp: snmp, netstat: netstat, sctp: nil) }
        #expect(text == """
            Ip:
                Forwarding: 1
                5 total packets received
            Udp:
                4 packets received
            TcpExt:
                TCPTimeouts: 3
                2 retransmits lost
            MPTcpExt:
                MPJoinSynRx: 7

            """)
        // -t: the other known groups print nothing, not even their titles; unknown groups still print.
        let tcp = NetstatStatisticsRenderer.Selection(raw: false, tcp: true, udp: false, sctp: false)
        let tcpText = Self.render { NetstatStatisticsRenderer(out: $0, selection: tcp).writeInet(snmp: snmp, netstat: netstat, sctp: nil) }
        #expect(tcpText.hasPrefix("TcpExt:\n    TCPTimeouts: 3\n"))
        #expect(tcpText.contains("MPTcpExt:\n"))
    }

    /// The ICMP histogram titles print when the state changes, even for zero counters.
    @Test func icmpHistogramTitles() {
        let snmp = SnmpCounters(groups: [
            .init(name: "Icmp", counters: [("InMsgs", 2), ("InDestUnreachs", 2), ("InEchos", 0), ("OutDestUnreachs", 0)])
        ])
        let all = NetstatStatisticsRenderer.Selection(raw: true, tcp: true, udp: true, sctp: true)
        let text = Self.render { NetstatStatisticsRenderer(out: $0, selection: all).writeInet(snmp: snmp, netstat: nil, sctp: nil) }
        #expect(text == """
            Icmp:
                2 ICMP messages received
                ICMP input histogram:
                    destination unreachable: 2
                    ICMP output histogram:

            """)
    }

    /// -r's columns by the number of -e: MSS (none), Metric (one), both (two), the title only (three).
    @Test func routeFormats() {
        #expect(NetstatRouteRenderer.Format(extendCount: 0) == .mss)
        #expect(NetstatRouteRenderer.Format(extendCount: 1) == .metric)
        #expect(NetstatRouteRenderer.Format(extendCount: 2) == .both)
        #expect(NetstatRouteRenderer.Format(extendCount: 3) == .none)
    }

    @Test func rejectRouteAndNames() {
        let route = IPv4Route(
            interface: "*", destination: IPAddress("10.7.0.0")!, gateway: IPAddress("0.0.0.0")!,
            mask: IPAddress("255.255.0.0")!, flags: [.up, .reject], refCount: 0, use: 0, metric: 7, mss: 0, window: 0,
            irtt: 0)
        let named = IPv4Route(
            interface: "eth0", destination: IPAddress("0.0.0.0")!, gateway: IPAddress("192.0.2.1")!,
            mask: IPAddress("0.0.0.0")!, flags: [.up, .gateway], refCount: 0, use: 0, metric: 0, mss: 0, window: 0,
            irtt: 0)
        let names = NetstatRouteRenderer.Names(host: { _ in "a-very-long-gateway-name" }, network: { _ in nil })
        let text = Self.render { NetstatRouteRenderer(out: $0, numeric: false, names: names).writeIPv4([route, named], format: .metric) }
        #expect(text == """
            Kernel IP routing table
            Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
            10.7.0.0        -               255.255.0.0     !     7      -        0 -
            default         a-very-long-gat 0.0.0.0         UG    0      0        0 eth0

            """)
    }
}
