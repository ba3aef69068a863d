import SockDiag

/// The cells that differ by socket kind: the Netid name, the state word and the two ends.
extension OutputBuffer {
    /// ss's Netid: `tcp`/`tcp6` style for INET kinds, `u_str`, `nl`, `p_raw`, `v_str` for the others.
    public func append(netidOf record: borrowing SocketRecord) {
        switch record.netid.kind {
        case .inet:
            append(record.netid.rawValue)
            if record.family == .inet6 { append(0x36) }
        case .unix:
            append("u_")
            append(record.type.shortName)
        case .netlink:
            append("nl")
        case .packet:
            append("p_")
            append(record.type.shortName)
        case .vsock:
            append("v_")
            append(record.type.shortName)
        }
    }

    /// netstat's state names, with ss's UNCONN for an unconnected socket of a kind that is not TCP-like.
    public func append(stateOf record: borrowing SocketRecord) {
        if record.state == .close && record.netid.closeIsUnconnected {
            append("UNCONN")
        } else {
            append(record.state.netstatName)
        }
    }

    /// The local end: `addr:port` for INET; `path inode` (UNIX, `*` when unnamed), `proto:portid` (netlink,
    /// `kernel` for port 0), `ethertype:interface` (packet: its name from `interfaces`, else `ifN`), `cid:port`
    /// (vsock), as ss prints them.
    public func append(localOf record: borrowing SocketRecord, interfaces: [UInt32: String] = [:]) {
        if let unix = record.unix {
            if let path = unix.path { appendEscaped(path) } else { append(0x2A) }
            append(0x20)
            append(decimal: record.inode)
        } else if let netlink = record.netlink {
            append(netlink.protocolName)
            append(0x3A)
            if netlink.portID == 0 { append("kernel") } else { append(decimal: netlink.portID) }
        } else if let packet = record.packet {
            append(packet.etherTypeName)
            append(0x3A)
            if packet.interface == 0 {
                append(0x2A)
            } else if let name = interfaces[packet.interface] {
                appendEscaped(name)
            } else {
                append("if")
                append(decimal: packet.interface)
            }
        } else if let vsock = record.vsock {
            appendVsock(cid: vsock.localCID, port: vsock.localPort)
        } else {
            append(endpoint: record.local)
        }
    }

    /// The peer end: `addr:port` for INET; `* peer-inode` (UNIX, 0 when none); the peer port id or group
    /// (netlink), `*` (packet), `cid:port` (vsock).
    public func append(peerOf record: borrowing SocketRecord) {
        if let unix = record.unix {
            append("* ")
            append(decimal: unix.peerInode ?? 0)
        } else if let netlink = record.netlink {
            if netlink.peerGroup != 0 {
                append("group:", decimal: netlink.peerGroup)
            } else if netlink.peerPortID != 0 {
                append(decimal: netlink.peerPortID)
            } else {
                append(0x2A)
            }
        } else if record.packet != nil {
            append(0x2A)
        } else if let vsock = record.vsock {
            appendVsock(cid: vsock.peerCID, port: vsock.peerPort)
        } else {
            append(endpoint: record.peer)
        }
    }

    private func appendVsock(cid: UInt32, port: UInt32) {
        if cid == UInt32.max { append(0x2A) } else { append(decimal: cid) }
        append(0x3A)
        if port == UInt32.max { append(0x2A) } else { append(decimal: port) }
    }
}
