import ArgumentParser
import CommandSupport
import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockRender
import SystemPackage

/// netstat's tables that are not socket listings: -r, -i, -s and -g's section, from the kernel's `/proc/net`
/// tables of sockwatch's network namespace, as net-tools netstat reads them.
extension NetstatCommand {
    /// Runs -r, -i or -s (every second with -c). A table the kernel does not have (IPv6 disabled) is a note and
    /// status 1, as netstat's is.
    func runTable(_ flags: NetstatFlags) throws {
        let out = OutputBuffer(fd: 1)
        var failed = false
        repeat {
            switch flags.mode {
            case .routes: failed = try writeRoutes(flags, into: out)
            case .interfaces: failed = try writeInterfaces(flags, into: out)
            case .statistics: failed = try writeStatistics(flags, into: out)
            case .sockets: break
            }
            try out.flush()
            if failed { throw ExitCode(1) }
            if flags.continuous { sleep(1) }
        } while flags.continuous
    }

    /// The unreadable table's note: `PATH: reason`.
    private func note(_ path: String, _ error: Errno, _ consequence: String) {
        Stderr.note(PipelineNote(.note, "\(path): \(String(cString: strerror(error.rawValue))); \(consequence)"))
    }

    /// Host names for `addresses` through the system resolver, many at a time within the deadlines; nil with -n.
    private func hostNames(_ addresses: [IPAddress], numeric: Bool) -> HostNames? {
        guard !numeric else { return nil }
        let table = resolve.table()
        for address in addresses { table.lookUp(address) }
        let late = table.finish()
        if late > 0 { Stderr.note(.lateNames(late, table)) }
        return table
    }

    // MARK: - -r

    /// Returns true when a family's table could not be read (netstat stops there).
    private func writeRoutes(_ flags: NetstatFlags, into out: OutputBuffer) throws -> Bool {
        for family in flags.routeFamilies {
            switch family {
            case .inet:
                let routes: [IPv4Route]
                do {
                    routes = try ProcNetRoute.ipv4()
                } catch {
                    note("/proc/net/route", error, "no IPv4 routing table")
                    out.append("INET (IPv4) not configured in this system.\n")
                    return true
                }
                let names = hostNames(NetstatRouteRenderer.hostAddresses(routes), numeric: flags.tableNamesNumeric)
                var networks: [IPAddress: String] = [:]
                if !flags.tableNamesNumeric {
                    for address in NetstatRouteRenderer.networkAddresses(routes) {
                        networks[address] = NetworkNames.name(of: address)
                    }
                }
                let renderer = NetstatRouteRenderer(
                    out: out, numeric: flags.tableNamesNumeric,
                    names: NetstatRouteRenderer.Names(host: { names?[$0] }, network: { networks[$0] }))
                renderer.writeIPv4(routes, format: NetstatRouteRenderer.Format(extendCount: flags.extendCount))
            case .inet6:
                let routes: [IPv6Route]
                do {
                    routes = try ProcNetRoute.ipv6()
                } catch {
                    note("/proc/net/ipv6_route", error, "no IPv6 routing table")
                    out.append("INET6 (IPv6) not configured in this system.\n")
                    return true
                }
                let names = hostNames(NetstatRouteRenderer.hostAddresses(routes), numeric: flags.tableNamesNumeric)
                let renderer = NetstatRouteRenderer(
                    out: out, numeric: flags.tableNamesNumeric,
                    names: NetstatRouteRenderer.Names(host: { names?[$0] }, network: { _ in nil }))
                renderer.writeIPv6(routes)
            }
        }
        return false
    }

    // MARK: - -i

    private func writeInterfaces(_ flags: NetstatFlags, into out: OutputBuffer) throws -> Bool {
        let long = flags.extendCount > 0
        let table: ProcNetDev.Table
        do {
            table = try ProcNetDev.read(details: long)
        } catch {
            note("/proc/net/dev", error, "no interface table")
            return true
        }
        if let error = table.countersUnreadable { note("/proc/net/dev", error, "interfaces shown without counters") }
        for name in table.vanished {
            Stderr.note(PipelineNote(.note, "\(name): vanished before its flags could be read; not shown"))
        }
        let renderer = NetstatInterfaceRenderer(out: out)
        if long {
            renderer.writeLongHeader()
            renderer.writeLong(table.interfaces, ipv6: ProcNetDev.ipv6Addresses(), all: flags.all)
        } else {
            renderer.writeHeader()
            renderer.write(table.interfaces, all: flags.all)
        }
        return false
    }

    // MARK: - -s

    private func writeStatistics(_ flags: NetstatFlags, into out: OutputBuffer) throws -> Bool {
        // netstat: with no protocol named, every group.
        let named = flags.tcp || flags.udp || flags.udplite || flags.raw
        let selection = NetstatStatisticsRenderer.Selection(
            raw: !named || flags.raw, tcp: !named || flags.tcp, udp: !named || flags.udp, sctp: !named)
        let renderer = NetstatStatisticsRenderer(out: out, selection: selection)
        switch flags.statisticsFamily {
        case .inet:
            let snmp: SnmpCounters
            do {
                snmp = try ProcNetSnmp.paired(path: "/proc/self/net/snmp")
            } catch {
                note("/proc/net/snmp", error, "no IPv4 statistics")
                return true
            }
            let extended = try? ProcNetSnmp.paired(path: "/proc/self/net/netstat")
            let sctp = try? ProcNetSnmp.perLine(path: "/proc/self/net/sctp/snmp")
            renderer.writeInet(snmp: snmp, netstat: extended, sctp: sctp)
        case .inet6:
            let snmp6: SnmpCounters
            do {
                snmp6 = try ProcNetSnmp.perLine(path: "/proc/self/net/snmp6")
            } catch {
                note("/proc/net/snmp6", error, "no IPv6 statistics")
                return true
            }
            renderer.writeInet6(snmp6: snmp6, snmp: try? ProcNetSnmp.paired(path: "/proc/self/net/snmp"))
        }
        return false
    }

    // MARK: - -g

    /// netstat's "Group Memberships" section: IPv4 groups (unless -6 alone), then IPv6 groups (unless -4 alone).
    func writeGroups(_ flags: NetstatFlags, into out: OutputBuffer) throws {
        var memberships: [MulticastMembership] = []
        let named = flags.familyOrder.filter { $0 != "unix" }
        if named.isEmpty || named.contains("inet") {
            do { memberships += try ProcNetIgmp.ipv4() } catch {
                note("/proc/net/igmp", error, "IPv4 groups not listed")
            }
        }
        if named.isEmpty || named.contains("inet6") {
            do { memberships += try ProcNetIgmp.ipv6() } catch {
                note("/proc/net/igmp6", error, "IPv6 groups not listed")
            }
        }
        let names = hostNames(NetstatGroupRenderer.hostAddresses(memberships), numeric: flags.numericHosts)
        let renderer = NetstatGroupRenderer(out: out, numeric: flags.numericHosts, host: { names?[$0] })
        renderer.writeHeader()
        renderer.write(memberships)
    }
}
