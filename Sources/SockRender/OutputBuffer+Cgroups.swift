import SockDiag
import SockPipeline

/// The escaped `Cgroup` and `Container` cells of each cgroup, made once: a listing has a few hundred cgroups
/// and hundreds of thousands of rows, and escaping a 200-byte Kubernetes path per row cost more than the rest
/// of the row (docs/BENCHMARKS.md).
final class CgroupCells {
    /// By `CgroupInfo.index`: the object each entry was made from (an index names one cgroup of one
    /// attribution), and the ends in `arena` of its four cells (table path, label, JSON path, JSON object),
    /// the first starting at the previous entry's last end.
    private var owners: [UnsafeMutableRawPointer?] = []
    private var ends: [(start: Int, path: Int, label: Int, jsonPath: Int, jsonContainer: Int)] = []
    /// Every entry's bytes; allocated here (not an array), so that a row reads them without a reference count.
    private var arena = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    private var used = 0
    /// The infos made into cells, kept so that their addresses cannot name other objects meanwhile.
    private var infos: [CgroupInfo] = []

    deinit { arena.deallocate() }

    private enum Cell {
        case path, label, jsonPath, jsonContainer
    }

    /// Appends `cell` of the socket's cgroup; false when the socket has none.
    @inline(__always)
    private func append(_ cell: Cell, of socket: borrowing SocketJoin, to out: OutputBuffer) -> Bool {
        guard let index = socket.cgroupIndex else { return false }
        if !(index < owners.count && owners[index] == socket.cgroupAddress) {
            guard let info = socket.cgroup else { return false }
            make(info)
        }
        append(cell, index, to: out)
        return true
    }

    @inline(__always)
    private func append(_ cell: Cell, _ index: Int, to out: OutputBuffer) {
        let e = ends[index]
        let range =
            switch cell {
            case .path: e.start..<e.path
            case .label: e.path..<e.label
            case .jsonPath: e.label..<e.jsonPath
            case .jsonContainer: e.jsonPath..<e.jsonContainer
            }
        out.append(UnsafeRawBufferPointer(rebasing: arena[range]))
    }

    /// The index of `info`'s cells, made if needed.
    private func entry(_ info: CgroupInfo) -> Int {
        let address = Unmanaged.passUnretained(info).toOpaque()
        if !(info.index < owners.count && owners[info.index] == address) { make(info) }
        return info.index
    }

    private func make(_ info: CgroupInfo) {
        let scratch = OutputBuffer(fd: nil)
        let start = used
        func add(_ write: (OutputBuffer) -> Void) -> Int {
            scratch.reset()
            write(scratch)
            scratch.withUnsafeBytes { bytes in
                if used + bytes.count > arena.count {
                    let larger = UnsafeMutableRawBufferPointer.allocate(
                        byteCount: max(arena.count * 2, used + bytes.count), alignment: 1)
                    larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: arena[..<used]))
                    arena.deallocate()
                    arena = larger
                }
                UnsafeMutableRawBufferPointer(rebasing: arena[used...]).copyMemory(from: bytes)
                used += bytes.count
            }
            return used
        }
        let made = (
            start: start, path: add { $0.appendEscaped(info.path) }, label: add { $0.appendEscaped(info.label) },
            jsonPath: add { $0.appendJSONString(info.path) }, jsonContainer: add { $0.appendJSONContainer(info) }
        )
        if info.index >= owners.count {
            owners += repeatElement(nil, count: info.index + 1 - owners.count)
            ends += repeatElement((start: 0, path: 0, label: 0, jsonPath: 0, jsonContainer: 0), count: info.index + 1 - ends.count)
        }
        owners[info.index] = Unmanaged.passUnretained(info).toOpaque()
        ends[info.index] = made
        infos.append(info)
    }

    /// The `Cgroup` cell: the path as `ss --cgroup` prints it, `-` when unknown.
    func append(cgroupOf socket: borrowing SocketJoin, to out: OutputBuffer) {
        if !append(.path, of: socket, to: out) { out.append(0x2D) }
    }

    /// The `Container` cell: `docker:web-1`, `nginx.service`, `-`; with `,held=LABEL` when the first holder's
    /// cgroup names another workload than the creator's (a socket passed between containers).
    func append(containerOf socket: borrowing SocketJoin, to out: OutputBuffer) {
        guard append(.label, of: socket, to: out) else { return out.append(0x2D) }
        if socket.hasHolderCgroup, let held = socket.holderCgroup, let cgroup = socket.cgroup, held.label != cgroup.label {
            out.append(",held=")
            append(.label, entry(held), to: out)
        }
    }

    /// `,"cgroup":"/system.slice/x.service"` (null when unknown).
    func appendJSON(cgroup: CgroupInfo?, to out: OutputBuffer) {
        out.append(",\"cgroup\":")
        guard let cgroup else { return out.append("null") }
        append(.jsonPath, entry(cgroup), to: out)
    }

    /// `,"container":{…}` and, where the first holder's workload differs, `,"holder_container":{…}`; each
    /// object has the label and those of runtime, id, name, pod, pod_uid, namespace and unit that are known.
    func appendJSON(container cgroup: CgroupInfo?, holder: CgroupInfo? = nil, to out: OutputBuffer) {
        out.append(",\"container\":")
        guard let cgroup else { return out.append("null") }
        append(.jsonContainer, entry(cgroup), to: out)
        if let held = holder, held.label != cgroup.label {
            out.append(",\"holder_container\":")
            append(.jsonContainer, entry(held), to: out)
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
