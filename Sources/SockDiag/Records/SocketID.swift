import CSockDiag

/// The addresses that name one INET socket, for looking it up without dumping the table.
///
/// The kernel struct is `inet_diag_sockid`; the cookie is left as `INET_DIAG_NOCOOKIE` (match any).
public struct SocketID: Sendable, Hashable {
    public var local: InetEndpoint
    public var peer: InetEndpoint
    public var interface: UInt32

    public init(local: InetEndpoint, peer: InetEndpoint, interface: UInt32 = 0) {
        self.local = local
        self.peer = peer
        self.interface = interface
    }

    /// The kernel's form for a lookup of `netid`: ports and addresses in network order.
    ///
    /// TCP's lookup (`inet_diag_find_one_icsk`) reads `src` as the local end; UDP's (`udp_dump_one`) reads the
    /// id as an arriving packet would carry it, so `src` is the remote end there.
    func kernelID(for netid: NetID) -> inet_diag_sockid {
        let (source, destination) = netid.isDatagram ? (peer, local) : (local, peer)
        var id = inet_diag_sockid()
        id.idiag_sport = source.port.bigEndian
        id.idiag_dport = destination.port.bigEndian
        withUnsafeMutableBytes(of: &id.idiag_src) {
            $0.storeBytes(of: (source.address.high, source.address.low), as: (UInt64, UInt64).self)
        }
        withUnsafeMutableBytes(of: &id.idiag_dst) {
            $0.storeBytes(of: (destination.address.high, destination.address.low), as: (UInt64, UInt64).self)
        }
        id.idiag_if = interface
        id.idiag_cookie = (UInt32.max, UInt32.max)
        return id
    }
}
