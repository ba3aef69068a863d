import Foundation
import Glibc
import ProcIndex
import SockDiag
import SockFuzz
import SockPipeline
import Testing

/// Cgroup attribution on a replayed dump, a fake /proc and a fake cgroup2 tree (a temporary directory whose
/// directories' inodes stand for cgroup ids, as kernfs's do): the kernel's id when it sends one, the holders'
/// cgroups and one note when it does not.
/// A fake cgroup2 mount with `/system.slice/nginx.service` and `/system.slice/docker-<id>.scope`, named in
/// the fake /proc's `self/mountinfo`; pid 77 lives in nginx.service.
struct FakeCgroups {
    let mount: String
    let proc: FakeProc

    init() throws {
        proc = try FakeProc(ReplayedDumpTests.holders)
        mount = proc.root + "-cgroup2"
        for path in ["/system.slice/nginx.service", "/system.slice/docker-\(String(repeating: "ab", count: 32)).scope"] {
            try FileManager.default.createDirectory(atPath: mount + path, withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(atPath: proc.root + "/self", withIntermediateDirectories: true)
        try "41 31 0:38 / \(mount) rw,relatime - cgroup2 cgroup2 rw\n".write(
            toFile: proc.root + "/self/mountinfo", atomically: true, encoding: .utf8)
        for pid in [77, 900, 500] {
            try "0::/system.slice/nginx.service\n".write(toFile: "\(proc.root)/\(pid)/cgroup", atomically: true, encoding: .utf8)
        }
    }

    func id(_ path: String) -> UInt64 {
        var status = stat()
        precondition(stat(mount + path, &status) == 0)
        return UInt64(status.st_ino)
    }

    func remove() {
        proc.remove()
        try? FileManager.default.removeItem(atPath: mount)
    }
}

@Suite struct CgroupJoinTests {
    func run(_ query: SocketQuery, tree: FakeCgroups, table: [InetDiagMessage]) throws -> ([RecordingSink.Row], [PipelineNote]) {
        var notes: [PipelineNote] = []
        let sink = RecordingSink()
        let client = try DiagClient(replaying: { _ in [ReplayedDumpTests.batch(table)] })
        try SocketPipeline(procRoot: tree.proc.root, clients: [client]) { notes.append($0) }.run(query, into: sink)
        return (sink.rows, notes)
    }

    @Test func theKernelsIdNamesTheCreatorsCgroup() throws {
        let tree = try FakeCgroups()
        defer { tree.remove() }
        let docker = "/system.slice/docker-\(String(repeating: "ab", count: 32)).scope"
        var table = ReplayedDumpTests.table
        // INET_DIAG_CGROUP_ID (21), as Linux 5.8+ sends it with every full INET socket.
        for i in table.indices { table[i].attribute(21, native: tree.id(docker)) }
        var query = ReplayedDumpTests.tcp4
        query.cgroups = [.paths, .containers]
        let (rows, notes) = try run(query, tree: tree, table: table)
        #expect(rows.map(\.cgroup) == Array(repeating: docker, count: 4))
        #expect(rows.map(\.container) == Array(repeating: "docker:abababababab", count: 4))
        #expect(notes.isEmpty, "\(notes)")
        // A cgroup condition on the same table, evaluated in Swift (no kernel to run the bytecode here).
        query.kernelFilter = false
        query.expression = .cgroup(CgroupCondition(path: "/system.slice/nginx.service", subtree: false))
        #expect(try run(query, tree: tree, table: table).0.isEmpty)
        query.expression = .cgroup(CgroupCondition(path: "/system.slice", subtree: true))
        #expect(try run(query, tree: tree, table: table).0.count == 4)
    }

    @Test func withoutTheKernelsIdTheHoldersCgroupAndOneNote() throws {
        let tree = try FakeCgroups()
        defer { tree.remove() }
        var query = ReplayedDumpTests.tcp4
        query.cgroups = [.paths, .containers]
        query.owners = true
        let (rows, notes) = try run(query, tree: tree, table: ReplayedDumpTests.table)
        // Sockets with a holder take its cgroup; the one without (inode 1004) has none.
        #expect(rows.map(\.cgroup) == ["/system.slice/nginx.service", "/system.slice/nginx.service", "/system.slice/nginx.service", nil])
        #expect(rows.map(\.container) == ["nginx.service", "nginx.service", "nginx.service", nil])
        #expect(notes == [.noKernelCgroupIDs])
    }

    @Test func anUnknownCgroupIsOneErrorOfUsage() throws {
        let tree = try FakeCgroups()
        defer { tree.remove() }
        var query = ReplayedDumpTests.tcp4
        query.expression = .cgroup(CgroupCondition(path: "/no/such", subtree: false))
        #expect(throws: PipelineError.self) { try run(query, tree: tree, table: ReplayedDumpTests.table) }
        query.expression = .all
        query.workloads = [.pod("nope")]
        do {
            _ = try run(query, tree: tree, table: ReplayedDumpTests.table)
            Issue.record("an unknown pod was selected")
        } catch let error as PipelineError {
            #expect(error.exitStatus == 2)
            #expect(error.description == "no pod named nope in the cgroup2 mount")
        }
    }
}
