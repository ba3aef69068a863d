import ArgumentParser
import ProcIndex
import SockDiag

/// Which network namespaces to list: sockwatch's own (the default), one, or all of them.
struct NamespaceOptions: ParsableArguments {
    @Option(
        name: [.customShort("N"), .customLong("netns")],
        help: ArgumentHelp(
            "List the sockets of one network namespace: a name in /run/netns, a path, or a pid.",
            valueName: "name|path|pid"),
        completion: ValueCompletion.namespaces)
    var netns: String?

    @Flag(
        name: .customLong("all-netns"),
        help: ArgumentHelp(
            "List every network namespace of the host (from /run/netns and /proc/*/ns/net), tagging each row.",
            discussion: "Rows show the namespace's name, or ns:INODE, and one pid living in it (NETNS column, \"netns\" in JSON)."))
    var allNetns = false

    func validate() throws {
        if netns != nil && allNetns { throw ValidationError("--netns and --all-netns cannot be combined") }
    }

    /// The namespaces to list; nil for sockwatch's own. A name that resolves to nothing is a usage error (2), one out of reach a failure (1).
    func namespaces() throws -> [NetworkNamespace]? {
        if allNetns { return NetworkNamespace.all() }
        guard let netns else { return nil }
        do {
            return [try NetworkNamespace.resolve(netns)]
        } catch let error as NamespaceError where !error.isDenied {
            throw ValidationError(error.description)
        }
    }
}
