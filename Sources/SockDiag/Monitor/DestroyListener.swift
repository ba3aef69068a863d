import CSockDiag
import Glibc
import SystemPackage

/// Receives the kernel's notice of each INET socket it frees, with the socket's final counters.
///
/// The kernel sends one `inet_diag_msg` per freed socket to the sock_diag multicast groups
/// `SKNLGRP_INET_TCP_DESTROY`, `SKNLGRP_INET_UDP_DESTROY`, `SKNLGRP_INET6_TCP_DESTROY` and
/// `SKNLGRP_INET6_UDP_DESTROY` (as `ss -E` reads them), with `INET_DIAG_PROTOCOL` and, for TCP, `INET_DIAG_INFO`:
/// the final `tcp_info`. The message carries no inode or uid: the socket has left its file by then.
/// Joining the groups needs `CAP_NET_ADMIN`.
public final class DestroyListener {
    /// The non-blocking netlink socket, for `poll`.
    public let fileDescriptor: Int32
    /// The receive queue the kernel granted, in bytes (`SO_RCVBUF`).
    public let receiveBufferSize: Int
    /// One reused receive buffer: the kernel sends one socket per datagram, well under 4 KiB.
    private var buffer = [UInt8](repeating: 0, count: 32 * 1024)

    /// What one `drain` saw.
    public struct Drained: Sendable {
        /// The kernel dropped notices since the last drain: the queue was full (`ENOBUFS`).
        public var lost = false
        /// Datagrams were left in the queue (the drain stopped at its limit); drain again soon.
        public var more = false
    }

    /// Joins the destroy groups of `netids` (TCP and UDP have groups; others are ignored) and `families`.
    ///
    /// - Parameter receiveBuffer: the queue asked for; a burst of closes must fit in it between two drains.
    /// - Throws: `DiagError.system` (`EPERM` without `CAP_NET_ADMIN`).
    public init(netids: [NetID], families: [IPAddress.Family], receiveBuffer: Int = 64 << 20) throws {
        var groups: UInt32 = 0
        func join(_ group: Int) { groups |= 1 << UInt32(group - 1) }
        for family in families {
            let v6 = family == .inet6
            if netids.contains(.tcp) { join(Int((v6 ? SKNLGRP_INET6_TCP_DESTROY : SKNLGRP_INET_TCP_DESTROY).rawValue)) }
            if netids.contains(.udp) { join(Int((v6 ? SKNLGRP_INET6_UDP_DESTROY : SKNLGRP_INET_UDP_DESTROY).rawValue)) }
        }
        let fd = csd_monitor_open(groups, Int32(clamping: receiveBuffer))
        guard fd >= 0 else {
            throw DiagError.system(Errno(rawValue: -fd), operation: "join of the sock_diag destroy groups")
        }
        fileDescriptor = fd
        receiveBufferSize = Int(max(0, csd_monitor_rcvbuf(fd)))
    }

    deinit { close(fileDescriptor) }

    /// Hands every queued notice to `body`, decoded, without blocking; stops after `limit` datagrams.
    public func drain(limit: Int = 4096, _ body: (borrowing SocketRecord) throws -> Void) throws -> Drained {
        var drained = Drained()
        for _ in 0..<limit {
            let n = buffer.withUnsafeMutableBytes { csd_monitor_recv(fileDescriptor, $0.baseAddress, $0.count) }
            if n == -Int(EAGAIN) { return drained }
            if n == -Int(ENOBUFS) {
                drained.lost = true
                continue
            }
            guard n >= 0 else {
                throw DiagError.system(Errno(rawValue: Int32(-n)), operation: "receive of destroy notices")
            }
            try buffer.withUnsafeBytes { raw in
                _ = try NetlinkBatch.walk(UnsafeRawBufferPointer(rebasing: raw[0..<n]), request: "destroy notice") {
                    message in
                    guard message.type == UInt16(SOCK_DIAG_BY_FAMILY),
                        let netid = try Self.netid(of: message.payload),
                        let record = try InetDiagDecoder.decode(message.payload, netid: netid)
                    else { return }
                    try body(record)
                }
            }
        }
        drained.more = true
        return drained
    }

    /// The transport named by the message's `INET_DIAG_PROTOCOL` attribute; nil when absent or unknown.
    static func netid(of payload: UnsafeRawBufferPointer) throws -> NetID? {
        let start = Int(CSockDiag_NLMSG_ALIGN(UInt32(InetDiagDecoder.messageSize)))
        guard payload.count > start else { return nil }
        var proto: UInt8?
        try NetlinkAttributes.forEach(in: UnsafeRawBufferPointer(rebasing: payload[start...])) { type, value in
            if type == UInt16(INET_DIAG_PROTOCOL), value.count >= 1 { proto = value[0] }
        }
        guard let proto else { return nil }
        return NetID.inet(protocol: Int32(proto))
    }
}
