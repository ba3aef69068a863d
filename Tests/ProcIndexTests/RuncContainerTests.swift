import Glibc
import SockTestSupport
import Testing

@testable import ProcIndex

/// A real container from Debian's runc: its listener in its own network namespace and cgroup, and its state file
/// read by `ContainerNames`.
@Suite struct RuncContainerTests {
    @Test func aRuncContainerListensInItsOwnNamespaceAndCgroup() throws {
        let id = "sockwatch-test-\(getpid())"
        let cgroupsPath = "/sockwatch-runc-\(getpid())/\(id)"
        let annotations = [
            "io.kubernetes.cri.container-name": "app", "io.kubernetes.cri.container-type": "container",
            "io.kubernetes.cri.sandbox-name": "cart-7f9c", "io.kubernetes.cri.sandbox-namespace": "shop",
        ]
        guard let container = try Self.start(id: id, cgroupsPath: cgroupsPath, annotations: annotations) else { return }
        defer { container.stop() }

        // The kernel put it in the cgroup2 directory asked for, as runc does on this hybrid host too.
        let cgroup = String(decoding: try WholeFile.read("/proc/\(container.pid)/cgroup"), as: UTF8.self)
        #expect(cgroup.split(separator: "\n").contains("0::\(cgroupsPath)"), "\(cgroup)")

        // Its own namespace holds its listener, with the cgroup ss reports; the host's does not.
        let inside = try ChildProcess.run(
            "/usr/bin/nsenter", ["--net=\(container.netnsPath)", "ss", "-Htlnp", "--cgroup", "sport = :8080"])
        let line = String(decoding: inside.stdout, as: UTF8.self)
        #expect(inside.status == 0, "\(String(decoding: inside.stderr, as: UTF8.self))")
        #expect(line.hasPrefix("LISTEN") && line.contains("pid=\(container.pid),"), "\(line)")
        #expect(line.contains("cgroup:\(cgroupsPath)"), "\(line)")
        let namespaces = try [container.netnsPath, "/proc/self/ns/net"].map { try NetworkNamespace.inode(of: $0) }
        #expect(namespaces[0] != namespaces[1])

        // Its state file: runc's id, and the spec's annotations as labels.
        var roots = ContainerStateRoots()
        roots.runc = container.root
        let named = ContainerNames(roots: roots).named(ContainerIdentity(runtime: .runc, id: id))
        #expect(named.name == "app" && named.pod == "cart-7f9c" && named.namespace == "shop")

        container.stop()
        // SIGKILLed; its parent (init, once runc let go) reaps it in its own time: gone or a zombie.
        #expect(Self.hasEnded(container.pid))
        #expect(access((CgroupLab.mount ?? "") + cgroupsPath, F_OK) != 0)
    }

    /// Whether `pid` is gone or a zombie, within 10 s.
    static func hasEnded(_ pid: pid_t) -> Bool {
        for _ in 0..<500 {
            guard let stat = try? WholeFile.read("/proc/\(pid)/stat") else { return true }
            // "pid (comm) S …": the state follows the last ')'.
            if let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count,
                [UInt8(ascii: "Z"), UInt8(ascii: "X")].contains(stat[close + 2])
            {
                return true
            }
            usleep(20_000)
        }
        return false
    }

    /// A container listening on 8080 (its namespace is its own), or nil after printing why runc is unavailable.
    static func start(id: String, cgroupsPath: String, annotations: [String: String]) throws -> RuncContainer? {
        do {
            return try RuncContainer.start(id: id, cgroupsPath: cgroupsPath, port: 8080, annotations: annotations)
        } catch {
            guard case .unavailable(let reason) = error else { throw error }
            print("skipped: \(reason)")
            return nil
        }
    }
}
