import Glibc
import ProcIndex
import SockDiag
import SystemPackage
import Testing

/// The readers of netstat's kernel tables: the kernel's line formats, edge values, and missing files.
struct ProcNetTablesTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func ipv4RoutesByHeader() throws {
        let text = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT          \n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0                  \n\
            *\t0000070A\t00000000\t0201\t0\t0\t7\t0000FFFF\t0\t0\t0                  \n\
            v0\t0500080A\t0100090A\t0007\t0\t0\t0\tFFFFFFFF\t1400\t8000\t30          \n\
            garbage line\n
            """
        let routes = ProcNetRoute.parseIPv4(Self.bytes(text))
        try #require(routes.count == 3)
        #expect(routes[0].interface == "eth0")
        #expect(routes[0].destination.isUnspecified)
        #expect(routes[0].gateway.description == "192.0.2.1")
        #expect(routes[0].flags == [.up, .gateway])
        #expect(routes[1].interface == "*")
        #expect(routes[1].flags.contains(.reject))
        #expect(routes[1].mask.description == "255.255.0.0")
        #expect(routes[1].metric == 7)
        #expect(routes[2].destination.description == "10.8.0.5")
        #expect((routes[2].mss, routes[2].window, routes[2].irtt) == (1400, 8000, 30))
    }

    @Test func ipv6Routes() throws {
        let text = """
            fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo

            """
        let routes = ProcNetRoute.parseIPv6(Self.bytes(text))
        try #require(routes.count == 3)
        #expect(routes[0].destination.description == "fd00::")
        #expect(routes[0].prefixLength == 64)
        #expect(routes[1].nextHop.description == "fd00::1")
        #expect(routes[1].metric == 1024)
        #expect(routes[2].metric == UInt32.max)
        #expect(routes[2].flags == [.reject, .noNextHop])
        #expect(routes[2].interface == "lo")
    }

    @Test func pairedCountersWrapNegativesAndFillMissingValues() throws {
        let text = "Tcp: RtoAlgorithm MaxConn ActiveOpens\nTcp: 1 -1\nUdp: InDatagrams\nUdp: 7\n"
        let counters = ProcNetSnmp.parsePaired(Self.bytes(text))
        try #require(counters.groups.count == 2)
        #expect(counters.groups[0].name == "Tcp")
        #expect(counters.groups[0].counters.map(\.value) == [1, UInt64.max, 0])
        #expect(counters.groups[1].counters.first?.name == "InDatagrams")
        #expect(counters.groups[1].counters.first?.value == 7)
    }

    @Test func igmpGroupsUnderTheirDevice() throws {
        let v4 = """
            Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter
            1\tlo        :     1      V3
            \t\t\t\t010000E0     1 0:00000000\t\t0
            3\tabcdefghijklmno:     2      V3
            \t\t\t\t030201EF     2 0:00000000\t\t0

            """
        let groups = ProcNetIgmp.parseIPv4(Self.bytes(v4))
        #expect(groups.map(\.interface) == ["lo", "abcdefghijklmno"])
        #expect(groups.map(\.group.description) == ["224.0.0.1", "239.1.2.3"])
        #expect(groups.map(\.users) == [1, 2])
        let v6 = "3    v0              ff050000000000000000000000010003     1 00000004 0\n"
        let groups6 = ProcNetIgmp.parseIPv6(Self.bytes(v6))
        #expect(groups6.map(\.group.description) == ["ff05::1:3"])
        #expect(groups6.first?.interface == "v0")
    }

    /// net-tools' interface order: names, then their numbers as numbers, then alias numbers.
    @Test func interfaceOrder() {
        let sorted = ["eth10", "lo", "eth2", "eth0:10", "eth0", "eth0:2", "br0", "eth"].sorted {
            ProcNetDev.nstrcmp($0, $1) < 0
        }
        #expect(sorted == ["br0", "eth", "eth0", "eth0:2", "eth0:10", "eth2", "eth10", "lo"])
    }

    @Test func devCounters() throws {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 2683564455  999251    1    2    3     4          5         6 2683564455  999252    7    8    9     10       11          12

            """
        let rows = ProcNetDev.parseDev(Self.bytes(text))
        try #require(rows.count == 1)
        #expect(rows[0].0 == "lo")
        #expect((rows[0].1.rxPackets, rows[0].1.rxErrors, rows[0].1.rxFifo) == (999_251, 1, 3))
        #expect((rows[0].1.txPackets, rows[0].1.txDropped, rows[0].1.txFifo) == (999_252, 8, 9))
    }

    /// The live tables of this namespace: loopback is there, up, with its flags and MTU from the kernel.
    @Test func liveInterfaceTable() throws {
        let table = try ProcNetDev.read()
        let lo = try #require(table.interfaces.first { $0.name == "lo" })
        #expect(lo.flags & UInt16(IFF_LOOPBACK) != 0)
        #expect(lo.mtu > 0)
        #expect(lo.counters != nil)
    }

    /// A table the kernel does not have (IPv6 disabled, no IPv4) is an error the command turns into a note.
    @Test func missingTablesThrow() {
        #expect(throws: Errno.noSuchFileOrDirectory) { try ProcNetRoute.ipv6(path: "/nonexistent/ipv6_route") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try ProcNetRoute.ipv4(path: "/nonexistent/route") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try ProcNetSnmp.perLine(path: "/nonexistent/snmp6") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try ProcNetIgmp.ipv6(path: "/nonexistent/igmp6") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try ProcNetDev.read(path: "/nonexistent/dev").countersUnreadable.map { throw $0 } }
    }
}
