import SockPipeline
import SockDiag

/// Renders socket events as NDJSON, one event per line, with the listing's names for the socket's fields.
///
/// `{"event":"destroy","time":1718000000.123456,"netid":"tcp","family":"inet","local_addr":…,"local_port":…,
/// "peer_addr":…,"peer_port":…,"state":"close","cookie":…,"duration_ms":…,"processes":[…],"tcp_info":{…}}`.
/// The schema is documented in docs/monitoring.md.
public final class EventRenderer {
    let out: OutputBuffer
    /// Write `tcp_info` for new and state events too (destroy events always carry it when the kernel sent it).
    let info: Bool
    /// Write the `cgroup` path and the `container` object (`--cgroup`, `--containers`).
    let cgroups: Bool
    let containers: Bool
    private let cgroupCells = CgroupCells()

    public init(out: OutputBuffer, info: Bool, cgroups: Bool = false, containers: Bool = false) {
        self.out = out
        self.info = info
        self.cgroups = cgroups
        self.containers = containers
    }

    public func render(_ event: borrowing SocketEvent) throws {
        out.append("{\"event\":\"")
        out.append(event.kind.rawValue)
        out.append("\",\"time\":")
        out.append(fixed: event.time / 1000, scale: 6)
        out.append(",\"netid\":\"")
        out.append(event.record.netid.rawValue)
        out.append(event.record.family == .inet ? "\",\"family\":\"inet\"," : "\",\"family\":\"inet6\",")
        out.appendJSONEndpoints(event.record)
        out.append(",\"state\":\"")
        out.append(event.record.state.name)
        if let previous = event.previousState {
            out.append("\",\"previous_state\":\"")
            out.append(previous.name)
        }
        out.append("\",\"cookie\":", decimal: event.record.cookie)
        if event.record.inode != 0 {
            out.append(",\"inode\":", decimal: UInt64(event.record.inode))
        }
        if let duration = event.duration {
            out.append(",\"duration_ms\":", decimal: duration / 1_000_000)
        }
        if let holders = event.holders {
            out.append(",\"processes\":[")
            for (i, holder) in holders.enumerated() { out.appendJSONHolder(holder, first: i == 0) }
            out.append(0x5D)
        }
        if cgroups { cgroupCells.appendJSON(cgroup: event.cgroup, to: out) }
        if containers { cgroupCells.appendJSON(container: event.cgroup, to: out) }
        if info || event.kind == .destroy, let tcpInfo = event.record.tcpInfo {
            out.append(0x2C)
            out.appendJSONTCPInfo(tcpInfo)
        }
        out.append("}\n")
        try out.flushIfFull()
    }

    /// Writes the events rendered so far: called after each dump and each batch of destroy notices.
    public func flush() throws {
        try out.flush()
    }
}
