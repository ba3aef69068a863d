import SockDiag

extension FuzzInput {
    /// Feeds the same payload to the other families' decoders (and INET as MPTCP): each must decode it, skip it
    /// (nil) or throw `DiagError`, and every field it kept is read.
    static func decodeOtherFamilies(_ payload: UnsafeRawBufferPointer, into verdict: inout Verdict) {
        let decoders: [(String, (UnsafeRawBufferPointer) throws -> SocketRecord?)] = [
            ("unix", UnixDiagDecoder.decode), ("netlink", NetlinkDiagDecoder.decode),
            ("packet", PacketDiagDecoder.decode), ("vsock", VsockDiagDecoder.decode),
            ("mptcp", { try InetDiagDecoder.decode($0, netid: .mptcp) }),
        ]
        for (name, decode) in decoders {
            do {
                guard let record = try decode(payload) else { continue }
                touch(record, into: &verdict)
                touchDetails(record, into: &verdict)
            } catch is DiagError {
                continue
            } catch {
                fatalError("the \(name) decoder threw something other than DiagError: \(error)")
            }
        }
    }

    /// Reads the per-kind details a record carries.
    static func touchDetails(_ r: borrowing SocketRecord, into v: inout Verdict) {
        v.fold(UInt64(r.type.rawValue))
        if let unix = r.unix {
            for byte in unix.path?.utf8 ?? "".utf8 { v.fold(UInt64(byte)) }
            v.fold(UInt64(unix.peerInode ?? 0) | UInt64(unix.vfsInode ?? 0) << 32)
            for inode in unix.pending ?? [] { v.fold(UInt64(inode)) }
        }
        if let netlink = r.netlink {
            v.fold(UInt64(netlink.netlinkProtocol) | UInt64(netlink.portID) << 8)
            for group in netlink.groups { v.fold(UInt64(group)) }
            if netlink.groups.count > 32 * 1024 { fatalError("more netlink groups than the attribute can hold") }
        }
        if let packet = r.packet { v.fold(UInt64(packet.etherType) | UInt64(packet.interface) << 16) }
        if let vsock = r.vsock { v.fold(UInt64(vsock.localCID) | UInt64(vsock.peerPort) << 32) }
        if let info = r.mptcpInfo { v.fold(UInt64(info.subflows) | UInt64(info.token ?? 0) << 8 | (info.rcvNxt ?? 0)) }
    }
}
