import SockDiag
import SockPipeline

/// Renders NDJSON: one object per socket, one socket per line, written as it is decoded.
///
/// The schema is documented in docs/json.md.
public final class JSONRenderer: SocketSink {
    let out: OutputBuffer
    let options: RenderOptions
    private let cgroupCells = CgroupCells()

    public init(out: OutputBuffer, options: RenderOptions) {
        self.out = out
        self.options = options
    }

    public func render(_ record: borrowing SocketRecord, _ socket: borrowing SocketJoin) throws {
        out.append("{\"netid\":\"")
        out.append(record.netid.rawValue)
        if record.netid.isInet {
            out.append(record.family == .inet ? "\",\"family\":\"inet\",\"type\":\"" : "\",\"family\":\"inet6\",\"type\":\"")
        } else {
            out.append("\",\"family\":\"")
            out.append(record.netid.rawValue)
            out.append("\",\"type\":\"")
        }
        out.append(record.type.name)
        out.append("\",\"state\":\"")
        out.append(record.state.name)
        out.append("\",\"recv_q\":", decimal: UInt64(record.recvQ))
        out.append(",\"send_q\":", decimal: UInt64(record.sendQ))
        if record.netid.isInet {
            out.append(0x2C)
            out.appendJSONEndpoints(record)
            if let names = options.names { appendNames(record, names) }
        } else {
            appendKindFields(record)
        }
        if let namespaces = options.namespaces { out.appendJSON(netns: record.netns, from: namespaces) }
        out.append(",\"uid\":", decimal: UInt64(record.uid))
        out.append(",\"inode\":", decimal: UInt64(record.inode))
        out.append(",\"cookie\":", decimal: record.cookie)
        if options.processes {
            out.append(",\"processes\":")
            appendHolders(of: socket, peer: false)
            if record.unix?.peerInode != nil {
                out.append(",\"peer_processes\":")
                appendHolders(of: socket, peer: true)
            }
        }
        if options.cgroups { cgroupCells.appendJSON(cgroup: socket.cgroup, to: out) }
        if options.containers { cgroupCells.appendJSON(container: socket.cgroup, holder: socket.holderCgroup, to: out) }
        if options.socketOptions {
            switch socket.options {
            case .options(let set)?:
                out.append(",\"sockopts\":{")
                for (i, option) in set.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    out.appendJSONString(option.name)
                    out.append(0x3A)
                    if let value = option.value {
                        if let number = Int64(value) { out.append(decimal: number) } else { out.appendJSONString(value) }
                    } else {
                        out.append("true")
                    }
                }
                out.append(0x7D)
            case .unavailable(let reason)?:
                out.append(",\"sockopts_unavailable\":")
                out.appendJSONString(reason)
            case nil:
                break
            }
        }
        if let cong = record.congestion {
            out.append(",\"cong\":")
            out.appendJSONString(cong)
        }
        if options.timers {
            out.append(",\"timer\":{\"name\":\"")
            out.append(record.timer.kind.name)
            out.append("\",\"expires_ms\":", decimal: UInt64(record.timer.expiresMilliseconds))
            out.append(",\"retrans\":", decimal: UInt64(record.timer.retransmits))
            out.append(0x7D)
        }
        if options.info, let info = record.tcpInfo {
            out.append(0x2C)
            out.appendJSONTCPInfo(info)
        }
        if options.info, let info = record.mptcpInfo {
            out.append(",\"mptcp_info\":{\"subflows\":", decimal: info.subflows)
            out.append(",\"add_addr_signal\":", decimal: info.addAddrSignal)
            out.append(",\"add_addr_accepted\":", decimal: info.addAddrAccepted)
            out.append(",\"subflows_max\":", decimal: info.subflowsMax)
            if let token = info.token {
                out.append(",\"token\":", decimal: token)
            }
            out.append(0x7D)
        }
        if options.memory, let mem = record.skMemInfo {
            out.append(",\"skmem\":{")
            for (i, counter) in SkMemInfo.counters.enumerated() {
                guard let value = mem[i] else { break }
                out.append(i == 0 ? "\"" : ",\"")
                out.append(counter.name)
                out.append("\":", decimal: UInt64(value))
            }
            out.append(0x7D)
        }
        out.append("}\n")
        try out.flushIfFull()
    }

    public func finish() throws {
        try out.flush()
    }

    /// `-r`: `"local_name"`, `"peer_name"` (host names, null when none came) and `"local_service"`,
    /// `"peer_service"` (when /etc/services names the port), after the numbers.
    private func appendNames(_ record: borrowing SocketRecord, _ names: LsofNames) {
        for (key, end) in [("local", record.local), ("peer", record.peer)] {
            out.append(",\"")
            out.append(key)
            out.append("_name\":")
            if !end.address.isUnspecified, let host = names.host(end.address) {
                out.appendJSONString(host)
            } else {
                out.append("null")
            }
            if end.port != 0, let service = names.service(end.port, record.netid) {
                out.append(",\"")
                out.append(key)
                out.append("_service\":")
                out.appendJSONString(service)
            }
        }
    }

    /// `[{"pid":…,"fd":…,"comm":…},…]` for the processes holding the socket (or its UNIX peer).
    private func appendHolders(of socket: borrowing SocketJoin, peer: Bool) {
        out.append(0x5B)
        var first = true
        if peer {
            socket.forEachPeerHolder { holder in
                out.appendJSONHolder(holder, first: first)
                first = false
            }
        } else {
            socket.forEachHolder { holder in
                out.appendJSONHolder(holder, first: first)
                first = false
            }
        }
        out.append(0x5D)
    }

    /// `[1,2,3]`.
    private func appendArray(_ values: [UInt32]) {
        out.append(0x5B)
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(decimal: value)
        }
        out.append(0x5D)
    }

    /// The ends of a non-INET socket, by kind (schema in docs/json.md).
    private func appendKindFields(_ record: borrowing SocketRecord) {
        if let unix = record.unix {
            out.append(",\"path\":")
            if let path = unix.path {
                out.appendJSONString(path)
                out.appendJSONRawBytes(key: "path", of: path)
            } else {
                out.append("null")
            }
            out.append(",\"peer_inode\":")
            if let peer = unix.peerInode { out.append(decimal: peer) } else { out.append("null") }
            if let pending = unix.pending {
                out.append(",\"pending\":")
                appendArray(pending)
            }
        } else if let netlink = record.netlink {
            out.append(",\"protocol\":\"")
            out.append(netlink.protocolName)
            out.append("\",\"protocol_number\":", decimal: netlink.netlinkProtocol)
            out.append(",\"portid\":", decimal: netlink.portID)
            out.append(",\"peer_portid\":", decimal: netlink.peerPortID)
            out.append(",\"peer_group\":", decimal: netlink.peerGroup)
            out.append(",\"groups\":")
            appendArray(netlink.groups)
        } else if let packet = record.packet {
            out.append(",\"protocol\":\"")
            out.append(packet.etherTypeName)
            out.append("\",\"ethertype\":", decimal: packet.etherType)
            out.append(",\"ifindex\":", decimal: packet.interface)
        } else if let vsock = record.vsock {
            out.append(",\"local_cid\":", decimal: vsock.localCID)
            out.append(",\"local_port\":", decimal: vsock.localPort)
            out.append(",\"peer_cid\":", decimal: vsock.peerCID)
            out.append(",\"peer_port\":", decimal: vsock.peerPort)
        }
    }
}
