import SockDiag
import SystemPackage

/// The protocol counters netstat -s prints: `/proc/net/snmp`, `/proc/net/netstat`, `/proc/net/snmp6` and, when
/// the SCTP module is loaded, `/proc/net/sctp/snmp`.
public enum ProcNetSnmp {
    /// `/proc/net/snmp` or `/proc/net/netstat`: two lines a group, names then values.
    public static func paired(path: String) throws(Errno) -> SnmpCounters {
        parsePaired(try WholeFile.read(path))
    }

    /// `/proc/net/snmp6` or `/proc/net/sctp/snmp`: one `Name value` a line, as one group with an empty name.
    public static func perLine(path: String) throws(Errno) -> SnmpCounters {
        parsePerLine(try WholeFile.read(path))
    }

    /// Parses the `Group: Name Name…` / `Group: value value…` pairs; a pair whose lines lack the colon ends the
    /// table, as it ends netstat's reading.
    public static func parsePaired(_ text: [UInt8]) -> SnmpCounters {
        let lines = ProcNetText.lines(text)
        var groups: [SnmpCounters.Group] = []
        var n = 0
        while n + 1 < lines.count {
            let names = lines[n], values = lines[n + 1]
            n += 2
            guard let colon = names.firstIndex(of: 0x3A), let valueColon = values.firstIndex(of: 0x3A) else { break }
            let keys = ProcNetText.words(names[(colon + 1)...])
            let numbers = ProcNetText.words(values[(valueColon + 1)...])
            var counters: [(name: String, value: UInt64)] = []
            for (index, key) in keys.enumerated() {
                // A missing value reads as 0, as `strtoull` at the end of the line does.
                let value = index < numbers.count ? ProcNetText.unsigned(numbers[index]) ?? 0 : 0
                counters.append((ProcNetText.string(key), value))
            }
            groups.append(SnmpCounters.Group(name: ProcNetText.string(names[..<colon]), counters: counters))
        }
        return SnmpCounters(groups: groups)
    }

    /// Parses `Name value` lines.
    public static func parsePerLine(_ text: [UInt8]) -> SnmpCounters {
        var counters: [(name: String, value: UInt64)] = []
        for line in ProcNetText.lines(text) {
            let words = ProcNetText.words(line)
            guard let name = words.first else { continue }
            let value = words.count > 1 ? ProcNetText.unsigned(words[1]) ?? 0 : 0
            counters.append((ProcNetText.string(name), value))
        }
        return SnmpCounters(groups: [SnmpCounters.Group(name: "", counters: counters)])
    }
}
