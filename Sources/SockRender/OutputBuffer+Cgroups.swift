import SockDiag
import SockPipeline

/// The escaped `Cgroup` and `Container` cells of each cgroup, made once: a listing has a few hundred cgroups
/// and hundreds of thousands of rows, and escaping a 200-byte Kubernetes path per row cost more than the rest
/// of the row (docs/BENCHMARKS.md).
final class CgroupCells {
    private final class Cells {
        let info: CgroupInfo
        let path: [UInt8]
        let label: [UInt8]
        /// `"PATH"` and the `{"label":…}` object, as JSON.
        let jsonPath: [UInt8]
        let jsonContainer: [UInt8]

        init(info: CgroupInfo, path: [UInt8], label: [UInt8], jsonPath: [UInt8], jsonContainer: [UInt8]) {
            self.info = info
            self.path = path
            self.label = label
            self.jsonPath = jsonPath
            self.jsonContainer = jsonContainer
        }
    }

    /// By `CgroupInfo.index`; an entry whose `info` is another object (from another attribution) is remade.
    private var cells: [Cells?] = []

    private func cells(_ info: CgroupInfo) -> Cells {
        if info.index < cells.count, let known = cells[info.index], known.info === info { return known }
        let found: Cells
        do {
            let scratch = OutputBuffer(fd: nil)
            func bytes(_ write: (OutputBuffer) -> Void) -> [UInt8] {
                scratch.reset()
                write(scratch)
                return scratch.withUnsafeBytes { Array($0) }
            }
            found = Cells(
                info: info, path: bytes { $0.appendEscaped(info.path) }, label: bytes { $0.appendEscaped(info.label) },
                jsonPath: bytes { $0.appendJSONString(info.path) }, jsonContainer: bytes { $0.appendJSONContainer(info) })
            if info.index >= cells.count { cells += repeatElement(nil, count: info.index + 1 - cells.count) }
            cells[info.index] = found
        }
        return found
    }

    /// The `Cgroup` cell: the path as `ss --cgroup` prints it, `-` when unknown.
    func append(cgroupOf socket: borrowing SocketJoin, to out: OutputBuffer) {
        guard let cgroup = socket.cgroup else { return out.append(0x2D) }
        cells(cgroup).path.withUnsafeBytes { out.append($0) }
    }

    /// The `Container` cell: `docker:web-1`, `nginx.service`, `-`; with `,held=LABEL` when the first holder's
    /// cgroup names another workload than the creator's (a socket passed between containers).
    func append(containerOf socket: borrowing SocketJoin, to out: OutputBuffer) {
        guard let cgroup = socket.cgroup else { return out.append(0x2D) }
        cells(cgroup).label.withUnsafeBytes { out.append($0) }
        if let held = socket.holderCgroup, held.label != cgroup.label {
            out.append(",held=")
            cells(held).label.withUnsafeBytes { out.append($0) }
        }
    }

    /// `,"cgroup":"/system.slice/x.service"` (null when unknown).
    func appendJSON(cgroup: CgroupInfo?, to out: OutputBuffer) {
        out.append(",\"cgroup\":")
        guard let cgroup else { return out.append("null") }
        cells(cgroup).jsonPath.withUnsafeBytes { out.append($0) }
    }

    /// `,"container":{…}` and, where the first holder's workload differs, `,"holder_container":{…}`; each
    /// object has the label and those of runtime, id, name, pod, pod_uid, namespace and unit that are known.
    func appendJSON(container cgroup: CgroupInfo?, holder: CgroupInfo? = nil, to out: OutputBuffer) {
        out.append(",\"container\":")
        guard let cgroup else { return out.append("null") }
        cells(cgroup).jsonContainer.withUnsafeBytes { out.append($0) }
        if let held = holder, held.label != cgroup.label {
            out.append(",\"holder_container\":")
            cells(held).jsonContainer.withUnsafeBytes { out.append($0) }
        }
    }
}

extension OutputBuffer {
    fileprivate func appendJSONContainer(_ cgroup: CgroupInfo) {
        append("{\"label\":")
        appendJSONString(cgroup.label)
        if let identity = cgroup.identity {
            let fields: [(StaticString, String?)] = [
                (",\"runtime\":", identity.runtime?.rawValue), (",\"id\":", identity.id), (",\"name\":", identity.name),
                (",\"pod\":", identity.pod), (",\"pod_uid\":", identity.podUID),
                (",\"namespace\":", identity.namespace), (",\"unit\":", identity.unit),
            ]
            for (key, value) in fields {
                guard let value else { continue }
                append(key)
                appendJSONString(value)
            }
        }
        append(0x7D)
    }
}
