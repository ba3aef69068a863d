import ArgumentParser

/// The options of `sockwatch exporter`, checked by `sockwatch` before it starts the server binary.
public struct ExporterOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serve on ADDRESS:PORT (127.0.0.1:9477, [::1]:9477). 0.0.0.0 or [::] needs --allow-public.",
        valueName: "address:port"))
    public var listen = ListenAddress.loopback.description

    @Flag(help: "Allow --listen 0.0.0.0:PORT or [::]:PORT: serve the host's socket table to every interface.")
    public var allowPublic = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Export per-process socket counts for the N processes holding the most (0: none).",
        valueName: "n"))
    public var top = 20

    @Option(help: ArgumentHelp(
        "Read every process's descriptors again every SECONDS for --top (between, only what changed; 0: every scrape).",
        valueName: "seconds"))
    public var ownersFullScan = 300.0

    @Flag(help: "Serve on the listening socket systemd passes (LISTEN_FDS, fd 3) instead of binding --listen.")
    public var systemdSocket = false

    @Flag(
        name: .customLong("all-netns"),
        help: ArgumentHelp(
            "Export every network namespace of the host (netns label: its name, or ns:INODE), found again at each scrape.",
            discussion: "Needs CAP_SYS_ADMIN to enter the others; one that cannot be entered gets one note and is left out."))
    public var allNetns = false

    @Flag(
        name: .customLong("by-container"),
        help: ArgumentHelp(
            "Label socket counts, listen queues and retransmits with container, pod, namespace and unit.",
            discussion: "INET sockets count under the cgroup that created them; UNIX sockets, which carry no cgroup, under empty labels."))
    public var byContainer = false

    @Option(help: ArgumentHelp(
        "With --by-container: export at most N workloads per namespace; the smallest past N-1 add up in container=\"other\".",
        valueName: "n"))
    public var maxContainers = 200

    @Option(help: ArgumentHelp(
        "With --by-container: read the container runtimes' state files (names) under DIR instead of /.",
        valueName: "dir"))
    public var runtimeRoot = "/"

    @Option(help: ArgumentHelp(
        "Close a connection whose request has not arrived whole SECONDS after its first byte.", valueName: "seconds"))
    public var readTimeout = 10.0

    @Option(help: ArgumentHelp("Close a connection left SECONDS with no request.", valueName: "seconds"))
    public var idleTimeout = 10.0

    @Option(help: ArgumentHelp(
        "Serve at most N connections at once, closing the oldest idle one for a new one (lowered to fit the open-files limit).",
        valueName: "n"))
    public var maxConnections = 512

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "TLS and basic auth from an exporter-toolkit web configuration file, as node_exporter takes it.",
            valueName: "path"))
    public var webConfigFile: String?

    public init() {}

    /// The parsed `--listen` (valid after `validate()`).
    public var address: ListenAddress {
        (try? ListenAddress.parse(listen, allowPublic: allowPublic)) ?? .loopback
    }

    public func validate() throws {
        do {
            _ = try ListenAddress.parse(listen, allowPublic: allowPublic)
        } catch {
            throw ValidationError(error.description)
        }
        guard (0...10_000).contains(top) else { throw ValidationError("--top: \(top) is out of range (0-10000)") }
        for (name, seconds) in [("--read-timeout", readTimeout), ("--idle-timeout", idleTimeout)] {
            guard seconds > 0, seconds <= 86_400 else {
                throw ValidationError("\(name): \(seconds) is out of range (more than 0, at most 86400 seconds)")
            }
        }
        guard ownersFullScan >= 0, ownersFullScan <= 86_400 else {
            throw ValidationError("--owners-full-scan: \(ownersFullScan) is out of range (0-86400 seconds)")
        }
        guard (1...100_000).contains(maxContainers) else {
            throw ValidationError("--max-containers: \(maxContainers) is out of range (1-100000)")
        }
        guard (1...1_000_000).contains(maxConnections) else {
            throw ValidationError("--max-connections: \(maxConnections) is out of range (1-1000000)")
        }
    }

    /// The same options as command-line arguments, to hand to the server binary.
    public var arguments: [String] {
        ["--listen", listen, "--top", String(top), "--owners-full-scan", String(ownersFullScan)]
            + ["--read-timeout", String(readTimeout), "--idle-timeout", String(idleTimeout)]
            + ["--max-connections", String(maxConnections)] + (allowPublic ? ["--allow-public"] : [])
            + (systemdSocket ? ["--systemd-socket"] : []) + (allNetns ? ["--all-netns"] : [])
            + (byContainer ? ["--by-container", "--max-containers", String(maxContainers), "--runtime-root", runtimeRoot] : [])
            + webConfigArguments
    }

    private var webConfigArguments: [String] {
        guard let webConfigFile else { return [] }
        return ["--web.config.file", webConfigFile]
    }
}
