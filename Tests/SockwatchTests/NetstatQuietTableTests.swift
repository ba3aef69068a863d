import Glibc
import SockTestSupport
import Testing

/// `diff <(netstat FLAGS) <(sockwatch netstat FLAGS)` is empty, whole output and order included, on a table that
/// does not move: a private network namespace holding only one child's TCP, UDP and UNIX sockets.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: getuid() == 0, "a private network namespace needs root (skipped)"),
    .enabled(if: access("/bin/netstat", X_OK) == 0, "needs net-tools' netstat (Scripts/setup-deps installs it)"))
struct NetstatQuietTableTests {
    /// The child: listeners and connections on 127.0.0.1, ::1 and 0.0.0.0, UDP on both, a UNIX listener with a
    /// connection and a socket pair; it writes its pid to `ready` and holds them until killed (5 minutes at most).
    static let child = """
        import os, socket, sys, time
        keep = []
        for family, host in [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"), (socket.AF_INET, "0.0.0.0")]:
            for _ in range(3):
                listener = socket.socket(family); listener.bind((host, 0)); listener.listen(); keep.append(listener)
                for _ in range(2):
                    client = socket.socket(family); client.connect(listener.getsockname()[:2])
                    keep += [client, listener.accept()[0]]
        for family, host in [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]:
            udp = socket.socket(family, socket.SOCK_DGRAM); udp.bind((host, 0)); keep.append(udp)
        path = sys.argv[1] + ".sock"
        unix = socket.socket(socket.AF_UNIX); unix.bind(path); unix.listen(); keep.append(unix)
        peer = socket.socket(socket.AF_UNIX); peer.connect(path); keep += [peer, unix.accept()[0]]
        keep += list(socket.socketpair())
        with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(os.getpid()))
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        time.sleep(300)
        """

    @Test func wholeOutputIsNetstatsByteForByte() throws {
        let name = "sockwatch-quiet-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let ready = "/tmp/\(name).ready"
        defer {
            _ = try? BinaryRunner.shell(
                "[ -s '\(ready)' ] && kill $(cat '\(ready)'); ip netns del '\(name)'; rm -f '\(ready)' '\(ready).sock' '\(ready).tmp'")
        }
        let started = try BinaryRunner.shell("""
            ip netns add '\(name)' && ip -n '\(name)' link set lo up || exit 1
            nsenter --net='/run/netns/\(name)' python3 -c '\(Self.child)' '\(ready)' </dev/null >/dev/null 2>&1 &
            for _ in $(seq 300); do [ -s '\(ready)' ] && exit 0; sleep 0.1; done
            exit 1
            """)
        try #require(started.status == 0, "the namespace or its child did not start: \(started.stderr)")

        for flags in ["-tan", "-tn", "-tanp", "-tane", "-tano", "-tlpn", "-uan", "-tuan", "-tan4", "-tan6", "-xa", "-xap", "-a", "-an"] {
            let inside = "nsenter --net='/run/netns/\(name)'"
            let theirs = try BinaryRunner.shell("\(inside) netstat \(flags)")
            let ours = try BinaryRunner.shell("\(inside) \"$SW\" netstat \(flags)")
            #expect(theirs.status == 0 && ours.status == 0, "\(flags): \(theirs.stderr) \(ours.stderr)")
            // Something of the child's is in every listing compared (no vacuous equality of two headers).
            #expect(theirs.stdout.split(separator: "\n").count > 3, "\(flags): \(theirs.stdout)")
            #expect(ours.stdout == theirs.stdout, "netstat \(flags)\n--- netstat\n\(theirs.stdout)--- sockwatch\n\(ours.stdout)")
        }
    }
}
