import ProcIndex

/// What a cgroup path names for a command: the path's layout (`CgroupPath`), a runc container where runc's
/// state has the path's last component, and names from the runtimes' state files (`ContainerNames`).
public enum ContainerNaming {
    /// The identifier that reads state files under `runtimeRoot` (`/` on a host; a directory laid out as `/`
    /// in tests).
    public static func identifier(runtimeRoot: String) -> ContainerIdentifier {
        let names = ContainerNames(roots: roots(under: runtimeRoot))
        let runc = names.roots.runc
        return { path in
            guard var identity = CgroupPath.identity(of: path) else {
                // runc names no layout: its cgroupsPath is whatever its caller chose, the last component
                // usually the container id, which runc keeps its state under.
                guard let last = path.split(separator: "/").last, WholeFile.isDirectory(runc + "/" + last) else {
                    return nil
                }
                return names.named(ContainerIdentity(runtime: .runc, id: String(last)))
            }
            guard identity.id != nil else { return identity }
            let fromPath = identity.name
            if identity.runtime == nil {
                // The kubelet's cgroupfs driver: the container directory does not say which runtime made it.
                for runtime in [ContainerIdentity.Runtime.containerd, .crio, .docker] {
                    identity.runtime = runtime
                    let named = names.named(identity)
                    if named.name != nil || named.pod != nil { return named }
                }
                identity.runtime = nil
                return identity
            }
            identity = names.named(identity)
            if identity.name == nil { identity.name = fromPath }  // LXC's and nspawn's names are in the path
            return identity
        }
    }

    /// The runtimes' default state roots under `root`.
    static func roots(under root: String) -> ContainerStateRoots {
        var roots = ContainerStateRoots()
        guard root != "/" else { return roots }
        let prefix = root.hasSuffix("/") ? String(root.dropLast()) : root
        roots.docker = prefix + roots.docker
        roots.containerd = prefix + roots.containerd
        roots.containers = roots.containers.map { prefix + $0 }
        roots.runc = prefix + roots.runc
        return roots
    }
}
