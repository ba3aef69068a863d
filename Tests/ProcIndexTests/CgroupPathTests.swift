import Foundation
import Glibc
import ProcIndex
import Testing

/// Cgroup paths as each init system and runtime writes them, read into units, containers and pods.
struct CgroupPathTests {
    let id = String(repeating: "ab", count: 32)

    @Test(arguments: [
        ("/system.slice/nginx.service", "nginx.service"),
        ("/user.slice/user-1000.slice/session-3.scope", "session-3.scope"),
        ("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", "foo.service"),
    ])
    func systemdUnits(path: String, unit: String) {
        let identity = CgroupPath.identity(of: path)
        #expect(identity == ContainerIdentity(unit: unit))
        #expect(identity?.label == unit)
    }

    @Test func containerScopesAndCgroupfsLayouts() {
        let cases: [(String, ContainerIdentity.Runtime, String)] = [
            ("/system.slice/docker-\(id).scope", .docker, id),
            ("/docker/\(id)", .docker, id),
            ("/system.slice/cri-containerd-\(id).scope", .containerd, id),
            ("/machine.slice/crio-\(id).scope", .crio, id),
            ("/machine.slice/libpod-\(id).scope", .podman, id),
            ("/libpod_parent/libpod-\(id)", .podman, id),
            ("/machine.slice/machine-my\\x2dbox.scope", .nspawn, "my-box"),
            ("/lxc.payload.web", .lxc, "web"),
            ("/lxc/web", .lxc, "web"),
        ]
        for (path, runtime, expected) in cases {
            let identity = CgroupPath.identity(of: path)
            #expect(identity?.runtime == runtime, "\(path)")
            #expect(identity?.id == expected, "\(path)")
        }
        #expect(CgroupPath.identity(of: "/system.slice/docker-\(id).scope")?.label == "docker:\(id.prefix(12))")
    }

    @Test func monitorsAreNotContainers() {
        #expect(CgroupPath.identity(of: "/machine.slice/libpod-conmon-\(id).scope")?.runtime == nil)
        #expect(CgroupPath.identity(of: "/system.slice/crio-conmon-\(id).scope")?.runtime == nil)
    }

    @Test func kubernetesPodsWithBothDrivers() {
        let systemd = CgroupPath.identity(
            of: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_abcd_5678.slice/cri-containerd-\(id).scope")
        #expect(systemd?.podUID == "1234-abcd-5678")
        #expect(systemd?.runtime == .containerd)
        #expect(systemd?.label == "k8s:1234-abcd-5678/\(id.prefix(12))")
        let guaranteed = CgroupPath.identity(of: "/kubepods.slice/kubepods-pod99_88.slice")
        #expect(guaranteed?.podUID == "99-88")
        let cgroupfs = CgroupPath.identity(of: "/kubepods/burstable/pod1234-abcd/\(id)")
        #expect(cgroupfs?.podUID == "1234-abcd")
        #expect(cgroupfs?.id == id)
        #expect(cgroupfs?.runtime == nil)
        let named = ContainerIdentity(runtime: .containerd, id: id, name: "app", pod: "cart-7f9c", namespace: "shop")
        #expect(named.label == "k8s:shop/cart-7f9c/app")
    }

    @Test func theRootAndPlainCgroupsNameNothing() {
        #expect(CgroupPath.identity(of: "/") == nil)
        #expect(CgroupPath.identity(of: "/process_api/8b30f81f") == nil)
    }
}

/// The cgroup2 mount as /proc/PID/mountinfo names it, escapes and all.
struct CgroupMountTests {
    @Test func theFirstCgroup2MountIsFoundAndUnescaped() throws {
        let root = "/tmp/sockwatch-mountinfo-\(getpid())"
        try FileManager.default.createDirectory(atPath: root + "/self", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lines = [
            "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
            "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
            "41 31 0:38 / /sys/fs/cgroup/my\\040cgroups rw,relatime shared:7 - cgroup2 cgroup2 rw",
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: root + "/self/mountinfo", atomically: true, encoding: .utf8)
        #expect(CgroupTree(procRoot: root).mount == "/sys/fs/cgroup/my cgroups")
        try "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n".write(toFile: root + "/self/mountinfo", atomically: true, encoding: .utf8)
        #expect(CgroupTree(procRoot: root).mount == nil)
    }
}
