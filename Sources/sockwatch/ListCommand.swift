import ArgumentParser

/// `sockwatch [list] [options] [filter]`: the native table or NDJSON.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List sockets (the default): a netstat-like table, or NDJSON with --json.",
        discussion: """
            With no family flag (-t, -u, -x, -w, -M, --netlink, -0, -A…), every family the kernel has is listed, \
            as ss does (INET ones only with -4 or -6). Without -l, -a or --state, the connected states are \
            listed, as ss does.
            """)

    @OptionGroup(title: "Selection") var selection: SelectionOptions<LocalFamilyOptions>
    @OptionGroup(title: "Filter") var filter: FilterOptions
    @OptionGroup(title: "Processes") var processes: ProcessOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "Containers, pods and units") var containers: ContainerOptions
    @OptionGroup(title: "Network namespaces") var namespaces: NamespaceOptions
    @OptionGroup(title: "Kill") var kill: KillOptions

    func run() throws {
        let listing = SocketListing(
            selection: selection, output: output, filter: filter, processes: processes, namespaces: namespaces,
            containers: containers)
        if kill.kill { return try SocketKill(listing: listing, assumeYes: kill.yes).run() }
        try listing.run()
    }
}
