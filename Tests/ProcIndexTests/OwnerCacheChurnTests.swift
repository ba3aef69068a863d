import Glibc
import SockTestSupport
import Testing

@testable import ProcIndex

/// The incremental owner join gives the full join's answer while processes the test controls fork, pass
/// sockets over UNIX sockets, exit and reuse descriptor numbers.
@Suite struct OwnerCacheChurnTests {
    @Test func incrementalAnswersMatchAFullScanUnderChurn() throws {
        guard access("/usr/bin/python3", X_OK) == 0 else {
            print("skipped: python3 is not installed (Scripts/setup-deps installs it)")
            return
        }
        let family = try ProcessFamily(workers: 3)
        defer { family.stop() }
        let cache = OwnerCache(workers: 2, fullScanInterval: 1e9)  // only the first refresh is a full scan

        /// Refreshes the cache with the family's sockets (as a dump would list them) and compares every
        /// socket's holders in the family with a full read of the family's tables.
        func check(_ step: String) throws {
            let pids = family.pids
            let full = ProcessIndex(pids: pids)
            var inodes: [UInt32] = []
            full.forEachInode { inode, _ in inodes.append(UInt32(inode)) }
            try #require(!inodes.isEmpty)
            cache.refresh(inodes)
            let ours = Set(pids)
            var expected: [Int32: Set<UInt32>] = [:]
            for inode in inodes {
                let holders = full.holders(of: UInt64(inode))
                let incremental = cache.holders(of: inode).filter { ours.contains($0.pid) }
                #expect(incremental == holders, "\(step): inode \(inode)")
                for holder in holders { expected[holder.pid, default: []].insert(inode) }
            }
            // The exporter's per-process counts: each socket once per process, however many descriptors.
            var counted: [Int32: Int] = [:]
            cache.forEachProcessCount(of: inodes) { pid, _, count in
                if ours.contains(pid) { counted[pid] = count }
            }
            #expect(counted == expected.mapValues(\.count), "\(step): per-process counts")
        }

        var first = try family.command(0, "open 5").map { Int32($0)! }
        _ = try family.command(1, "open 3")
        let lone = try family.command(2, "open 1").map { Int32($0)! }
        try check("start")
        #expect(cache.lastWork.full)

        // The same socket through a second descriptor: the count changes, the table is listed.
        _ = try family.command(1, "dup \(try family.command(1, "fds").map { Int32($0)! }.min()!)")
        try check("dup")
        #expect(!cache.lastWork.full && cache.lastWork.listed > 0)

        let forked = try family.command(0, "fork")
        #expect(forked.count == 1)
        try check("fork")
        #expect(!cache.lastWork.full)

        // A socket passed over a UNIX socket, then closed by its sender.
        _ = try family.command(0, "send \(first[0]) 1")
        _ = try family.command(1, "recv")
        try check("passed")
        _ = try family.command(0, "close \(first[0])")
        first.removeFirst()
        try check("sender closed")

        // A new socket at the number of an old one: the count does not change.
        _ = try family.command(1, "reuse \(try family.command(1, "fds").map { Int32($0)! }.max()!)")
        try check("number reused by dup2")
        // One closed, one opened (at the lowest free number, left by the pass): the count does not change.
        _ = try family.command(0, "close \(first[1])")
        _ = try family.command(0, "open 1")
        try check("closed one, opened another")

        _ = try family.command(0, "reap")  // the forked child exits
        try check("forked child exited")
        _ = try family.command(2, "exit")  // its socket is gone with it
        family.forget(worker: 2)
        try check("worker exited")
        _ = lone

        // A large table changing in a few places.
        let many = try family.command(0, "open 300").map { Int32($0)! }
        try check("large table")
        for fd in many[100..<103] { _ = try family.command(0, "close \(fd)") }
        _ = try family.command(0, "open 5")
        try check("large table churned")
        // Found by reading single numbers (those whose sockets left the dump, then free ones), not by
        // searching whole tables.
        #expect(cache.lastWork.probed > 0 && cache.lastWork.searched == 0)
        _ = try family.command(0, "send \(many[200]) 0")
        _ = try family.command(0, "recv")
        try check("large table received its own socket")
        #expect(cache.fullScans == 1)
    }
}

/// A python3 driver and its worker processes, each holding sockets and doing what the test says.
final class ProcessFamily {
    let driver: pid_t
    private var workers: [Int: pid_t] = [:]
    private var forked: [pid_t] = []
    private let commands: Int32
    private let replies: Int32

    static let script = #"""
import os, socket, sys, signal
n = int(sys.argv[1])
mail = [socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(n)]
resp_r, resp_w = os.pipe()
def new_socket():
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM).detach()
def worker(j, cmd_r):
    kids = []
    held = set()
    def run(a):
        nonlocal kids
        op = a[0]; out = []
        if op == "open":
            for _ in range(int(a[1])):
                fd = new_socket(); held.add(fd); out.append(fd)
        elif op == "close":
            os.close(int(a[1])); held.discard(int(a[1]))
        elif op == "dup":
            fd = os.dup(int(a[1])); held.add(fd); out.append(fd)
        elif op == "reuse":
            t = new_socket(); os.dup2(t, int(a[1])); os.close(t)
        elif op == "send":
            socket.send_fds(mail[int(a[2])][0], [b"x"], [int(a[1])])
        elif op == "recv":
            _, fds, _, _ = socket.recv_fds(mail[j][1], 1, 4); held.update(fds); out = fds
        elif op == "fds":
            out = sorted(held)
        elif op == "fork":
            pid = os.fork()
            if pid == 0:
                while True: signal.pause()
            kids.append(pid); out = [pid]
        elif op == "reap":
            for k in kids: os.kill(k, signal.SIGKILL); os.waitpid(k, 0)
            kids = []
        elif op == "exit":
            os.write(resp_w, b"ok\n"); os._exit(0)
        return out
    for line in os.fdopen(cmd_r):
        try:
            out = run(line.split())
        except OSError as e:
            out = None
            os.write(resp_w, ("error " + str(e) + "\n").encode())
        if out is not None:
            os.write(resp_w, ("ok " + " ".join(map(str, out)) + "\n").encode())
pipes = []
for j in range(n):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w); worker(j, r); os._exit(0)
    os.close(r); pipes.append(w)
    print(pid, flush=True)
replies = os.fdopen(resp_r)
for line in sys.stdin:
    j, cmd = line.split(" ", 1)
    os.write(pipes[int(j)], cmd.encode())
    reply = replies.readline()
    if cmd.startswith("exit"): os.waitpid(-1, 0)  # gone from /proc before the answer
    print(reply, end="", flush=True)
"""#

    init(workers count: Int) throws {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw SpawnError("pipe: errno \(errno)") }
        driver = try ChildProcess.spawn(
            "/usr/bin/python3", ["python3", "-c", Self.script, String(count)],
            holding: [(input[0], 0), (output[1], 1), (2, 2)])
        close(input[0])
        close(output[1])
        commands = input[1]
        replies = output[0]
        for j in 0..<count { workers[j] = Int32(try readLine()) ?? -1 }
    }

    /// The driver, its workers and their forked children.
    var pids: [Int32] { [driver] + workers.values.sorted() + forked }

    /// Sends `text` to worker `j` and returns the numbers it answers with.
    func command(_ j: Int, _ text: String) throws -> [String] {
        let line = "\(j) \(text)\n"
        _ = line.withCString { write(commands, $0, strlen($0)) }
        let reply = try readLine().split(separator: " ").map(String.init)
        guard reply.first == "ok" else { throw SpawnError("worker \(j) answered \(reply) to \(text)") }
        let values = Array(reply.dropFirst())
        if text == "fork" { forked += values.compactMap { Int32($0) } }
        if text == "reap" { forked = [] }
        return values
    }

    func forget(worker j: Int) { workers[j] = nil }

    /// Kills every process of the family.
    func stop() {
        for pid in forked + workers.values { kill(pid, SIGKILL) }
        close(commands)
        kill(driver, SIGKILL)
        ChildProcess.wait(driver)
        close(replies)
    }

    /// One line from the driver, waiting at most 20 s.
    private func readLine() throws -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            var pfd = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 20_000) == 1, read(replies, &byte, 1) == 1 else {
                throw SpawnError("the python3 driver did not answer")
            }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }
}
