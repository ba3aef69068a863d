import Glibc

/// Where the container runtimes keep their state; each root is an option so tests can point it elsewhere.
public struct ContainerStateRoots: Sendable, Hashable {
    /// Docker's data root (`dockerd --data-root`): `containers/<id>/config.v2.json`.
    public var docker = "/var/lib/docker"
    /// containerd's state directory (`state` in config.toml): `io.containerd.runtime.v2.task/<ns>/<id>/config.json`.
    public var containerd = "/run/containerd"
    /// containers/storage's graph and run roots, shared by CRI-O and podman: `overlay-containers/…`.
    public var containers = ["/var/lib/containers/storage", "/run/containers/storage"]
    /// runc's state root (`runc --root`): `<id>/state.json`.
    public var runc = "/run/runc"

    public init() {}
}

/// Container, pod and namespace names read from the runtimes' own state files, without talking to any daemon.
///
/// Caches every answer per runtime and id, misses included, until `clear()`. Not thread-safe: one instance per
/// thread, or a lock around it.
public final class ContainerNames {
    /// What the state files say about one container.
    struct Names: Hashable {
        var name: String?
        var pod: String?
        var namespace: String?
    }

    private struct Key: Hashable {
        var runtime: ContainerIdentity.Runtime
        var id: String
    }

    public let roots: ContainerStateRoots
    private var cache: [Key: Names] = [:]

    public init(roots: ContainerStateRoots = .init()) {
        self.roots = roots
    }

    /// `identity` with its name, pod and namespace from the state files of `identity.runtime` and `id`; each is
    /// nil where a file is missing, unreadable or malformed, or does not say. The other fields are left alone.
    public func named(_ identity: ContainerIdentity) -> ContainerIdentity {
        guard let runtime = identity.runtime, let id = identity.id else { return identity }
        let key = Key(runtime: runtime, id: id)
        let names: Names
        if let cached = cache[key] {
            names = cached
        } else {
            names = Self.isSafeComponent(id) ? read(runtime: runtime, id: id) : Names()
            cache[key] = names
        }
        var result = identity
        result.name = names.name
        result.pod = names.pod
        result.namespace = names.namespace
        return result
    }

    /// Forgets every cached answer, so containers created since are looked up again.
    public func clear() {
        cache.removeAll(keepingCapacity: true)
    }

    /// The number of cached answers.
    public var cachedCount: Int { cache.count }

    func read(runtime: ContainerIdentity.Runtime, id: String) -> Names {
        switch runtime {
        case .docker: return docker(id: id)
        case .containerd: return containerd(id: id)
        case .crio: return crio(id: id)
        case .podman: return podman(id: id)
        case .runc: return runc(id: id)
        // systemd-nspawn and LXC name their cgroups after the machine or container: the id is the name.
        case .nspawn, .lxc: return Names()
        }
    }

    // MARK: - Runtimes

    /// Docker: `<root>/containers/<id>/config.v2.json`, key `Name`, which Docker stores as `/name`.
    ///
    /// moby `daemon/daemon.go` (`daemonRepo := filepath.Join(config.Root, "containers")`) and
    /// `container/container.go` (`configFileName = "config.v2.json"`; `Container.Name string`, written by
    /// `toDisk` with `encoding/json`, so the key is the field name).
    func docker(id: String) -> Names {
        guard let bytes = Self.stateFile("\(roots.docker)/containers/\(id)/config.v2.json"),
            let found = StateJSON.strings(at: [["Name"]], in: bytes), var name = found[0]
        else { return Names() }
        if name.hasPrefix("/") { name.removeFirst() }
        return Names(name: name.isEmpty ? nil : name)
    }

    /// containerd: the OCI bundle `<state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json`, in
    /// whichever namespace (`k8s.io`, `moby`, `default`, …) holds the id, with the CRI plugin's annotations.
    ///
    /// containerd `core/runtime/v2/bundle.go` (`NewBundle`: `Path: filepath.Join(state, ns, id)`, the spec written
    /// to `oci.ConfigFilename`); `pkg/cri/annotations/annotations.go` (`ContainerName`, `SandboxName`,
    /// `SandboxNamespace`, `ContainerType`; `DefaultCRIAnnotations` gives the container name only to containers,
    /// not to the sandbox, whose name here is the pod's). Containers made without CRI (`ctr run`, Docker's
    /// `moby` namespace) carry no name annotation.
    func containerd(id: String) -> Names {
        let tasks = "\(roots.containerd)/io.containerd.runtime.v2.task"
        for namespace in Self.directoryEntries(tasks) {
            guard let bytes = Self.stateFile("\(tasks)/\(namespace)/\(id)/config.json") else { continue }
            let keys = [
                "io.kubernetes.cri.container-name", "io.kubernetes.cri.sandbox-name",
                "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.container-type",
            ]
            guard let found = StateJSON.strings(at: keys.map { ["annotations", $0] }, in: bytes) else { return Names() }
            return Self.pod(container: found[0], pod: found[1], namespace: found[2], isSandbox: found[3] == "sandbox")
        }
        return Names()
    }

    /// CRI-O: `<root>/overlay-containers/<id>/userdata/config.json` (graph root, then run root), whose annotations
    /// carry the kubelet's labels.
    ///
    /// cri-o `server/container_create.go` (`specgen.SaveToFile` to `containerInfo.Dir` and `containerInfo.RunDir`,
    /// the storage's `overlay-containers/<id>/userdata`); `internal/factory/container/container.go` and
    /// `server/sandbox_run_linux.go` (`for k, v := range labels { …AddAnnotation(k, v) }`, the labels being
    /// kubelet's `io.kubernetes.container.name`, `io.kubernetes.pod.name`, `io.kubernetes.pod.namespace`; the
    /// infra container's name is `POD`, `internal/oci/oci_linux.go`); `internal/annotations/annotations.go`
    /// (`io.kubernetes.cri-o.ContainerType`, `sandbox`).
    func crio(id: String) -> Names {
        for root in roots.containers {
            guard let bytes = Self.stateFile("\(root)/overlay-containers/\(id)/userdata/config.json") else { continue }
            let keys = [
                "io.kubernetes.container.name", "io.kubernetes.pod.name", "io.kubernetes.pod.namespace",
                "io.kubernetes.cri-o.ContainerType",
            ]
            guard let found = StateJSON.strings(at: keys.map { ["annotations", $0] }, in: bytes) else { return Names() }
            return Self.pod(container: found[0], pod: found[1], namespace: found[2], isSandbox: found[3] == "sandbox")
        }
        return Names()
    }

    /// podman: the name is not in the OCI spec (`userdata/config.json` has podman's own annotations and a hostname
    /// that defaults to the short id, not the name); it is in containers/storage's container list,
    /// `<root>/overlay-containers/containers.json` (or `volatile-containers.json`), as `names[0]` of the entry whose
    /// `id` matches.
    ///
    /// podman `libpod/storage.go` (`r.store.CreateContainer(containerID, []string{containerName}, …)`);
    /// containers/storage `containers.go` (`ID string json:"id"`, `Names []string json:"names"`;
    /// `newContainerStore`: `containers.json` and `volatile-containers.json`) and `store.go`
    /// (`driverPrefix+"containers"`, i.e. `overlay-containers`).
    func podman(id: String) -> Names {
        for root in roots.containers {
            for list in ["containers.json", "volatile-containers.json"] {
                guard let bytes = Self.stateFile("\(root)/overlay-containers/\(list)"),
                    let name = Self.storageName(of: id, in: bytes)
                else { continue }
                return Names(name: name)
            }
        }
        return Names()
    }

    /// runc: `<root>/<id>/state.json`. runc has no name besides the id it was started with; its state keeps the
    /// OCI spec's annotations as `config.labels` entries `key=value` (plus `bundle=<dir>`), so a container that a
    /// CRI runtime started carries its names there.
    ///
    /// runc `libcontainer/specconv/spec_linux.go` (`CreateLibcontainerConfig`: `labels = append(labels, k+"="+v)`
    /// for each annotation, then `"bundle="+cwd`); `libcontainer/configs/config.go` (`Labels []string
    /// json:"labels"`); `libcontainer/factory_linux.go` (`stateFilename = "state.json"`); `libcontainer/container.go`
    /// (`BaseState`: `ID json:"id"`, `Config json:"config"`). Checked against Debian 12's runc 1.1.5.
    func runc(id: String) -> Names {
        guard let bytes = Self.stateFile("\(roots.runc)/\(id)/state.json") else { return Names() }
        var stateID: String?
        var labels: [String: String] = [:]
        do {
            try StateJSON.walk(bytes) { path, value in
                if path == [.key("id")] { stateID = value }
                guard path.count == 3, path[0] == .key("config"), path[1] == .key("labels"),
                    case .index = path[2], let equals = value.firstIndex(of: "=")
                else { return }
                labels[String(value[..<equals])] = String(value[value.index(after: equals)...])
            }
        } catch {
            return Names()
        }
        // A state file that names another container is not this one's.
        guard stateID == id else { return Names() }
        if labels["io.kubernetes.cri.sandbox-name"] != nil || labels["io.kubernetes.cri.container-name"] != nil {
            return Self.pod(
                container: labels["io.kubernetes.cri.container-name"], pod: labels["io.kubernetes.cri.sandbox-name"],
                namespace: labels["io.kubernetes.cri.sandbox-namespace"],
                isSandbox: labels["io.kubernetes.cri.container-type"] == "sandbox")
        }
        return Self.pod(
            container: labels["io.kubernetes.container.name"], pod: labels["io.kubernetes.pod.name"],
            namespace: labels["io.kubernetes.pod.namespace"],
            isSandbox: labels["io.kubernetes.cri-o.ContainerType"] == "sandbox")
    }

    // MARK: - Helpers

    /// A pod member's names; a sandbox (pause, infra) container is named after its pod.
    static func pod(container: String?, pod: String?, namespace: String?, isSandbox: Bool) -> Names {
        func nonEmpty(_ s: String?) -> String? { s?.isEmpty == false ? s : nil }
        let pod = nonEmpty(pod)
        return Names(name: isSandbox ? pod : nonEmpty(container), pod: pod, namespace: nonEmpty(namespace))
    }

    /// The first name of the entry whose `id` is `id` in a containers/storage `containers.json` (an array of
    /// objects); nil when absent or malformed.
    static func storageName(of id: String, in bytes: [UInt8]) -> String? {
        var entry = -1
        var entryID: String?
        var entryName: String?
        var match: String?
        do {
            try StateJSON.walk(bytes) { path, value in
                guard match == nil, path.count >= 2, case .index(let index) = path[0] else { return }
                if index != entry {
                    entry = index
                    entryID = nil
                    entryName = nil
                }
                if path.count == 2, path[1] == .key("id") {
                    entryID = value
                } else if path.count == 3, path[1] == .key("names"), path[2] == .index(0) {
                    entryName = value
                }
                if entryID == id, let name = entryName { match = name }
            }
        } catch {
            return nil
        }
        return match?.isEmpty == false ? match : nil
    }

    /// Whether `id` can stand as one path component: not empty, no `/` or NUL, not `.` or `..`.
    static func isSafeComponent(_ id: String) -> Bool {
        !id.isEmpty && id != "." && id != ".." && !id.utf8.contains(UInt8(ascii: "/")) && !id.utf8.contains(0)
    }

    /// The bytes of a regular file of at most `StateJSON.maxBytes`, or nil (missing, unreadable, not a regular
    /// file, too large). `stat` first, so a FIFO or device is never opened.
    static func stateFile(_ path: String) -> [UInt8]? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= StateJSON.maxBytes,
            let bytes = try? WholeFile.read(path), bytes.count <= StateJSON.maxBytes
        else { return nil }
        return bytes
    }

    /// The names in directory `path` but `.` and `..`; empty when it cannot be opened.
    static func directoryEntries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            // In place: a copy of the 256-byte d_name could read past the end of readdir's buffer.
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
