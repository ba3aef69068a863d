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
                out.append(c.rxPackets, width: 8, scratch: scratch)
                out.append(0x20)
                out.append(c.rxErrors, width: 6, scratch: scratch)
                out.append(0x20)
                out.append(c.rxDropped, width: 6, scratch: scratch)
                out.append(0x20)
                out.append(c.rxFifo, width: 6, left: true, scratch: scratch)
                out.append(0x20)
                out.append(c.txPackets, width: 8, scratch: scratch)
                out.append(0x20)
                out.append(c.txErrors, width: 6, scratch: scratch)
                out.append(0x20)
                out.append(c.txDropped, width: 6, scratch: scratch)
                out.append(0x20)
                out.append(c.txFifo, width: 6, scratch: scratch)
                out.append(0x20)
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
}
