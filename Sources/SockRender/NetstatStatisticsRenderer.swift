import SockDiag

/// Renders net-tools netstat -s: the protocol counters in netstat's sentences, byte for byte (`statistics.c`).
///
/// Each group prints its title (`Tcp:`) when its protocol is selected (`Ip`/`Icmp` with -w, `Tcp`/`TcpExt` with
/// -t, `Udp` with -u, all without a protocol flag); groups netstat has no sentences for (`IcmpMsg`, `UdpLite`,
/// `IpExt`, `MPTcpExt`…) always print, their non-zero counters as `Name: value`. A known counter prints its
/// sentence (`%llu segments retransmitted`), the optional ones only when non-zero, the ICMP histograms under their
/// titles; counters netstat's tables do not find print as `Name: value` when non-zero. netstat looks counters up
/// with `bsearch` in tables that are not all sorted, so some of its own sentences are never found: the same
/// search is done here, on the same tables, so that the same counters fall back.
public final class NetstatStatisticsRenderer {
    /// Which groups print (`-w`, `-t`, `-u`, `-S`; all when none is named).
    public struct Selection: Sendable {
        public var raw: Bool, tcp: Bool, udp: Bool, sctp: Bool

        public init(raw: Bool, tcp: Bool, udp: Bool, sctp: Bool) {
            (self.raw, self.tcp, self.udp, self.sctp) = (raw, tcp, udp, sctp)
        }
    }

    /// How a counter prints (`enum State` in netstat).
    enum Kind: Equatable {
        case number, optNumber, forward, inputHistogram, outputHistogram, rtoAlgorithm

        /// The indent of lines printed in this state (`states[].indent`).
        var indent: Int {
            switch self {
            case .number, .optNumber, .forward: 4
            case .inputHistogram, .outputHistogram: 8
            case .rtoAlgorithm: 0
            }
        }

        var title: String {
            switch self {
            case .inputHistogram: "ICMP input histogram:"
            case .outputHistogram: "ICMP output histogram:"
            default: ""
            }
        }
    }

    /// One counter netstat has a sentence for.
    struct Entry {
        let name: [UInt8]
        let sentence: String
        let kind: Kind
        let isStatic: Bool
        let titled: Bool

        init(_ name: String, _ sentence: String, _ kind: Kind, isStatic: Bool = false, titled: Bool = false) {
            self.name = Array(name.utf8)
            self.sentence = sentence
            self.kind = kind
            self.isStatic = isStatic
            self.titled = titled
        }
    }

    /// A group netstat knows, with the selection flag that prints it.
    struct Table {
        let entries: [Entry]?
        let selected: Bool
    }

    let out: OutputBuffer
    let selection: Selection
    /// netstat's `state`: it carries over from one group to the next unless the next is a known one.
    private var state: Kind = .number

    public init(out: OutputBuffer, selection: Selection) {
        self.out = out
        self.selection = selection
    }

    /// `parsesnmp`: `/proc/net/snmp`, then `/proc/net/netstat` and `/proc/net/sctp/snmp` when they exist.
    public func writeInet(snmp: SnmpCounters, netstat: SnmpCounters?, sctp: SnmpCounters?) {
        for group in snmp.groups + (netstat?.groups ?? []) {
            let table = newTable(group.name, ipv6: false)
            guard table.selected else { continue }
            for counter in group.counters { printValue(table, counter.name, counter.value) }
        }
        if let sctp {
            let table = newTable("Sctp", ipv6: false)
            for group in sctp.groups where table.selected {
                for counter in group.counters { printValue(table, counter.name, counter.value) }
            }
        }
    }

    /// `parsesnmp6`: `/proc/net/snmp6` (grouped by each name up to its first `6`), then the `Tcp` group of
    /// `/proc/net/snmp` (when given).
    public func writeInet6(snmp6: SnmpCounters, snmp: SnmpCounters?) {
        var title: [UInt8]? = nil
        var table = Table(entries: nil, selected: false)
        for counter in snmp6.groups.flatMap(\.counters) {
            let name = Array(counter.name.utf8)
            if title == nil || !Self.contains(name, title!) {
                // `cpytitle`: up to and including the first `6`.
                let end = name.firstIndex(of: 0x36).map { $0 + 1 } ?? name.count
                title = Array(name[..<end])
                table = newTable(String(decoding: title!, as: UTF8.self), ipv6: true)
            }
            if table.selected { printValue(table, counter.name, counter.value) }
        }
        for group in snmp?.groups ?? [] where group.name.hasPrefix("Tcp") {
            let table = newTable(group.name, ipv6: false)
            guard table.selected else { continue }
            for counter in group.counters { printValue(table, counter.name, counter.value) }
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        if needle.isEmpty { return true }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// `newtable`: the group's title line and table; unknown groups always print.
    private func newTable(_ title: String, ipv6: Bool) -> Table {
        if let (entries, selected) = known(title, ipv6: ipv6) {
            if selected { line(title + ":") }
            state = .number
            return Table(entries: entries, selected: selected)
        }
        line(title + ":")
        return Table(entries: nil, selected: true)
    }

    private func known(_ title: String, ipv6: Bool) -> ([Entry], Bool)? {
        if ipv6 {
            switch title {
            case "Ip6": return (Self.ip6, selection.raw)
            case "Icmp6": return (Self.icmp6, selection.raw)
            case "Udp6": return (Self.udp6, selection.udp)
            case "Tcp6": return (Self.tcp, selection.tcp)
            default: return nil
            }
        }
        switch title {
        case "Ip": return (Self.ip, selection.raw)
        case "Icmp": return (Self.icmp, selection.raw)
        case "Tcp": return (Self.tcp, selection.tcp)
        case "Udp": return (Self.udp, selection.udp)
        case "Sctp": return (Self.sctp, selection.sctp)
        case "TcpExt": return (Self.tcpExt, selection.tcp)
        default: return nil
        }
    }

    /// glibc's `bsearch` with `strcmp` over a table that may be out of order, as netstat searches.
    static func search(_ entries: [Entry], _ name: [UInt8]) -> Entry? {
        var low = 0
        var high = entries.count
        while low < high {
            let index = (low + high) / 2
            let order = compare(name, entries[index].name)
            if order < 0 {
                high = index
            } else if order > 0 {
                low = index + 1
            } else {
                return entries[index]
            }
        }
        return nil
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : a.count < b.count ? -1 : 1
    }

    /// `printval`.
    private func printValue(_ table: Table, _ name: String, _ value: UInt64) {
        guard let entries = table.entries, let entry = Self.search(entries, Array(name.utf8)) else {
            if value != 0 { line(String(repeating: " ", count: state.indent) + name + ": " + String(value)) }
            return
        }
        // Static settings (`DefaultTTL`, `Forwarding`, `RtoAlgorithm`) print only with netstat's hidden option.
        if entry.isStatic || entry.sentence.isEmpty { return }
        var kind = entry.kind
        if entry.titled && state != kind {
            line(String(repeating: " ", count: state.indent) + kind.title)
        }
        var text = ""
        switch kind {
        case .optNumber:
            if value != 0 { text = Self.fill(entry.sentence, value) }
        case .number:
            text = Self.fill(entry.sentence, value)
        case .forward:
            kind = .number
        case .inputHistogram, .outputHistogram:
            if value > 0 { text = Self.fill(entry.sentence, value) }
        case .rtoAlgorithm:
            break
        }
        if !text.isEmpty { line(String(repeating: " ", count: kind.indent) + text) }
        state = kind
    }

    static func fill(_ sentence: String, _ value: UInt64) -> String {
        let bytes = Array(sentence.utf8)
        let mark = Array("%llu".utf8)
        guard bytes.count >= mark.count,
            let at = (0...(bytes.count - mark.count)).first(where: { bytes[$0..<($0 + mark.count)].elementsEqual(mark) })
        else { return sentence }
        return String(decoding: bytes[..<at], as: UTF8.self) + String(value)
            + String(decoding: bytes[(at + mark.count)...], as: UTF8.self)
    }

    private func line(_ text: String) {
        out.appendEscaped(text)
        out.append(0x0A)
    }

    // MARK: - netstat's tables, in its order

    static let ip: [Entry] = [
        Entry("DefaultTTL", "Default TTL is %llu", .number, isStatic: true),
        Entry("Forwarding", "Forwarding is %s", .forward, isStatic: true),
        Entry("ForwDatagrams", "%llu forwarded", .number),
        Entry("FragCreates", "%llu fragments created", .optNumber),
        Entry("FragFails", "%llu outgoing packets failed fragmentation", .optNumber),
        Entry("FragOKs", "%llu outgoing packets fragmented ok", .optNumber),
        Entry("InAddrErrors", "%llu with invalid addresses", .optNumber),
        Entry("InDelivers", "%llu incoming packets delivered", .number),
        Entry("InDiscards", "%llu incoming packets discarded", .number),
        Entry("InHdrErrors", "%llu with invalid headers", .optNumber),
        Entry("InReceives", "%llu total packets received", .number),
        Entry("InUnknownProtos", "%llu with unknown protocol", .optNumber),
        Entry("OutDiscards", "%llu outgoing packets dropped", .optNumber),
        Entry("OutNoRoutes", "%llu dropped because of missing route", .optNumber),
        Entry("OutRequests", "%llu requests sent out", .number),
        Entry("ReasmFails", "%llu packet reassemblies failed", .optNumber),
        Entry("ReasmOKs", "%llu packets reassembled ok", .optNumber),
        Entry("ReasmReqds", "%llu reassemblies required", .optNumber),
        Entry("ReasmTimeout", "%llu fragments dropped after timeout", .optNumber),
    ]

    static let ip6: [Entry] = [
        Entry("Ip6FragCreates", "%llu fragments created", .optNumber),
        Entry("Ip6FragFails", "%llu outgoing packets failed fragmentation", .optNumber),
        Entry("Ip6FragOKs", "%llu outgoing packets fragmented ok", .optNumber),
        Entry("Ip6InAddrErrors", "%llu with invalid addresses", .optNumber),
        Entry("Ip6InDelivers", "%llu incoming packets delivered", .number),
        Entry("Ip6InDiscards", "%llu incoming packets discarded", .number),
        Entry("Ip6InHdrErrors", "%llu with invalid headers", .optNumber),
        Entry("Ip6InMcastPkts", "%llu incoming multicast packets", .optNumber),
        Entry("Ip6InNoRoutes", "%llu incoming packets with no route", .optNumber),
        Entry("Ip6InReceives", "%llu total packets received", .number),
        Entry("Ip6InTooBigErrors", "%llu with packets too big", .optNumber),
        Entry("Ip6InTruncatedPkts", "%llu with truncated packets", .optNumber),
        Entry("Ip6InUnknownProtos", "%llu with unknown protocol", .optNumber),
        Entry("Ip6OutDiscards", "%llu outgoing packets dropped", .optNumber),
        Entry("Ip6OutForwDatagrams", "%llu forwarded", .number),
        Entry("Ip6OutMcastPkts", "%llu outgoing multicast packets", .optNumber),
        Entry("Ip6OutNoRoutes", "%llu dropped because of missing route", .optNumber),
        Entry("Ip6OutRequests", "%llu requests sent out", .number),
        Entry("Ip6ReasmFails", "%llu packet reassemblies failed", .optNumber),
        Entry("Ip6ReasmOKs", "%llu packets reassembled ok", .optNumber),
        Entry("Ip6ReasmReqds", "%llu reassemblies required", .optNumber),
        Entry("Ip6ReasmTimeout", "%llu fragments dropped after timeout", .optNumber),
    ]

    static let icmp: [Entry] = [
        Entry("InAddrMaskReps", "address mask replies: %llu", .inputHistogram, titled: true),
        Entry("InAddrMasks", "address mask request: %llu", .inputHistogram, titled: true),
        Entry("InDestUnreachs", "destination unreachable: %llu", .inputHistogram, titled: true),
        Entry("InEchoReps", "echo replies: %llu", .inputHistogram, titled: true),
        Entry("InEchos", "echo requests: %llu", .inputHistogram, titled: true),
        Entry("InErrors", "%llu input ICMP message failed", .number),
        Entry("InMsgs", "%llu ICMP messages received", .number),
        Entry("InParmProbs", "wrong parameters: %llu", .inputHistogram, titled: true),
        Entry("InRedirects", "redirects: %llu", .inputHistogram, titled: true),
        Entry("InSrcQuenchs", "source quenches: %llu", .inputHistogram, titled: true),
        Entry("InTimeExcds", "timeout in transit: %llu", .inputHistogram, titled: true),
        Entry("InTimestampReps", "timestamp reply: %llu", .inputHistogram, titled: true),
        Entry("InTimestamps", "timestamp request: %llu", .inputHistogram, titled: true),
        Entry("OutAddrMaskReps", "address mask replies: %llu", .outputHistogram, titled: true),
        Entry("OutAddrMasks", "address mask requests: %llu", .outputHistogram, titled: true),
        Entry("OutDestUnreachs", "destination unreachable: %llu", .outputHistogram, titled: true),
        Entry("OutEchoReps", "echo replies: %llu", .outputHistogram, titled: true),
        Entry("OutEchos", "echo requests: %llu", .outputHistogram, titled: true),
        Entry("OutErrors", "%llu ICMP messages failed", .number),
        Entry("OutMsgs", "%llu ICMP messages sent", .number),
        Entry("OutParmProbs", "wrong parameters: %llu", .outputHistogram, titled: true),
        Entry("OutRedirects", "redirect: %llu", .outputHistogram, titled: true),
        Entry("OutSrcQuenchs", "source quench: %llu", .outputHistogram, titled: true),
        Entry("OutTimeExcds", "time exceeded: %llu", .outputHistogram, titled: true),
        Entry("OutTimestampReps", "timestamp replies: %llu", .outputHistogram, titled: true),
        Entry("OutTimestamps", "timestamp requests: %llu", .outputHistogram, titled: true),
    ]

    static let icmp6: [Entry] = [
        Entry("Icmp6InDestUnreachs", "destination unreachable: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InEchoReplies", "echo replies: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InEchos", "echo requests: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InErrors", "%llu input ICMP message failed", .number),
        Entry("Icmp6InGroupMembQueries", "group member queries: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InGroupMembReductions", "group member reductions: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InGroupMembResponses", "group member responses: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InMsgs", "%llu ICMP messages received", .number),
        Entry("Icmp6InNeighborAdvertisements", "neighbour advertisement: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InNeighborSolicits", "neighbour solicits: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InParmProblems", "parameter problem: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InPktTooBigs", "packets too big: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InRedirects", "redirects: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InRouterAdvertisements", "router advertisement: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InRouterSolicits", "router solicits: %llu", .inputHistogram, titled: true),
        Entry("Icmp6InTimeExcds", "received ICMPv6 time exceeded: %llu", .inputHistogram, titled: true),
        Entry("Icmp6OutDestUnreachs", "destination unreachable: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutEchoReplies", "echo replies: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutEchos", "echo requests: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutGroupMembQueries", "group member queries: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutGroupMembReductions", "group member reductions: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutGroupMembResponses", "group member responses: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutMsgs", "%llu ICMP messages sent", .number),
        Entry("Icmp6OutNeighborAdvertisements", "neighbor advertisements: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutNeighborSolicits", "neighbor solicits: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutParmProblems", "parameter problem: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutPktTooBigs", "packets too big: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutRedirects", "redirects: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutRouterAdvertisements ", "router advertisement: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutRouterSolicits", "router solicits: %llu", .outputHistogram, titled: true),
        Entry("Icmp6OutTimeExcds", "sent ICMPv6 time exceeded: %llu", .outputHistogram, titled: true),
    ]

    static let tcp: [Entry] = [
        Entry("ActiveOpens", "%llu active connection openings", .number),
        Entry("AttemptFails", "%llu failed connection attempts", .number),
        Entry("CurrEstab", "%llu connections established", .number),
        Entry("EstabResets", "%llu connection resets received", .number),
        Entry("InErrs", "%llu bad segments received", .number),
        Entry("InSegs", "%llu segments received", .number),
        Entry("MaxConn", "", .number),
        Entry("OutRsts", "%llu resets sent", .number),
        Entry("OutSegs", "%llu segments sent out", .number),
        Entry("PassiveOpens", "%llu passive connection openings", .number),
        Entry("RetransSegs", "%llu segments retransmitted", .number),
        Entry("RtoAlgorithm", "RTO algorithm is %s", .rtoAlgorithm, isStatic: true),
        Entry("RtoMax", "", .number),
        Entry("RtoMin", "", .number),
    ]

    static let udp: [Entry] = [
        Entry("InDatagrams", "%llu packets received", .number),
        Entry("InErrors", "%llu packet receive errors", .number),
        Entry("NoPorts", "%llu packets to unknown port received", .number),
        Entry("OutDatagrams", "%llu packets sent", .number),
        Entry("RcvbufErrors", "%llu receive buffer errors", .number),
        Entry("SndbufErrors", "%llu send buffer errors", .number),
    ]

    static let udp6: [Entry] = [
        Entry("Udp6InDatagrams", "%llu packets received", .number),
        Entry("Udp6InErrors", "%llu packet receive errors", .number),
        Entry("Udp6NoPorts", "%llu packets to unknown port received", .number),
        Entry("Udp6OutDatagrams", "%llu packets sent", .number),
    ]

    static let tcpExt: [Entry] = [
        Entry("DelayedACKLocked", "%llu delayed acks further delayed because of locked socket", .optNumber),
        Entry("DelayedACKLost", "Quick ack mode was activated %llu times", .optNumber),
        Entry("DelayedACKs", "%llu delayed acks sent", .optNumber),
        Entry("EmbryonicRsts", "%llu resets received for embryonic SYN_RECV sockets", .optNumber),
        Entry("ListenDrops", "%llu SYNs to LISTEN sockets dropped", .optNumber),
        Entry("ListenOverflows", "%llu times the listen queue of a socket overflowed", .optNumber),
        Entry("LockDroppedIcmps", "%llu ICMP packets dropped because socket was locked", .optNumber),
        Entry("OfoPruned", "%llu packets dropped from out-of-order queue because of socket buffer overrun", .optNumber),
        Entry("OutOfWindowIcmps", "%llu ICMP packets dropped because they were out-of-window", .optNumber),
        Entry("PAWSActive", "%llu active connections rejected because of time stamp", .optNumber),
        Entry("PAWSEstab", "%llu packets rejected in established connections because of timestamp", .optNumber),
        Entry("PAWSPassive", "%llu passive connections rejected because of time stamp", .optNumber),
        Entry("PruneCalled", "%llu packets pruned from receive queue because of socket buffer overrun", .optNumber),
        Entry("RcvPruned", "%llu packets pruned from receive queue", .optNumber),
        Entry("SockMallocOOM", "Ran %llu times out of system memory during packet sending", .optNumber),
        Entry("SyncookiesFailed", "%llu invalid SYN cookies received", .optNumber),
        Entry("SyncookiesRecv", "%llu SYN cookies received", .optNumber),
        Entry("SyncookiesSent", "%llu SYN cookies sent", .optNumber),
        Entry("TCPAbortFailed", "%llu times unable to send RST due to no memory", .optNumber),
        Entry("TCPAbortOnClose", "%llu connections reset due to early user close", .optNumber),
        Entry("TCPAbortOnData", "%llu connections reset due to unexpected data", .optNumber),
        Entry("TCPAbortOnLinger", "%llu connections aborted after user close in linger timeout", .optNumber),
        Entry("TCPAbortOnMemory", "%llu connections aborted due to memory pressure", .optNumber),
        Entry("TCPAbortOnSyn", "%llu connections reset due to unexpected SYN", .optNumber),
        Entry("TCPAbortOnTimeout", "%llu connections aborted due to timeout", .optNumber),
        Entry("TCPDirectCopyFromBacklog", "%llu bytes directly in process context from backlog", .optNumber),
        Entry("TCPDirectCopyFromPrequeue", "%llu bytes directly received in process context from prequeue", .optNumber),
        Entry("TCPDSACKOfoRecv", "%llu DSACKs for out of order packets received", .optNumber),
        Entry("TCPDSACKOfoSent", "%llu DSACKs sent for out of order packets", .optNumber),
        Entry("TCPDSACKOldSent", "%llu DSACKs sent for old packets", .optNumber),
        Entry("TCPDSACKRecv", "%llu DSACKs received", .optNumber),
        Entry("TCPDSackUndo", "%llu congestion window recovered without slow start using DSACK", .optNumber),
        Entry("TCPDSACKUndo", "%llu congestion windows recovered without slow start by DSACK", .optNumber),
        Entry("TCPFACKReorder", "Detected reordering %llu times using FACK", .optNumber),
        Entry("TCPFastRetrans", "%llu fast retransmits", .optNumber),
        Entry("TCPForwardRetrans", "%llu forward retransmits", .optNumber),
        Entry("TCPFullUndo", "%llu congestion windows fully recovered without slow start", .optNumber),
        Entry("TCPHPAcks", "%llu predicted acknowledgments", .optNumber),
        Entry("TCPHPHits", "%llu packet headers predicted", .number),
        Entry("TCPHPHitsToUser", "%llu packet headers predicted and directly queued to user", .optNumber),
        Entry("TCPLossFailures", "%llu timeouts in loss state", .optNumber),
        Entry("TCPLoss", "%llu TCP data loss events", .optNumber),
        Entry("TCPLossUndo", "%llu congestion windows recovered without slow start after partial ack", .optNumber),
        Entry("TCPLostRetransmits", "%llu retransmits lost", .optNumber),
        Entry("TCPMemoryPressures", "TCP ran low on memory %llu times", .optNumber),
        Entry("TCPPartialUndo", "%llu congestion windows partially recovered using Hoe heuristic", .optNumber),
        Entry("TCPPrequeued", "%llu packets directly queued to recvmsg prequeue", .optNumber),
        Entry("TCPPrequeueDropped", "%llu packets dropped from prequeue", .optNumber),
        Entry("TCPPureAcks", "%llu acknowledgments not containing data payload received", .optNumber),
        Entry("TCPRcvCollapsed", "%llu packets collapsed in receive queue due to low socket buffer", .optNumber),
        Entry("TCPRenoFailures", "%llu timeouts after reno fast retransmit", .optNumber),
        Entry("TCPRenoRecoveryFailed", "%llu reno fast retransmits failed", .optNumber),
        Entry("TCPRenoRecoveryFail", "%llu classic Reno fast retransmits failed", .optNumber),
        Entry("TCPRenoRecovery", "%llu times recovered from packet loss due to fast retransmit", .optNumber),
        Entry("TCPRenoReorder", "Detected reordering %llu times using reno fast retransmit", .optNumber),
        Entry("TCPSackFailures", "%llu timeouts after SACK recovery", .optNumber),
        Entry("TCPSackRecoveryFail", "%llu SACK retransmits failed", .optNumber),
        Entry("TCPSackRecovery", "%llu times recovered from packet loss by selective acknowledgements", .optNumber),
        Entry("TCPSACKReneging", "%llu bad SACK blocks received", .optNumber),
        Entry("TCPSACKReorder", "Detected reordering %llu times using SACK", .optNumber),
        Entry("TCPSchedulerFailed", "%llu times receiver scheduled too late for direct processing", .optNumber),
        Entry("TCPSlowStartRetrans", "%llu retransmits in slow start", .optNumber),
        Entry("TCPTimeouts", "%llu other TCP timeouts", .optNumber),
        Entry("TCPTSReorder", "Detected reordering %llu times using time stamp", .optNumber),
        Entry("TWKilled", "%llu TCP sockets finished time wait in slow timer", .optNumber),
        Entry("TW", "%llu TCP sockets finished time wait in fast timer", .optNumber),
        Entry("TWRecycled", "%llu time wait sockets recycled by time stamp", .optNumber),
    ]

    static let sctp: [Entry] = [
        Entry("SctpAborteds", "%llu Number of Aborteds ", .number),
        Entry("SctpActiveEstabs", "%llu Active Associations", .number),
        Entry("SctpChecksumErrors", "%llu Number of Packets with invalid Checksum", .number),
        Entry("SctpCurrEstab", "%llu Current Associations", .number),
        Entry("SctpFragUsrMsgs", "%llu Number of messages fragmented", .number),
        Entry("SctpInCtrlChunks", "%llu Number of control chunks received", .number),
        Entry("SctpInOrderChunks", "%llu Number of ordered chunks received", .number),
        Entry("SctpInSCTPPacks", "%llu Number of SCTP packets received", .number),
        Entry("SctpInUnorderChunks", "%llu Number of Unordered chunks received", .number),
        Entry("SctpOutCtrlChunks", "%llu Number of control chunks sent", .number),
        Entry("SctpOutOfBlues", "%llu Number of Out of Blue packets", .number),
        Entry("SctpOutOrderChunks", "%llu Number of ordered chunks sent", .number),
        Entry("SctpOutSCTPPacks", "%llu Number of SCTP packets sent", .number),
        Entry("SctpOutUnorderChunks", "%llu Number of Unordered chunks sent", .number),
        Entry("SctpPassiveEstabs", "%llu Passive Associations", .number),
        Entry("SctpReasmUsrMsgs", "%llu Number of messages reassembled ", .number),
        Entry("SctpShutdowns", "%llu Number of Graceful Terminations", .number),
    ]
}
