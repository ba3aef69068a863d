import SockDiag

/// Renders net-tools netstat -i: the kernel interface table, byte for byte (`ife_print_short`).
///
/// A row is `%-15.15s %5d ` then `%8llu %6lu %6lu %-6lu ` for RX-OK RX-ERR RX-DRP RX-OVR, `%8llu %6lu %6lu %6lu `
/// for TX, then the flag letters. Interfaces that are down show with -a only.
public struct NetstatInterfaceRenderer {
    let out: OutputBuffer
    private let scratch = OutputBuffer(fd: nil)

    public init(out: OutputBuffer) {
        self.out = out
    }

    public func writeHeader() {
        out.append("Kernel Interface table\n")
        out.append("Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n")
    }

    /// The interfaces' rows; `all`: those that are down too (`-a`).
    public func write(_ interfaces: [InterfaceCounters], all: Bool) {
        for interface in interfaces where all || interface.flags & 0x1 != 0 {
            out.append(interface.name, width: 15, limit: 15, scratch: scratch)
            out.append(0x20)
            out.append(interface.mtu, width: 5, scratch: scratch)
            out.append(0x20)
            if let c = interface.counters {
                out.appendColumns(
                    [(c.rxPackets, 8, false), (c.rxErrors, 6, false), (c.rxDropped, 6, false), (c.rxFifo, 6, true),
                     (c.txPackets, 8, false), (c.txErrors, 6, false), (c.txDropped, 6, false), (c.txFifo, 6, false)],
                    scratch: scratch)
            } else {
                out.append("     - no statistics available -", width: 56, scratch: scratch)
            }
            out.append(Self.flags(interface.flags))
            out.append(0x0A)
        }
    }

    /// The letters of `ife_print_short`, from the `IFF_*` flags.
    static func flags(_ flags: UInt16) -> String {
        if flags == 0 { return "[NO FLAGS]" }
        let letters: [(UInt16, String)] = [
            (0x200, "A"),  // IFF_ALLMULTI
            (0x2, "B"),  // IFF_BROADCAST
            (0x4, "D"),  // IFF_DEBUG
            (0x8, "L"),  // IFF_LOOPBACK
            (0x1000, "M"),  // IFF_MULTICAST
            (0x8000, "d"),  // IFF_DYNAMIC
            (0x100, "P"),  // IFF_PROMISC
            (0x20, "N"),  // IFF_NOTRAILERS
            (0x80, "O"),  // IFF_NOARP
            (0x10, "P"),  // IFF_POINTOPOINT
            (0x800, "s"),  // IFF_SLAVE
            (0x400, "m"),  // IFF_MASTER
            (0x40, "R"),  // IFF_RUNNING
            (0x1, "U"),  // IFF_UP
        ]
        return letters.filter { flags & $0.0 != 0 }.map(\.1).joined()
    }
    // MARK: - -ie

    /// netstat -ie's title: the table's name alone (each interface is a block).
    public func writeLongHeader() {
        out.append("Kernel Interface table\n")
    }

    /// ifconfig-style blocks (`ife_print_long`), each followed by an empty line; `ipv6` is `/proc/net/if_inet6`.
    public func writeLong(_ interfaces: [InterfaceCounters], ipv6: [InterfaceDetails.IPv6Address], all: Bool) {
        for interface in interfaces where all || interface.flags & 0x1 != 0 {
            writeLong(interface, ipv6: ipv6)
        }
    }

    private func writeLong(_ interface: InterfaceCounters, ipv6: [InterfaceDetails.IPv6Address]) {
        let details = interface.details
        out.appendEscaped(interface.name)
        out.append(": flags=")
        out.append(Int16(bitPattern: interface.flags), width: 0, scratch: scratch)
        out.append(Self.flagNames(interface.flags))
        out.append("  mtu ")
        out.append(interface.mtu, width: 0, scratch: scratch)
        out.append(0x0A)
        if let ipv4 = details?.ipv4 {
            out.append("        inet " + ipv4.address.description + "  netmask " + ipv4.netmask.description)
            if interface.flags & 0x2 != 0 { out.append("  broadcast " + ipv4.broadcast.description) }
            if interface.flags & 0x10 != 0 { out.append("  destination " + ipv4.destination.description) }
            out.append(0x0A)
        }
        for address in ipv6 where address.interface == interface.name {
            out.append("        inet6 ")
            out.append(NetstatRouteRenderer.v4Part(address.address.description, of: address.address))
            out.append("  prefixlen ")
            out.append(address.prefixLength, width: 0, scratch: scratch)
            out.append("  scopeid 0x")
            out.append(String(address.scope, radix: 16))
            out.append(Self.scopeNames(address.scope))
            out.append(0x0A)
        }
        let hardware = Self.hardware(details?.hardwareType ?? 0)
        out.append("        ")
        out.append(hardware.name)
        if let print = hardware.print {
            out.append(0x20)
            out.append(print(details?.hardwareAddress ?? []))
        }
        if let length = details?.txQueueLength {
            out.append("  txqueuelen ")
            out.append(length, width: 0, scratch: scratch)
        }
        out.append("  (" + hardware.title + ")\n")
        if let c = interface.counters {
            out.append("        RX packets \(c.rxPackets)  bytes \(c.rxBytes) (\(Self.short(c.rxBytes)))\n")
            out.append("        RX errors \(c.rxErrors)  dropped \(c.rxDropped)  overruns \(c.rxFifo)  frame \(c.rxFrame)\n")
            out.append("        TX packets \(c.txPackets)  bytes \(c.txBytes) (\(Self.short(c.txBytes)))\n")
            out.append(
                "        TX errors \(c.txErrors)  dropped \(c.txDropped) overruns \(c.txFifo)  carrier \(c.txCarrier)"
                    + "  collisions \(c.collisions)\n")
        }
        if let d = details, d.irq != 0 || d.memoryStart != 0 || d.dma != 0 || d.baseAddress >= 0x100 {
            out.append("        device ")
            if d.irq != 0 { out.append("interrupt \(d.irq)  ") }
            if d.baseAddress >= 0x100 { out.append("base 0x" + String(d.baseAddress, radix: 16) + "  ") }
            if d.memoryStart != 0 {
                out.append("memory 0x" + String(d.memoryStart, radix: 16) + "-" + String(d.memoryEnd, radix: 16) + "  ")
            }
            if d.dma != 0 { out.append("  dma 0x" + String(d.dma, radix: 16)) }
            out.append(0x0A)
        }
        out.append(0x0A)
    }

    /// `<UP,BROADCAST,…>` in netstat's order; `<` alone for no flags and nothing for flags it has no name for
    /// (net-tools cuts the last character of its list).
    static func flagNames(_ flags: UInt16) -> String {
        let names: [(UInt16, String)] = [
            (0x1, "UP"), (0x2, "BROADCAST"), (0x4, "DEBUG"), (0x8, "LOOPBACK"), (0x10, "POINTOPOINT"),
            (0x20, "NOTRAILERS"), (0x40, "RUNNING"), (0x80, "NOARP"), (0x100, "PROMISC"), (0x200, "ALLMULTI"),
            (0x800, "SLAVE"), (0x400, "MASTER"), (0x1000, "MULTICAST"), (0x8000, "DYNAMIC"),
        ]
        let set = names.filter { flags & $0.0 != 0 }.map(\.1)
        if set.isEmpty { return flags == 0 ? "<" : "" }
        return "<" + set.joined(separator: ",") + ">"
    }

    /// The scope words of an IPv6 address: `<compat,global,link,site,host>` as they apply.
    static func scopeNames(_ scope: UInt32) -> String {
        var scope = scope
        var words: [String] = []
        if scope & 0x80 != 0 {
            words.append("compat")
            scope -= 0x80
        }
        if scope == 0 { words.append("global") }
        if scope & 0x20 != 0 { words.append("link") }
        if scope & 0x40 != 0 { words.append("site") }
        if scope & 0x10 != 0 { words.append("host") }
        return words.isEmpty ? "" : "<" + words.joined(separator: ",") + ">"
    }

    /// net-tools' hardware types this renderer knows; any other prints as its `unspec` type does.
    static func hardware(_ type: UInt16) -> (name: String, title: String, print: (([UInt8]) -> String)?) {
        switch type {
        case 1:  // ARPHRD_ETHER
            return ("ether", "Ethernet", { bytes in
                bytes.prefix(6).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
            })
        case 772:  // ARPHRD_LOOPBACK
            return ("loop", "Local Loopback", nil)
        default:
            // `pr_unspec`: 16 bytes (the 8 kept, then zeros) as `%02X-`.
            return ("unspec", "UNSPEC", { bytes in
                (Array(bytes.prefix(8)) + [UInt8](repeating: 0, count: 16 - min(8, bytes.count)))
                    .map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: "-")
            })
        }
    }

    /// `bytes (223.3 MiB)`'s unit part: tenths, truncated, in the largest unit the value exceeds.
    static func short(_ bytes: UInt64) -> String {
        var tenths = bytes &* 10
        var unit = "B"
        if bytes > 1_152_921_504_606_846_976 {
            tenths = bytes / 115_292_150_460_684_697
            unit = "EiB"
        } else if bytes > 1_125_899_906_842_624 {
            (tenths, unit) = (tenths / 1_125_899_906_842_624, "PiB")
        } else if bytes > 1_099_511_627_776 {
            (tenths, unit) = (tenths / 1_099_511_627_776, "TiB")
        } else if bytes > 1_073_741_824 {
            (tenths, unit) = (tenths / 1_073_741_824, "GiB")
        } else if bytes > 1_048_576 {
            (tenths, unit) = (tenths / 1_048_576, "MiB")
        } else if bytes > 1024 {
            (tenths, unit) = (tenths / 1024, "KiB")
        }
        return "\(tenths / 10).\(tenths % 10) \(unit)"
    }
}
