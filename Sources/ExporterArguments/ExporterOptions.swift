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

    @Flag(help: "Serve on the listening socket systemd passes (LISTEN_FDS, fd 3) instead of binding --listen.")
    public var systemdSocket = false

    @Flag(
        name: .customLong("all-netns"),
        help: ArgumentHelp(
            "Export every network namespace of the host (netns label: its name, or ns:INODE), found again at each scrape.",
            discussion: "Needs CAP_SYS_ADMIN to enter the others; one that cannot be entered gets one note and is left out."))
    public var allNetns = false

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
    }

    /// The same options as command-line arguments, to hand to the server binary.
    public var arguments: [String] {
        ["--listen", listen, "--top", String(top)] + (allowPublic ? ["--allow-public"] : [])
            + (systemdSocket ? ["--systemd-socket"] : []) + (allNetns ? ["--all-netns"] : [])
    }
}
