/// What the user asked to see, independent of the output format.
public struct RenderOptions {
    /// Show owning processes (`-p`).
    public var processes = false
    /// Show uid, inode and cookie (`-e`).
    public var extended = false
    /// Show the timer (`-o`).
    public var timers = false
    /// Show `tcp_info` (`-i`).
    public var info = false
    /// Show socket memory (`-m`).
    public var memory = false
    /// Show each socket's cgroup v2 path (`--cgroup`), as the pipeline joined it.
    public var cgroups = false
    /// Show the unit, container or pod of each socket's cgroup (`--containers`).
    public var containers = false
    /// Print the header line (tables only).
    public var header = true
    /// Show the set socket options of each socket (`--sockopts`), as the pipeline joined them.
    public var socketOptions = false
    /// The namespaces listed (`--netns`, `--all-netns`): rows are tagged with theirs. Nil for sockwatch's own.
    public var namespaces: NamespaceTable?
    /// Interface names by index, for packet sockets (`InterfaceNames.load()`, read by the CLI once); an index
    /// not here shows as `ifN`.
    public var interfaceNames: [UInt32: String] = [:]
    /// Host and service names (`-r`): the table prints them instead of the numbers, JSON beside them; nil
    /// prints numbers only.
    public var names: LsofNames?

    public init() {}
}
