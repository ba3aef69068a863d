import SockDiag

/// One socket as lsof shows it: what a row of `sockwatch lsof` needs from a `SocketRecord`, copied out.
///
/// lsof reads `/proc/net/{tcp,udp}[6]`; the same fields come from sock_diag here. Listeners are the one
/// difference: the kernel reports a listener's backlog as its send queue, `/proc/net/tcp` (and so lsof) 0.
public struct LsofSocket: Sendable, Equatable {
    public var netid: NetID
    /// The socket's own family: TYPE is `IPv4` or `IPv6` by it, whatever the addresses look like.
    public var family: IPAddress.Family
    public var state: SocketState
    public var local: InetEndpoint
    public var peer: InetEndpoint
    public var inode: UInt32
    /// lsof's `QR`: bytes (for listeners, connections) waiting to be read.
    public var receiveQueue: UInt32
    /// lsof's `QS`: bytes not yet acknowledged; 0 for listeners.
    public var sendQueue: UInt32
    /// For a UNIX socket, what its `/proc/net/unix` line says; nil for Internet sockets.
    public var unix: LsofUnix?

    /// An Internet socket, or a UNIX socket with what `/proc/net/unix` says of it (`unix`).
    public init(_ record: borrowing SocketRecord, unix: LsofUnix? = nil) {
        netid = record.netid
        family = record.family
        state = record.state
        local = record.local
        peer = record.peer
        inode = record.inode
        receiveQueue = record.recvQ
        sendQueue = record.netid == .tcp && record.state == .listen ? 0 : record.sendQ
        self.unix = unix
    }

    public init(
        netid: NetID, family: IPAddress.Family, state: SocketState, local: InetEndpoint, peer: InetEndpoint,
        inode: UInt32, receiveQueue: UInt32 = 0, sendQueue: UInt32 = 0
    ) {
        self.netid = netid
        self.family = family
        self.state = state
        self.local = local
        self.peer = peer
        self.inode = inode
        self.receiveQueue = receiveQueue
        self.sendQueue = sendQueue
    }

    /// lsof's NODE column: the protocol name.
    public var protocolName: String { Self.protocolName(netid) }

    /// The protocol name lsof shows for `netid`.
    public static func protocolName(_ netid: NetID) -> String {
        switch netid {
        case .tcp: "TCP"
        case .udp: "UDP"
        case .udplite: "UDPLITE"
        case .sctp: "SCTP"
        default: netid.rawValue.uppercased()
        }
    }

    /// lsof's TYPE column.
    public var typeName: String { unix != nil ? "unix" : family == .inet ? "IPv4" : "IPv6" }

    /// lsof's DEVICE column: the inode for an Internet socket (lsof's stand-in for a PCB address), the kernel
    /// address for a UNIX socket.
    public var deviceText: String { unix?.device ?? String(inode) }

    /// lsof's NODE column: the protocol of an Internet socket, the inode of a UNIX socket.
    public var nodeText: String { unix != nil ? String(inode) : protocolName }

    /// The two ends as lsof sees them (its `ent_inaddr`), for printing and for `-i` matching.
    ///
    /// An end is absent when both its address and port are zero (no peer, or not bound). When either present end
    /// of an IPv6 socket is IPv4-mapped (`::ffff:a.b.c.d`), both ends are shown, and matched, as IPv4.
    public var ends: LsofEnds {
        let localPresent = !(local.address.isUnspecified && local.port == 0)
        let peerPresent = !(peer.address.isUnspecified && peer.port == 0)
        guard family == .inet6,
            (localPresent && Self.isMapped(local.address)) || (peerPresent && Self.isMapped(peer.address))
        else {
            return LsofEnds(family: family, local: localPresent ? local : nil, peer: peerPresent ? peer : nil)
        }
        func v4(_ end: InetEndpoint) -> InetEndpoint {
            InetEndpoint(address: Self.lastFourBytes(end.address), port: end.port)
        }
        return LsofEnds(family: .inet, local: localPresent ? v4(local) : nil, peer: peerPresent ? v4(peer) : nil)
    }

    /// Whether an IPv6 address is `::ffff:a.b.c.d`.
    public static func isMapped(_ address: IPAddress) -> Bool {
        guard address.family == .inet6 else { return false }
        return withUnsafeBytes(of: (address.high, address.low)) { raw in
            raw[0..<10].allSatisfy { $0 == 0 } && raw[10] == 0xFF && raw[11] == 0xFF
        }
    }

    /// The IPv4 address in bytes 12–15 of an IPv6 address.
    static func lastFourBytes(_ address: IPAddress) -> IPAddress {
        var v4 = (UInt64(0), UInt64(0))
        withUnsafeBytes(of: (address.high, address.low)) { source in
            withUnsafeMutableBytes(of: &v4) { target in
                for i in 0..<4 { target[i] = source[12 + i] }
            }
        }
        return IPAddress(family: .inet, high: v4.0, low: 0)
    }
}

/// The ends of a socket as lsof prints and matches them (see `LsofSocket.ends`).
public struct LsofEnds: Sendable, Equatable {
    /// The family the addresses are shown in: IPv4 for an IPv6 socket with mapped addresses.
    public var family: IPAddress.Family
    public var local: InetEndpoint?
    public var peer: InetEndpoint?
}
