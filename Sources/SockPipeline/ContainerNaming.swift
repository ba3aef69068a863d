import ProcIndex

/// Where container names come from for a command: the runtimes' state files under a root directory.
public enum ContainerNaming {
    /// The namer that reads state files under `runtimeRoot` (`/` on a host; a directory laid out as `/` in tests).
    public static func namer(runtimeRoot: String) -> ContainerNamer {
        // Filled in by ContainerNames (state files); until then, the path's own facts.
        { $0 }
    }
}
