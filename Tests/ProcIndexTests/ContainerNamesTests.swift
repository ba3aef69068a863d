import Foundation
import Glibc
import Testing

@testable import ProcIndex

/// Names from state files laid out as each runtime writes them, in a temporary root per test.
@Suite struct ContainerNamesTests {
    static let dockerID = "4f2c8e0d1a9b3c7e5f6a8b0c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e"
    static let podID = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"

    /// A temporary directory holding one test's state roots, removed with everything in it.
    final class Root {
        let path: String

        init() {
            var template = Array("/tmp/sockwatch-cnames-XXXXXX".utf8CString)
            let made = mkdtemp(&template)
            precondition(made != nil, "mkdtemp: errno \(errno)")
            path = String(cString: made!)
        }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }

        var roots: ContainerStateRoots {
            var roots = ContainerStateRoots()
            roots.docker = path + "/docker"
            roots.containerd = path + "/containerd"
            roots.containers = [path + "/storage", path + "/run-storage"]
            roots.runc = path + "/runc"
            return roots
        }

        func write(_ relative: String, _ text: String) {
            write(relative, Array(text.utf8))
        }

        func write(_ relative: String, _ bytes: [UInt8]) {
            let full = path + "/" + relative
            makeDirectories(String(full[..<full.lastIndex(of: "/")!]))
            let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            precondition(fd >= 0, "open \(full): errno \(errno)")
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            precondition(written == bytes.count)
            close(fd)
        }

        func makeDirectories(_ full: String) {
            var prefix = ""
            for component in full.split(separator: "/") {
                prefix += "/" + component
                mkdir(prefix, 0o755)
            }
        }
    }

    private func identity(_ runtime: ContainerIdentity.Runtime, _ id: String) -> ContainerIdentity {
        ContainerIdentity(runtime: runtime, id: id, podUID: "uid-1", unit: "unit.scope")
    }

    // MARK: - Docker

    /// `config.v2.json` as moby's `Container.toDisk` writes it (trimmed), with a decoy `Name` among the labels.
    static func dockerConfig(id: String, name: String) -> String {
        #"{"StreamConfig":{},"State":{"Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"#
            + #""RemovalInProgress":false,"Dead":false,"Pid":4242,"ExitCode":0,"Error":"","#
            + #""StartedAt":"2026-05-01T10:00:00.123456789Z","FinishedAt":"0001-01-01T00:00:00Z","Health":null},"#
            + #""ID":"\#(id)","Created":"2026-05-01T09:59:59.5Z","Managed":false,"Path":"/docker-entrypoint.sh","#
            + #""Args":["nginx","-g","daemon off;"],"Config":{"Hostname":"4f2c8e0d1a9b","Domainname":"","User":"","#
            + #""ExposedPorts":{"80/tcp":{}},"Tty":false,"Env":["PATH=/usr/local/sbin:/usr/bin","NGINX_VERSION=1.25.4"],"#
            + #""Cmd":["nginx","-g","daemon off;"],"Image":"nginx:1.25","Volumes":null,"WorkingDir":"","#
            + #""Labels":{"Name":"decoy","com.docker.compose.service":"web"},"StopSignal":"SIGQUIT"},"#
            + #""Image":"sha256:e4720093a3c1381245b53a5a51b417963b3c4472d3f47fc301930a4f3b17666a","#
            + #""NetworkSettings":{"Bridge":"","Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]},"#
            + #""Networks":{"bridge":{"IPAMConfig":null,"IPAddress":"172.17.0.2","IPPrefixLen":16}}},"#
            + #""LogPath":"/var/lib/docker/containers/\#(id)/\#(id)-json.log","Name":"\#(name)","#
            + #""Driver":"overlay2","OS":"linux","RestartCount":0,"HasBeenStartedBefore":true,"MountPoints":{},"#
            + #""SecretReferences":null,"AppArmorProfile":"docker-default","NoNewPrivileges":false,"#
            + #""LocalLogCacheMeta":{"HaveNotifyEnabled":false}}"# + "\n"
    }

    @Test func dockerNameFromConfigV2WithoutItsSlash() {
        let root = Root()
        root.write("docker/containers/\(Self.dockerID)/config.v2.json", Self.dockerConfig(id: Self.dockerID, name: "/web-1"))
        let named = ContainerNames(roots: root.roots).named(identity(.docker, Self.dockerID))
        #expect(named.name == "web-1" && named.pod == nil && named.namespace == nil)
        // Only the three names are filled; the rest is the caller's.
        #expect(named.runtime == .docker && named.id == Self.dockerID && named.podUID == "uid-1" && named.unit == "unit.scope")
    }

    @Test func hostileNamesComeBackDecodedForTheRendererToEscape() {
        let root = Root()
        let escaped = #"/evil\nname\u001b[31m\t\"q\"\\ \ud83d\ude00"#
        root.write("docker/containers/\(Self.dockerID)/config.v2.json", Self.dockerConfig(id: Self.dockerID, name: escaped))
        let named = ContainerNames(roots: root.roots).named(identity(.docker, Self.dockerID))
        #expect(named.name == "evil\nname\u{1B}[31m\t\"q\"\\ 😀")
    }

    // MARK: - containerd

    /// The OCI bundle's `config.json` with the CRI plugin's annotations (trimmed).
    static func ociSpec(annotations: [(String, String)]) -> String {
        let pairs = annotations.map { #""\#($0.0)":"\#($0.1)""# }.joined(separator: ",")
        return #"{"ociVersion":"1.1.0","process":{"user":{"uid":65535,"gid":65535},"args":["/pause"],"#
            + #""env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"cwd":"/","#
            + #""capabilities":{"bounding":["CAP_CHOWN","CAP_NET_BIND_SERVICE"]},"noNewPrivileges":true,"oomScoreAdj":-998},"#
            + #""root":{"path":"rootfs","readonly":true},"hostname":"cart-7f9c","#
            + #""mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]}],"#
            + #""annotations":{\#(pairs)},"#
            + #""linux":{"resources":{"cpu":{"shares":2}},"#
            + #""cgroupsPath":"kubepods-besteffort-pod1b2c.slice:cri-containerd:\#(podID)","#
            + #""namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network"}],"#
            + #""maskedPaths":["/proc/acpi","/proc/kcore"],"readonlyPaths":["/proc/bus"]}}"#
    }

    static let criContainer = [
        ("io.kubernetes.cri.container-name", "app"), ("io.kubernetes.cri.container-type", "container"),
        ("io.kubernetes.cri.image-name", "registry.k8s.io/app:1.0"), ("io.kubernetes.cri.sandbox-id", podID),
        ("io.kubernetes.cri.sandbox-name", "cart-7f9c"), ("io.kubernetes.cri.sandbox-namespace", "shop"),
        ("io.kubernetes.cri.sandbox-uid", "1b2c3d4e-0000-4000-8000-000000000001"),
    ]

    @Test func containerdFindsTheIdInWhicheverNamespaceHoldsIt() {
        let root = Root()
        let tasks = "containerd/io.containerd.runtime.v2.task"
        root.makeDirectories(root.path + "/\(tasks)/default")
        root.write("\(tasks)/moby/\(Self.dockerID)/config.json", Self.ociSpec(annotations: []))
        root.write("\(tasks)/k8s.io/\(Self.podID)/config.json", Self.ociSpec(annotations: Self.criContainer))
        let names = ContainerNames(roots: root.roots)
        let named = names.named(identity(.containerd, Self.podID))
        #expect(named.name == "app" && named.pod == "cart-7f9c" && named.namespace == "shop")
        // A container made without CRI has no name annotation.
        let plain = names.named(identity(.containerd, Self.dockerID))
        #expect(plain.name == nil && plain.pod == nil && plain.namespace == nil)
    }

    @Test func aContainerdSandboxIsNamedAfterItsPod() {
        let root = Root()
        let sandbox = [
            ("io.kubernetes.cri.container-type", "sandbox"), ("io.kubernetes.cri.sandbox-id", Self.podID),
            ("io.kubernetes.cri.sandbox-log-directory", "/var/log/pods/shop_cart-7f9c_1b2c"),
            ("io.kubernetes.cri.sandbox-name", "cart-7f9c"), ("io.kubernetes.cri.sandbox-namespace", "shop"),
        ]
        root.write("containerd/io.containerd.runtime.v2.task/k8s.io/\(Self.podID)/config.json", Self.ociSpec(annotations: sandbox))
        let named = ContainerNames(roots: root.roots).named(identity(.containerd, Self.podID))
        #expect(named.name == "cart-7f9c" && named.pod == "cart-7f9c" && named.namespace == "shop")
    }

    // MARK: - CRI-O and podman

    static let crioContainer = [
        ("io.container.manager", "cri-o"), ("io.kubernetes.container.hash", "3b1a7c2e"),
        ("io.kubernetes.container.name", "app"), ("io.kubernetes.cri-o.ContainerType", "container"),
        // The kubelet's labels again, as one JSON string inside the string: escapes on the way.
        ("io.kubernetes.cri-o.Labels", #"{\"io.kubernetes.container.name\":\"app\",\"io.kubernetes.pod.name\":\"cart-7f9c\"}"#),
        ("io.kubernetes.pod.name", "cart-7f9c"), ("io.kubernetes.pod.namespace", "shop"),
        ("io.kubernetes.pod.uid", "1b2c3d4e-0000-4000-8000-000000000001"),
    ]

    @Test func crioNamesFromTheUserdataSpecInEitherRoot() {
        let root = Root()
        // Only in the run root: the graph root is looked at first and lacks it.
        root.write("run-storage/overlay-containers/\(Self.podID)/userdata/config.json", Self.ociSpec(annotations: Self.crioContainer))
        let named = ContainerNames(roots: root.roots).named(identity(.crio, Self.podID))
        #expect(named.name == "app" && named.pod == "cart-7f9c" && named.namespace == "shop")
    }

    @Test func aCrioInfraContainerIsNamedAfterItsPodNotPOD() {
        let root = Root()
        let infra = [
            ("io.kubernetes.container.name", "POD"), ("io.kubernetes.cri-o.ContainerType", "sandbox"),
            ("io.kubernetes.pod.name", "cart-7f9c"), ("io.kubernetes.pod.namespace", "shop"),
        ]
        root.write("storage/overlay-containers/\(Self.podID)/userdata/config.json", Self.ociSpec(annotations: infra))
        let named = ContainerNames(roots: root.roots).named(identity(.crio, Self.podID))
        #expect(named.name == "cart-7f9c" && named.pod == "cart-7f9c" && named.namespace == "shop")
    }

    /// containers/storage's `containers.json`, as podman's store writes it (trimmed).
    static func storageList(_ entries: [(id: String, name: String)]) -> String {
        "[" + entries.map { entry in
            #"{"id":"\#(entry.id)","names":["\#(entry.name)"],"image":"e4720093a3c1381245b53a5a51b417963b3c4472","#
                + #""layer":"7c3b0e1f","metadata":"{\"image-name\":\"docker.io/library/nginx:latest\",\"image-id\":"#
                + #"\"e4720093\",\"name\":\"\#(entry.name)\",\"created-at\":1714557600}","#
                + #""created":"2026-05-01T10:00:00.1Z","flags":{"MountLabel":"","ProcessLabel":""}}"#
        }.joined(separator: ",") + "]"
    }

    @Test func podmanNamesFromTheStorageListNotTheSpec() {
        let root = Root()
        let other = String(repeating: "ab", count: 32)
        // The spec has podman's annotations and a hostname, but no name.
        root.write(
            "storage/overlay-containers/\(Self.podID)/userdata/config.json",
            Self.ociSpec(annotations: [("io.container.manager", "libpod"), ("org.opencontainers.image.stopSignal", "15")]))
        root.write("storage/overlay-containers/containers.json", Self.storageList([(other, "db"), (Self.podID, "web-podman")]))
        let names = ContainerNames(roots: root.roots)
        #expect(names.named(identity(.podman, Self.podID)).name == "web-podman")
        #expect(names.named(identity(.podman, other)).name == "db")
        #expect(names.named(identity(.podman, Self.dockerID)).name == nil)
    }

    @Test func podmanTransientContainersAreInTheVolatileList() {
        let root = Root()
        root.write("storage/overlay-containers/containers.json", "[]")
        root.write("run-storage/overlay-containers/volatile-containers.json", Self.storageList([(Self.podID, "temp")]))
        #expect(ContainerNames(roots: root.roots).named(identity(.podman, Self.podID)).name == "temp")
    }

    @Test func anEntryWhoseNamesComeBeforeItsIdStillMatches() {
        let list = #"[{"names":["first"],"id":"x"},{"names":["second"],"id":"y"}]"#
        #expect(ContainerNames.storageName(of: "y", in: Array(list.utf8)) == "second")
        #expect(ContainerNames.storageName(of: "x", in: Array(list.utf8)) == "first")
        #expect(ContainerNames.storageName(of: "z", in: Array(list.utf8)) == nil)
    }

    // MARK: - runc

    /// runc's `state.json` (trimmed): the spec's annotations are `config.labels` entries, plus `bundle=`.
    static func runcState(id: String, labels: [String]) -> String {
        let quoted = labels.map { #""\#($0)""# }.joined(separator: ",")
        return #"{"id":"\#(id)","init_process_pid":18350,"init_process_start":9165432,"#
            + #""created":"2026-12-03T12:19:11.252456526Z","config":{"no_pivot_root":false,"parent_death_signal":0,"#
            + #""rootfs":"/tmp/bundle/rootfs","umask":null,"readonlyfs":true,"rootPropagation":0,"mounts":[],"#
            + #""devices":[],"mount_label":"","hostname":"\#(id)","namespaces":[{"type":"NEWNET","path":""}],"#
            + #""labels":[\#(quoted)],"no_new_keyring":false,"rootless_euid":false,"rootless_cgroups":false},"#
            + #""rootless":false,"cgroup_paths":{"":"/sys/fs/cgroup/unified/sockwatch/\#(id)"},"#
            + #""namespace_paths":{"NEWNET":"/proc/18350/ns/net"},"external_descriptors":["/dev/null"],"intel_rdt_path":""}"#
    }

    @Test func runcHasNoNameButTheId() {
        let root = Root()
        root.write("runc/web/state.json", Self.runcState(id: "web", labels: ["bundle=/tmp/bundle"]))
        let named = ContainerNames(roots: root.roots).named(identity(.runc, "web"))
        #expect(named.name == nil && named.pod == nil && named.id == "web")
    }

    @Test func runcCarriesCRIAnnotationsAsLabels() {
        let root = Root()
        let labels = [
            "io.kubernetes.cri.container-name=app", "io.kubernetes.cri.container-type=container",
            "io.kubernetes.cri.sandbox-name=cart=7f9c", "io.kubernetes.cri.sandbox-namespace=shop", "bundle=/tmp/b",
        ]
        root.write("runc/\(Self.podID)/state.json", Self.runcState(id: Self.podID, labels: labels))
        let named = ContainerNames(roots: root.roots).named(identity(.runc, Self.podID))
        #expect(named.name == "app" && named.pod == "cart=7f9c" && named.namespace == "shop")
    }

    @Test func aRuncStateNamingAnotherContainerIsIgnored() {
        let root = Root()
        root.write("runc/web/state.json", Self.runcState(id: "other", labels: ["io.kubernetes.cri.container-name=app"]))
        #expect(ContainerNames(roots: root.roots).named(identity(.runc, "web")).name == nil)
    }

    // MARK: - Files that give nothing

    @Test func missingTruncatedAndMalformedFilesGiveNoNames() {
        let root = Root()
        let full = Self.dockerConfig(id: Self.dockerID, name: "/web-1")
        let cases: [(String, String)] = [
            ("a", String(full.prefix(full.count / 2))), ("b", String(full.dropLast(3))), ("c", ""), ("d", "null"),
            ("e", #"{"Name":42}"#), ("f", #"["/web-1"]"#), ("g", full + "{}"), ("h", #"{"Name":"/"}"#),
        ]
        for (id, text) in cases { root.write("docker/containers/\(id)/config.v2.json", text) }
        let names = ContainerNames(roots: root.roots)
        for (id, text) in cases + [("missing", "")] {
            let named = names.named(identity(.docker, id))
            #expect(named.name == nil, "\(id): \(text.prefix(60).debugDescription)")
        }
        // No runtime or no id: nothing to look up, nothing changed.
        let bare = ContainerIdentity(unit: "nginx.service")
        #expect(names.named(bare) == bare)
    }

    @Test func aFileOverTheLimitIsNotRead() {
        let root = Root()
        let head = Array(#"{"Name":"/big","Pad":""#.utf8)
        let body = head + [UInt8](repeating: UInt8(ascii: "x"), count: StateJSON.maxBytes) + Array(#""}"#.utf8)
        root.write("docker/containers/big/config.v2.json", body)
        #expect(ContainerNames(roots: root.roots).named(identity(.docker, "big")).name == nil)
    }

    @Test func aFIFOOrDirectoryInPlaceOfTheFileIsNotOpened() {
        let root = Root()
        root.makeDirectories(root.path + "/docker/containers/fifo")
        #expect(mkfifo(root.path + "/docker/containers/fifo/config.v2.json", 0o600) == 0)
        root.makeDirectories(root.path + "/docker/containers/dir/config.v2.json")
        let names = ContainerNames(roots: root.roots)
        // Opening the FIFO would block this test forever; it returns nil instead.
        #expect(names.named(identity(.docker, "fifo")).name == nil)
        #expect(names.named(identity(.docker, "dir")).name == nil)
    }

    @Test func anUnreadableFileGivesNoName() {
        let root = Root()
        root.write("docker/containers/locked/config.v2.json", Self.dockerConfig(id: "locked", name: "/locked"))
        // As root, permissions do not stop a read; a directory that cannot be searched does for others, and
        // open(2) on a path through a non-directory fails for everyone.
        root.write("docker/containers/notadir", "plain file")
        let names = ContainerNames(roots: root.roots)
        #expect(names.named(identity(.docker, "notadir")).name == nil)
        if geteuid() != 0 {
            chmod(root.path + "/docker/containers/locked/config.v2.json", 0)
            #expect(names.named(identity(.docker, "locked")).name == nil)
        }
    }

    @Test(arguments: ["", ".", "..", "../containers/x", "a/b", "a\u{0}b"])
    func idsThatAreNoPathComponentAreNotLookedUp(id: String) {
        let root = Root()
        // A file a traversal would reach.
        root.write("docker/config.v2.json", Self.dockerConfig(id: "x", name: "/escaped"))
        root.write("docker/containers/x/config.v2.json", Self.dockerConfig(id: "x", name: "/escaped"))
        #expect(ContainerNames(roots: root.roots).named(identity(.docker, id)).name == nil)
    }

    // MARK: - Cache

    @Test func answersAndMissesAreCachedUntilCleared() {
        let root = Root()
        let path = "docker/containers/\(Self.dockerID)/config.v2.json"
        let names = ContainerNames(roots: root.roots)
        #expect(names.named(identity(.docker, Self.dockerID)).name == nil)
        root.write(path, Self.dockerConfig(id: Self.dockerID, name: "/late"))
        #expect(names.named(identity(.docker, Self.dockerID)).name == nil)
        #expect(names.cachedCount == 1)
        names.clear()
        #expect(names.named(identity(.docker, Self.dockerID)).name == "late")
        root.write(path, Self.dockerConfig(id: Self.dockerID, name: "/renamed"))
        #expect(names.named(identity(.docker, Self.dockerID)).name == "late")
        // The same id under another runtime is another container.
        #expect(names.named(identity(.containerd, Self.dockerID)).name == nil)
        #expect(names.cachedCount == 2)
    }
}
