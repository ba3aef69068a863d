import Foundation
import SockTestSupport
import Testing

/// Every runtime's cgroup layout made under the real cgroup2 mount, with real processes holding TCP, UDP and
/// UNIX sockets in each: the cgroup and container cells, cgroup filters and workload selectors must say what
/// the kernel says, and what `ss --cgroup` says.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: CgroupLab.unavailable == nil, "\(CgroupLab.unavailable ?? "")"),
    .serialized)
struct ContainerCLITests {
    enum NetworkNamespaceInode {
        static func of(_ path: String) throws -> UInt64 {
            var status = stat()
            guard stat(path, &status) == 0 else { throw POSIXError(.ENOENT) }
            return UInt64(status.st_ino)
        }
    }

    static func hexID(_ seed: UInt8) -> String {
        (0..<32).map { i in String(format: "%02x", UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ i &* 7)) }.joined()
    }

    let dockerID = hexID(1)
    let dockerFSID = hexID(2)
    let containerdID = hexID(3)
    let sandboxID = hexID(4)
    let crioID = hexID(5)
    let podmanID = hexID(6)
    let podUID = "6b1f0c2e-7d3a-4c55-9e21-0a1b2c3d4e5f"
    let crioPodUID = "0c9d8e7f-1111-2222-3333-444455556666"

    /// The layouts, relative to the lab's root.
    var layouts: [(name: String, path: String)] {
        [
            ("unit", "/system.slice/swtest-web.service"),
            ("docker", "/system.slice/docker-\(dockerID).scope"),
            ("docker-cgroupfs", "/docker/\(dockerFSID)"),
            ("containerd", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(podUID.replacingOccurrences(of: "-", with: "_")).slice/cri-containerd-\(containerdID).scope"),
            ("crio", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(crioPodUID.replacingOccurrences(of: "-", with: "_")).slice/crio-\(crioID).scope"),
            ("podman", "/machine.slice/libpod-\(podmanID).scope"),
            ("nspawn", "/machine.slice/machine-vm\\x2d7.scope"),
            ("lxc", "/lxc.payload.box1"),
        ]
    }

    /// The lab with one workload per layout, and the runtimes' state files naming them.
    func lab() throws -> (CgroupLab, [String: CgroupLab.Workload]) {
        let lab = try CgroupLab(tag: "containers")
        var workloads: [String: CgroupLab.Workload] = [:]
        for (name, path) in layouts { workloads[name] = try lab.start(in: path) }
        try lab.writeState("/var/lib/docker/containers/\(dockerID)/config.v2.json", #"{"ID":"\#(dockerID)","Name":"/web-1","State":{"Running":true}}"#)
        try lab.writeState("/var/lib/docker/containers/\(dockerFSID)/config.v2.json", #"{"ID":"\#(dockerFSID)","Name":"/db"}"#)
        try lab.writeState(
            "/run/containerd/io.containerd.runtime.v2.task/k8s.io/\(containerdID)/config.json",
            #"{"ociVersion":"1.1.0","annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.container-name":"app","io.kubernetes.cri.sandbox-name":"cart-7f9c","io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.sandbox-id":"\#(sandboxID)"}}"#)
        try lab.writeState(
            "/var/lib/containers/storage/overlay-containers/\(crioID)/userdata/config.json",
            #"{"ociVersion":"1.0.2","annotations":{"io.kubernetes.container.name":"worker","io.kubernetes.pod.name":"queue-0","io.kubernetes.pod.namespace":"jobs"}}"#)
        return (lab, workloads)
    }

    /// `inode -> cgroup path` from `ss -tuaen --cgroup`.
    static func ssCgroups(_ arguments: [String] = ["-tuaen", "--cgroup"]) throws -> [UInt64: String] {
        let ss = try BinaryRunner.exec("/usr/bin/env", ["ss"] + arguments)
        var table: [UInt64: String] = [:]
        for line in ss.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let inode = BinaryRunner.ssInode(fields), inode != 0,
                let cgroup = fields.first(where: { $0.hasPrefix("cgroup:") })
            else { continue }
            table[inode] = String(cgroup.dropFirst("cgroup:".count))
        }
        return table
    }

    /// `inode -> object` from `sockwatch ARGS --json`.
    static func listing(_ arguments: [String]) throws -> [UInt64: [String: Any]] {
        let result = try BinaryRunner.run(arguments + ["--json"])
        #expect(result.status == 0, "sockwatch \(arguments): \(result.stderr)")
        var table: [UInt64: [String: Any]] = [:]
        for object in result.objects ?? [] {
            if let inode = (object["inode"] as? NSNumber)?.uint64Value, inode != 0 { table[inode] = object }
        }
        return table
    }

    @Test func theCgroupColumnEqualsSsForEveryInetSocket() throws {
        let (lab, workloads) = try lab()
        let ours = try Self.listing(["-tuan", "--cgroup"])
        let theirs = try Self.ssCgroups()
        for workload in workloads.values {
            let path = lab.root + workload.createdIn.dropFirst(lab.root.count)
            #expect(ours[workload.tcpInode]?["cgroup"] as? String == path)
            #expect(ours[workload.udpInode]?["cgroup"] as? String == path)
            #expect(theirs[workload.tcpInode] == path)
        }
        // Every socket both listed (the table may change between the two runs) carries the same path.
        let both = Set(ours.keys).intersection(theirs.keys)
        #expect(both.count >= workloads.count * 2)
        for inode in both { #expect(ours[inode]?["cgroup"] as? String == theirs[inode], "inode \(inode)") }
        // The table shows the same path in its Cgroup column.
        let table = try BinaryRunner.run(["-tln", "--cgroup", "sport = :\(workloads["unit"]!.tcpPort)"])
        #expect(table.lines.count == 2)
        #expect(table.lines.last?.hasSuffix(" " + lab.root + "/system.slice/swtest-web.service") == true)
    }

    @Test func aCgroupConditionSelectsWhatSsSelects() throws {
        let (lab, workloads) = try lab()
        for (name, path) in layouts {
            let full = lab.root + path
            // ss's filter lexer takes a backslash as an escape: systemd's `\x2d` is written `\\x2d` to it.
            let ss = try BinaryRunner.exec(
                "/usr/bin/env", ["ss", "-tuaen", "cgroup", full.replacingOccurrences(of: "\\", with: "\\\\")])
            let ours = try BinaryRunner.run(["-tuaen", "cgroup", full])
            #expect(ours.status == 0, "\(ours.stderr)")
            let expected: Set<UInt64> = [workloads[name]!.tcpInode, workloads[name]!.udpInode]
            #expect(Set(BinaryRunner.ssInodes(ss.stdout)) == expected, "ss, \(name)")
            #expect(try Set(Self.listing(["-tuaen", "cgroup", full]).keys) == expected, "sockwatch, \(name)")
        }
        let explain = try BinaryRunner.run(["--explain", "-t", "cgroup", lab.root + layouts[0].path])
        #expect(explain.stdout.contains("CGROUP_COND id "))
        let missing = try BinaryRunner.run(["-t", "cgroup", lab.root + "/no/such"])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }

    @Test func subtreesPodsContainersAndUnitsSelectExactlyTheirSockets() throws {
        let (lab, workloads) = try lab()
        func inodes(_ names: [String]) -> Set<UInt64> {
            Set(names.flatMap { [workloads[$0]!.tcpInode, workloads[$0]!.udpInode] })
        }
        let root = ["--runtime-root", lab.stateRoot]
        let subtree = try Self.listing(["-tuan", "cgroup", lab.root + "/kubepods.slice/*"] + root)
        #expect(Set(subtree.keys) == inodes(["containerd", "crio"]))
        let explain = try BinaryRunner.run(["--explain", "-t", "cgroup", lab.root + "/kubepods.slice/*"])
        #expect(explain.stdout.components(separatedBy: "CGROUP_COND").count - 1 >= 6)  // 3 levels per pod branch
        #expect(Set(try Self.listing(["-tuan", "--pod", "shop/cart-7f9c"] + root).keys) == inodes(["containerd"]))
        #expect(Set(try Self.listing(["-tuan", "--pod", "queue-0"] + root).keys) == inodes(["crio"]))
        #expect(Set(try Self.listing(["-tuan", "--pod", podUID] + root).keys) == inodes(["containerd"]))
        #expect(Set(try Self.listing(["-tuan", "--container", "web-1"] + root).keys) == inodes(["docker"]))
        #expect(Set(try Self.listing(["-tuan", "--container", String(podmanID.prefix(12))] + root).keys) == inodes(["podman"]))
        #expect(Set(try Self.listing(["-tuan", "--unit", "swtest-web"] + root).keys) == inodes(["unit"]))
        #expect(Set(try Self.listing(["-tuan", "--container", "box1"] + root).keys) == inodes(["lxc"]))
        let pod = try BinaryRunner.run(["--explain", "-t", "--pod", "shop/cart-7f9c"] + root)
        #expect(pod.stdout.contains("CGROUP_COND"))
        let none = try BinaryRunner.run(["-t", "--pod", "no-such-pod"] + root)
        #expect(none.status == 2)
        #expect(none.stderr == "sockwatch: no pod named no-such-pod in the cgroup2 mount\n")
    }

    @Test func containerNamesPodsAndUnitsAreRight() throws {
        let (lab, workloads) = try lab()
        let rows = try Self.listing(["-tuan", "--containers", "--runtime-root", lab.stateRoot])
        func container(_ name: String) -> [String: String] {
            (rows[workloads[name]!.tcpInode]?["container"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        }
        #expect(container("unit") == ["label": "swtest-web.service", "unit": "swtest-web.service"])
        #expect(container("docker") == [
            "label": "docker:web-1", "runtime": "docker", "id": dockerID, "name": "web-1",
            "unit": "docker-\(dockerID).scope",
        ])
        #expect(container("docker-cgroupfs") == ["label": "docker:db", "runtime": "docker", "id": dockerFSID, "name": "db"])
        #expect(container("containerd") == [
            "label": "k8s:shop/cart-7f9c/app", "runtime": "containerd", "id": containerdID, "name": "app",
            "pod": "cart-7f9c", "pod_uid": podUID, "namespace": "shop", "unit": "cri-containerd-\(containerdID).scope",
        ])
        #expect(container("crio") == [
            "label": "k8s:jobs/queue-0/worker", "runtime": "crio", "id": crioID, "name": "worker", "pod": "queue-0",
            "pod_uid": crioPodUID, "namespace": "jobs", "unit": "crio-\(crioID).scope",
        ])
        #expect(container("podman")["label"] == "podman:\(podmanID.prefix(12))")
        #expect(container("nspawn")["label"] == "nspawn:vm-7")
        #expect(container("lxc")["label"] == "lxc:box1")
        // The table's Container column.
        let table = try BinaryRunner.run([
            "-tln", "--containers", "--runtime-root", lab.stateRoot, "sport = :\(workloads["containerd"]!.tcpPort)",
        ])
        #expect(table.lines.last?.hasSuffix(" k8s:shop/cart-7f9c/app") == true)
        // Real container objects (runtimes, pods, units) and the holder's: valid against the listing's schema.
        let json = try BinaryRunner.run(["-tuan", "-p", "--containers", "--cgroup", "--json", "--runtime-root", lab.stateRoot])
        let schema = try JSONSchemaTests.check("listing", [json.stdout])
        #expect(schema.status == 0, "\(schema.stdout)\(schema.stderr)")
        // -s --by pod counts the pods' sockets.
        let summary = try BinaryRunner.run(["-s", "--by", "pod", "-tu", "--runtime-root", lab.stateRoot, "--json"])
        let pods = (summary.objects ?? []).filter { $0["pod"] as? String == "shop/cart-7f9c" }
        #expect(pods.map { ($0["total"] as? Int) ?? 0 }.reduce(0, +) == 2)
    }

    @Test func aPassedSocketIsTheCreatorsWithTheHoldersShown() throws {
        let lab = try CgroupLab(tag: "passed")
        let moved = try lab.start(
            in: "/system.slice/docker-\(dockerID).scope", movingTo: "/system.slice/api.service")
        try lab.writeState("/var/lib/docker/containers/\(dockerID)/config.v2.json", #"{"Name":"/web-1"}"#)
        let rows = try Self.listing(["-tuan", "-p", "--containers", "--cgroup", "--runtime-root", lab.stateRoot])
        let row = try #require(rows[moved.tcpInode])
        #expect(row["cgroup"] as? String == lab.root + "/system.slice/docker-\(dockerID).scope")
        #expect((row["container"] as? [String: Any])?["label"] as? String == "docker:web-1")
        #expect((row["holder_container"] as? [String: Any])?["label"] as? String == "api.service")
        let table = try BinaryRunner.run([
            "-tln", "-p", "--containers", "--runtime-root", lab.stateRoot, "sport = :\(moved.tcpPort)",
        ])
        #expect(table.stdout.contains("docker:web-1,held=api.service"))
    }

    @Test func unixSocketsGetTheirContainerThroughTheirHolders() throws {
        let (lab, workloads) = try lab()
        let rows = try Self.listing(["-xln", "--containers", "--cgroup", "--runtime-root", lab.stateRoot])
        let row = try #require(rows[workloads["docker"]!.unixInode])
        #expect((row["container"] as? [String: Any])?["label"] as? String == "docker:web-1")
        #expect(row["cgroup"] as? String == lab.root + "/system.slice/docker-\(dockerID).scope")
        // The holder-side cgroup condition selects the UNIX socket too.
        let selected = try Self.listing(["-xln", "--container", "web-1", "--runtime-root", lab.stateRoot])
        #expect(Set(selected.keys) == [workloads["docker"]!.unixInode])
    }

    @Test func eventsNameTheContainerOfNewAndDestroyedSockets() throws {
        let lab = try CgroupLab(tag: "events")
        try lab.writeState("/var/lib/docker/containers/\(dockerID)/config.v2.json", #"{"Name":"/web-1"}"#)
        let scope = "/system.slice/docker-\(dockerID).scope"
        try lab.make(scope)  // --container resolves to cgroup ids when events starts
        let stream = try EventStream([
            // --initial: the workload may open its sockets before events' first dump, which would otherwise
            // follow them silently.
            "events", "-tu", "-a", "--initial", "--interval", "0.2", "--containers", "--cgroup", "--runtime-root", lab.stateRoot,
            "--container", "web-1",
        ])
        defer { stream.stop() }
        let workload = try lab.start(in: scope)
        func about(_ kind: String) -> ([String: Any]) -> Bool {
            { $0["event"] as? String == kind && ($0["inode"] as? NSNumber)?.uint64Value == workload.tcpInode }
        }
        guard let new = stream.waitFor(timeout: 30, about("new")) else {
            Issue.record("no new event for the container's listener: \(stream.events.count) events, stderr: \(stream.stop())")
            return
        }
        #expect((stream.events[new]["container"] as? [String: Any])?["label"] as? String == "docker:web-1")
        #expect(stream.events[new]["cgroup"] as? String == lab.root + scope)
        lab.stop(workload)
        let destroyed = try #require(stream.waitFor(timeout: 30) {
            $0["event"] as? String == "destroy" && ($0["local_port"] as? Int) == workload.tcpPort
        })
        #expect((stream.events[destroyed]["container"] as? [String: Any])?["label"] as? String == "docker:web-1")
        // Only that container's sockets: nothing from elsewhere.
        let others = stream.events.filter { ($0["container"] as? [String: Any])?["label"] as? String != "docker:web-1" }
        #expect(others.isEmpty, "\(others)")
    }

    @Test func aRealRuncContainerIsListedWithItsIdAndName() throws {
        let id = "sockwatch-cli-\(getpid())"
        let cgroupsPath = "/sockwatch-runc-cli-\(getpid())/\(id)"
        let started = Result { () throws(RuncError) -> RuncContainer in
            try RuncContainer.start(
                id: id, cgroupsPath: cgroupsPath, port: 8080,
                annotations: ["io.kubernetes.cri.container-name": "box", "io.kubernetes.cri.container-type": "container"])
        }
        if case .failure(.unavailable(let why)) = started {
            print("skipped: \(why)")
            return
        }
        let container = try started.get()
        defer { container.stop() }
        let namespace = try NetworkNamespaceInode.of(container.netnsPath)
        let result = try BinaryRunner.run(["--all-netns", "-tln", "--containers", "--cgroup", "--json", "sport = :8080"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = (result.objects ?? []).filter { ($0["netns"] as? [String: Any])?["inode"] as? UInt64 == namespace }
        #expect(rows.count == 1, "\(result.stdout)")
        let row = try #require(rows.first)
        let identity = try #require(row["container"] as? [String: Any])
        #expect(identity["runtime"] as? String == "runc")
        #expect(identity["id"] as? String == id)
        #expect(identity["name"] as? String == "box")
        #expect(identity["label"] as? String == "runc:box")
        #expect(row["cgroup"] as? String == cgroupsPath)
        // The namespace's NETNS cell names the container too.
        #expect((row["netns"] as? [String: Any])?["container"] as? String == "runc:box")
        let table = try BinaryRunner.run(["--all-netns", "-tln", "--containers", "sport = :8080"])
        #expect(table.lines.contains { $0.contains("(runc:box)") && $0.hasSuffix(" runc:box") }, "\(table.stdout)")
    }

    @Test func watchSelectsAndLabelsAContainersSockets() throws {
        let (lab, workloads) = try lab()
        let result = try BinaryRunner.run([
            "watch", "--json", "-c", "1", "-d", "0.2", "-ta", "--container", "web-1", "--runtime-root", lab.stateRoot,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.objects ?? []
        #expect(Set(rows.compactMap { ($0["inode"] as? NSNumber)?.uint64Value }) == [workloads["docker"]!.tcpInode])
        #expect(rows.allSatisfy { $0["container"] as? String == "docker:web-1" })
    }

    @Test(.enabled(if: TmuxSession.path != nil, "tmux is not installed (skipped)"))
    func watchsCKeyGroupsRowsPerContainer() throws {
        let (lab, workloads) = try lab()
        let docker = workloads["docker"]!.tcpPort
        let pod = workloads["containerd"]!.tcpPort
        let tmux = try TmuxSession(
            "'\(BinaryRunner.binary)' watch -n 0.5 -tl --runtime-root '\(lab.stateRoot)' "
                + "'( sport = :\(docker) or sport = :\(pod) )'; sleep 600")
        defer { tmux.kill() }
        var lines = try tmux.waitFor(seconds: 30) { $0.contains { $0.contains("rows 1–2 of 2") } }
        #expect(lines.contains { $0.contains("rows 1–2 of 2") }, "\(lines)")
        #expect(!lines.contains { $0.contains("docker:web-1") })
        try tmux.send("c")
        lines = try tmux.waitFor(seconds: 30) { lines in
            lines.contains { $0.contains("docker:web-1") } && lines.contains { $0.contains("k8s:shop/cart-7f9c/app") }
        }
        #expect(lines.contains { $0.contains("docker:web-1") }, "\(lines)")
        #expect(lines.contains { $0.contains("k8s:shop/cart-7f9c/app") }, "\(lines)")
    }

    @Test func withoutACgroup2MountOneNoteAndDashes() throws {
        let mount = try #require(CgroupLab.mount)
        // A private mount namespace without the cgroup2 mount, as `ip netns exec`'s fresh /sys leaves it.
        let result = try BinaryRunner.exec(
            "/usr/bin/env",
            ["unshare", "-m", "sh", "-c", "umount -l '\(mount)' && exec \"$0\" \"$@\"", BinaryRunner.binary,
             "-tan", "--containers", "--cgroup"])
        #expect(result.status == 0, "\(result.stderr)")
        let notes = result.stderr.split(separator: "\n")
        #expect(notes.count == 1)
        #expect(notes.first?.contains("no cgroup2 mount") == true)
        for line in result.lines.dropFirst() { #expect(line.hasSuffix(" -      -") || line.hasSuffix(" - -"), "\(line)") }
        let filtered = try BinaryRunner.exec(
            "/usr/bin/env",
            ["unshare", "-m", "sh", "-c", "umount -l '\(mount)' && exec \"$0\" \"$@\"", BinaryRunner.binary,
             "-t", "cgroup", "/"])
        #expect(filtered.status == 2)
    }
}
