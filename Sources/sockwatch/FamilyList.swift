import ArgumentParser
import SockDiag

/// `-A/--query LIST`, as ss takes it: family and transport names, `!name` to leave one out.
struct FamilyList {
    var included: [NetID] = []
    var excluded: [NetID] = []
    /// Kinds named one by one (not through `all` or `inet`): a kernel without them gets a note.
    var named: [NetID] = []
    /// `unix_stream` and friends narrow UNIX sockets to some types; empty for all.
    var unixTypes: Set<SocketType> = []
    /// Plain `unix` was named: every UNIX type, whatever else narrows.
    var allUnix = false

    /// Every name and what it stands for.
    static let names: [(name: String, netids: [NetID], unixType: SocketType?)] = [
        ("all", NetID.everyDefault + [.sctp, .vsock], nil),
        ("inet", NetID.inetDefault, nil),
        ("tcp", [.tcp], nil), ("udp", [.udp], nil), ("udplite", [.udplite], nil), ("raw", [.raw], nil),
        ("mptcp", [.mptcp], nil), ("sctp", [.sctp], nil),
        ("unix", [.unix], nil), ("unix_stream", [.unix], .stream), ("unix_dgram", [.unix], .dgram),
        ("unix_seqpacket", [.unix], .seqpacket),
        ("netlink", [.netlink], nil), ("packet", [.packet], nil), ("vsock", [.vsock], nil),
    ]

    /// Parses `tcp,unix` or `all,!netlink`; the error names the bad entry and the accepted names.
    static func parse(_ argument: String) throws -> FamilyList {
        var list = FamilyList()
        for item in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let negated = item.hasPrefix("!")
            let name = negated ? item.dropFirst() : item[...]
            guard let entry = names.first(where: { $0.name == name.lowercased() }) else {
                throw ValidationError(
                    "unknown socket family '\(item)' in '\(argument)'; accepted: \(names.map(\.name).joined(separator: ", ")) (and !NAME)")
            }
            if negated {
                list.excluded += entry.netids
            } else {
                list.included += entry.netids
                if entry.name != "all" && entry.name != "inet" { list.named += entry.netids }
                if let type = entry.unixType { list.unixTypes.insert(type) }
                if entry.name == "unix" { list.allUnix = true }
            }
        }
        return list
    }
}

extension NetID {
    /// What ss lists without -A: every family but SCTP and vsock (asked for by name only), plus UDP-Lite.
    static let everyDefault: [NetID] = inetDefault + [.unix, .netlink, .packet]
    /// `inet`: the INET transports this kind of kernel has.
    static let inetDefault: [NetID] = [.tcp, .udp, .udplite, .raw, .mptcp]
}
