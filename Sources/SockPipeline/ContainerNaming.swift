import ProcIndex

/// What a cgroup path names for a command: the path's layout (`CgroupPath`), a runc container where runc's
/// state has the path's last component, and names from the runtimes' state files.
public enum ContainerNaming {
    /// The identifier that reads state files under `runtimeRoot` (`/` on a host; a directory laid out as `/`
    /// in tests).
    public static func identifier(runtimeRoot: String) -> ContainerIdentifier {
        let runc = join(runtimeRoot, "/run/runc")
        return { path in
            if let identity = CgroupPath.identity(of: path) { return identity }
            // runc names no layout: its cgroupsPath is whatever its caller chose, the last component usually
            // the container id, which runc keeps its state under.
            guard let last = path.split(separator: "/").last, WholeFile.isDirectory(runc + "/" + last) else {
                return nil
            }
            return ContainerIdentity(runtime: .runc, id: String(last))
        }
    }

    static func join(_ root: String, _ path: String) -> String {
        root == "/" ? path : (root.hasSuffix("/") ? String(root.dropLast()) : root) + path
    }
}
