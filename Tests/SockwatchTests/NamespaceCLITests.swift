import Foundation
import SockTestSupport
import Testing

@_silgen_name("setns")
private func enterNamespace(_ fd: Int32, _ type: Int32) -> Int32

/// Two network namespaces, each with a listener and a connection on the same port: --netns and --all-netns
/// must keep them apart, tag them and name their owners, as `ss -N` does one at a time.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: getuid() == 0, "network namespaces need root (skipped)"),
    .serialized)
struct NamespaceCLITests {
    /// A named namespace with loopback up, holding `127.0.0.1:port` listening and one connection to it.
    final class Namespace {
        let name: String
        var sockets: [LiveSocket] = []
        /// A raw ICMP socket in the namespace (listed through that namespace's /proc/net/raw).
        var raw: LiveSocket?
        var inodes: Set<Int> { Set(sockets.map { Int($0.inode) }) }

        init(tag: String, port: UInt16) throws {
            name = "sockwatch-test-\(tag)-\(getpid())"
            _ = try BinaryRunner.exec("/usr/bin/env", ["ip", "netns", "del", name])
            let add = try BinaryRunner.exec("/usr/bin/env", ["ip", "netns", "add", name])
            precondition(add.status == 0, "ip netns add: \(add.stderr)")
            _ = try BinaryRunner.exec("/usr/bin/env", ["ip", "-n", name, "link", "set", "lo", "up"])
            // Sockets belong to the namespace of the thread that creates them: a throwaway thread enters it.
            let path = "/run/netns/\(name)"
            final class Made: @unchecked Sendable {
                var sockets: [LiveSocket] = []
                var raw: LiveSocket?
            }
            let made = Made()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                precondition(fd >= 0 && enterNamespace(fd, 0x4000_0000) == 0, "setns failed: \(errno)")  // CLONE_NEWNET
                close(fd)
                let listener = LiveSocket.tcpListener(v6: false, port: port)
                let (client, server) = LiveSocket.tcpConnection(to: listener)
                made.sockets = [listener, client, server]
                made.raw = LiveSocket.rawICMP()
                done.signal()
            }
            thread.start()
            done.wait()
            sockets = made.sockets
            raw = made.raw
        }

        deinit { _ = try? BinaryRunner.exec("/usr/bin/env", ["ip", "netns", "del", name]) }

        /// `ss -N NAME -tane`'s inodes.
        func ssInodes() throws -> Set<Int> {
            let result = try BinaryRunner.exec("/usr/bin/env", ["ss", "-N", name, "-tane"])
            return Set(BinaryRunner.ssInodes(result.stdout).map { Int($0) })
        }
    }

    func objects(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try BinaryRunner.run(arguments + ["--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        return result.objects ?? []
    }

    @Test func oneNamespaceAndAllNamespacesAreListedApartTaggedAndOwned() throws {
        let port = UInt16.random(in: 20000...30000)
        let a = try Namespace(tag: "A", port: port)
        let b = try Namespace(tag: "B", port: port)
        #expect(a.inodes.count == 3 && b.inodes.count == 3)

        // --netns NAME: only A's sockets, the same as ss -N A.
        let onlyA = try objects(["--netns", a.name, "-ta", "-p"])
        let listedA = Set(onlyA.compactMap { $0["inode"] as? Int })
        #expect(listedA == a.inodes)
        #expect(listedA == (try a.ssInodes()))
        #expect(onlyA.allSatisfy { ($0["netns"] as? [String: Any])?["name"] as? String == a.name })
        #expect(onlyA.contains { $0["state"] as? String == "listen" && $0["local_port"] as? Int == Int(port) })

        // --all-netns: both sets, each tagged with its own namespace, with the test as owner.
        let all = try objects(["--all-netns", "-ta", "-p"])
        for ns in [a, b] {
            let rows = all.filter { ($0["netns"] as? [String: Any])?["name"] as? String == ns.name }
            #expect(Set(rows.compactMap { $0["inode"] as? Int }) == ns.inodes)
            #expect(Set(rows.compactMap { $0["inode"] as? Int }) == (try ns.ssInodes()))
            for row in rows {
                let netns = try #require(row["netns"] as? [String: Any])
                #expect((netns["inode"] as? Int).map { $0 > 0 } == true)
                let owners = (row["processes"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
                #expect(owners == [Int(getpid())])
            }
        }
        let tagA = all.first { ($0["netns"] as? [String: Any])?["name"] as? String == a.name }?["netns"] as? [String: Any]
        let tagB = all.first { ($0["netns"] as? [String: Any])?["name"] as? String == b.name }?["netns"] as? [String: Any]
        #expect(tagA?["inode"] as? Int != tagB?["inode"] as? Int)

        // The table answers "who listens on this port, in which namespace" in one command.
        let table = try BinaryRunner.run(["--all-netns", "-tlp"])
        let listeners = table.stdout.split(separator: "\n").filter { $0.contains("127.0.0.1:\(port) ") }
        #expect(table.stdout.hasPrefix("NETNS "))
        #expect(listeners.contains { $0.hasPrefix(Substring(a.name)) } && listeners.contains { $0.hasPrefix(Substring(b.name)) })

        // Raw sockets come from each namespace's own /proc/net/raw (no raw_diag here).
        let raws = try objects(["--all-netns", "-w", "-a"])
        for ns in [a, b] {
            let raw = try #require(ns.raw)
            let row = raws.first { $0["inode"] as? Int == Int(raw.inode) }
            #expect((row?["netns"] as? [String: Any])?["name"] as? String == ns.name)
        }

        // A summary of one namespace counts exactly its sockets.
        let summary = try objects(["--netns", a.name, "-t", "-s"])
        #expect(summary.first?["total"] as? Int == 3)
        #expect((summary.first?["states"] as? [String: Int]) == ["established": 2, "listen": 1])
    }

    @Test func aNamespaceThatCannotBeEnteredGetsOneNoteAndIsSkipped() throws {
        let other = try Namespace(tag: "C", port: UInt16.random(in: 20000...30000))
        let listener = LiveSocket.tcpListener(v6: false)
        // Run as nobody: its own namespace needs no setns, entering any other is refused (EPERM).
        let result = try BinaryRunner.runAsNobody(["--all-netns", "-tl", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(result.objects)
        #expect(rows.contains { $0["inode"] as? Int == Int(listener.inode) })
        #expect(!rows.contains { other.inodes.contains($0["inode"] as? Int ?? -1) })
        let notes = result.stderr.split(separator: "\n").filter { $0.contains(other.name) }
        #expect(notes.count == 1 && notes.first?.contains("EPERM") == true && notes.first?.contains("skipped") == true,
                "\(result.stderr)")
        // Named alone, a namespace that cannot be entered is a failure: one line, status 1.
        let alone = try BinaryRunner.runAsNobody(["--netns", other.name, "-tl"])
        #expect(alone.status == 1 && alone.stdout.isEmpty, "\(alone.stderr)")
        #expect(alone.stderr.split(separator: "\n").count == 1 && alone.stderr.contains("EPERM"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs setpriv to run sockwatch as nobody (skipped)"))
    func anotherUsersProcessNamespaceIsAFailureNotAMissingProcess() throws {
        // Process 1 exists; nobody may not read its namespace link.
        let result = try BinaryRunner.runAsNobody(["--netns", "1", "-tl"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("no process"), "\(result.stderr)")
        #expect(result.stderr.contains("cannot be read or entered"), "\(result.stderr)")
    }

    @Test func namespaceByPidIsTheProcessesOwn() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let rows = try objects(["--netns", "\(getpid())", "-tl"])
        let row = try #require(rows.first { $0["inode"] as? Int == Int(listener.inode) })
        #expect((row["netns"] as? [String: Any])?["pid"] as? Int == Int(getpid()))
    }

    @Test(arguments: [["--netns", "no-such-namespace-here"], ["--netns", "/etc/passwd"], ["--netns", "999999999"],
                      ["--netns", "x", "--all-netns"]])
    func badNamespacesAreOneLineAndStatusTwo(arguments: [String]) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
