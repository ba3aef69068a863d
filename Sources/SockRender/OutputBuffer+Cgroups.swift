import SockDiag
import SockPipeline

extension OutputBuffer {
    /// The `Cgroup` cell: the path as `ss --cgroup` prints it, `-` when unknown.
    func append(cgroupOf socket: borrowing SocketJoin) {
        if let cgroup = socket.cgroup { appendEscaped(cgroup.path) } else { append(0x2D) }
    }

    /// The `Container` cell: `docker:web-1`, `nginx.service`, `-`; with `,held=LABEL` when the first holder's
    /// cgroup names another workload than the creator's (a socket passed between containers).
    func append(containerOf socket: borrowing SocketJoin) {
        guard let cgroup = socket.cgroup else { return append(0x2D) }
        appendEscaped(cgroup.label)
        if let held = socket.holderCgroup, held.label != cgroup.label {
            append(",held=")
            appendEscaped(held.label)
        }
    }

    /// `,"cgroup":"/system.slice/x.service"` (null when unknown).
    func appendJSON(cgroup: CgroupInfo?) {
        append(",\"cgroup\":")
        if let cgroup { appendJSONString(cgroup.path) } else { append("null") }
    }

    /// `,"container":{…}` and, where the first holder's workload differs, `,"holder_container":{…}`; each
    /// object has the label and those of runtime, id, name, pod, pod_uid, namespace and unit that are known.
    func appendJSON(container cgroup: CgroupInfo?, holder: CgroupInfo? = nil) {
        append(",\"container\":")
        guard let cgroup else { return append("null") }
        appendJSONContainer(cgroup)
        if let held = holder, held.label != cgroup.label {
            append(",\"holder_container\":")
            appendJSONContainer(held)
        }
    }

    private func appendJSONContainer(_ cgroup: CgroupInfo) {
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
