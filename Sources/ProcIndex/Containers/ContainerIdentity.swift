/// What a cgroup path says about the workload in it: a systemd unit, a container and its runtime, a pod.
///
/// The kernel knows only the cgroup v2 directory (`INET_DIAG_CGROUP_ID`, `/proc/PID/cgroup`'s `0::` line);
/// the rest is read off the path's components as each runtime names them, and names from the runtimes' own
/// state files (`ContainerNames`).
public struct ContainerIdentity: Sendable, Hashable {
    /// The runtime whose naming a path component follows.
    public enum Runtime: String, Sendable, Hashable, CaseIterable {
        case docker, containerd, crio, podman, nspawn, lxc, runc
    }

    public var runtime: Runtime?
    /// The container id as the runtime spells it (64 hex digits for most; the machine or LXC name for nspawn
    /// and LXC).
    public var id: String?
    /// The container's name, from the runtime's state files; nil when they do not say.
    public var name: String?
    /// The Kubernetes pod's name (state files) and UID (the cgroup path).
    public var pod: String?
    public var podUID: String?
    /// The Kubernetes namespace of the pod.
    public var namespace: String?
    /// The deepest systemd unit on the path: `nginx.service`, `session-3.scope`, `docker-<id>.scope`.
    public var unit: String?

    public init(
        runtime: Runtime? = nil, id: String? = nil, name: String? = nil, pod: String? = nil,
        podUID: String? = nil, namespace: String? = nil, unit: String? = nil
    ) {
        self.runtime = runtime
        self.id = id
        self.name = name
        self.pod = pod
        self.podUID = podUID
        self.namespace = namespace
        self.unit = unit
    }
}
