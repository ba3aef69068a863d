import ArgumentParser
import SockPipeline
import SockRender

/// `--container`, `--pod`, `--unit`: only the sockets of some workloads; and where their names are read.
struct WorkloadOptions: ParsableArguments {
    @Option(
        name: .customLong("container"),
        help: ArgumentHelp("Only sockets of this container (a name, an id, or an id prefix of 4+ digits; repeatable).", valueName: "name|id"))
    var containerNames: [String] = []

    @Option(
        name: .customLong("pod"),
        help: ArgumentHelp("Only sockets of this Kubernetes pod (NAME, NAMESPACE/NAME or its UID; repeatable).", valueName: "[ns/]name"))
    var pods: [String] = []

    @Option(
        name: .customLong("unit"),
        help: ArgumentHelp("Only sockets of this systemd unit and the cgroups below it (repeatable).", valueName: "name"))
    var units: [String] = []

    @Option(
        name: .customLong("runtime-root"),
        help: ArgumentHelp(
            "Read the container runtimes' state files (container, pod and namespace names) under DIR instead of /.",
            valueName: "dir"))
    var runtimeRoot = "/"

    func validate() throws {
        for value in containerNames + pods + units where value.isEmpty {
            throw ValidationError("--container, --pod and --unit take a non-empty name")
        }
    }

    var selectors: [WorkloadSelector] {
        containerNames.map(WorkloadSelector.container) + pods.map(WorkloadSelector.pod) + units.map(WorkloadSelector.unit)
    }

    /// What a cgroup path names, with names from the state files under `--runtime-root`.
    var identifier: ContainerIdentifier { ContainerNaming.identifier(runtimeRoot: runtimeRoot) }
}

/// `--cgroup`, `--containers`, `-s --by`, and the workload selection.
struct ContainerOptions: ParsableArguments {
    @Flag(name: .customLong("cgroup"), help: "Show each socket's cgroup v2 path (as ss --cgroup).")
    var cgroupPaths = false

    @Flag(
        name: [.customShort("k"), .long],
        help: ArgumentHelp(
            "Show the container, pod or systemd unit of each socket's cgroup.",
            discussion: "INET sockets are attributed to the cgroup of the process that created them (the kernel's INET_DIAG_CGROUP_ID); other kinds to their first holder's."))
    var containers = false

    @Option(
        name: .customLong("by"),
        help: ArgumentHelp("With -s: count per container, unit or pod.", valueName: "container|unit|pod"))
    var summaryGroup: SummaryRenderer.Group?

    @OptionGroup var workloads: WorkloadOptions

    /// The cgroup cells the rows show (`--by` needs the containers).
    var columns: SocketQuery.CgroupColumns {
        var columns: SocketQuery.CgroupColumns = []
        if cgroupPaths { columns.insert(.paths) }
        if containers || summaryGroup != nil { columns.insert(.containers) }
        return columns
    }
}

extension SummaryRenderer.Group: ExpressibleByArgument {}
