import Foundation
import SockTestSupport
import Testing

/// `sockwatch lsof` without `-i`: every file of a process, compared with real lsof on a child holding one file
/// of each kind lsof shows: a regular file read, one written at an offset, a directory, /dev/null, both ends
/// of a pipe, a deleted file, a UNIX listener, a TCP listener and connection, an eventfd and a netlink socket.
///
/// The child is a shell renamed to a command name of its own (for `-c`), with /dev/null on 0-2 so that
/// nothing it holds changes size between the two runs; the test process's own descriptors are never looked at.
@Suite(
    .enabled(if: BinaryRunner.available, "build the sockwatch product first (Scripts/test does)"),
    .enabled(if: LsofOracle.path != nil, "lsof is not installed: nothing to compare sockwatch lsof with"))
final class LsofFilesTests {
    let name = "swlf\(UInt32.random(in: 100_000...999_999))"
    let directory: String
    let listener = LiveSocket.tcpListener(v6: false)
    let connection: (client: LiveSocket, server: LiveSocket)
    let unix: LiveSocket
    let netlink = LiveSocket.netlink()
    var opened: [Int32] = []
    let child: HoldingChild

    init() throws {
        directory = "/tmp/sockwatch-lsof-files-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(directory, 0o755)
        connection = LiveSocket.tcpConnection(to: listener)
        unix = LiveSocket.unixListener("\(directory)/listener.sock")
        func opening(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Int32 {
            let fd = open(path, flags | O_CLOEXEC, mode)
            precondition(fd >= 0, "open(\(path)) failed: \(errno)")
            return fd
        }
        let null = opening("/dev/null", O_RDWR)
        let read = opening("/etc/hostname", O_RDONLY)
        let written = opening("\(directory)/written", O_WRONLY | O_CREAT | O_TRUNC)
        _ = Array(repeating: UInt8(0x78), count: 100).withUnsafeBytes { write(written, $0.baseAddress, 100) }
        lseek(written, 40, SEEK_SET)
        let folder = opening(directory, O_RDONLY | O_DIRECTORY)
        let pipe = AnonymousFiles.pipe()
        let deleted = opening("\(directory)/deleted", O_WRONLY | O_CREAT)
        unlink("\(directory)/deleted")
        let counter = AnonymousFiles.eventCounter()
        opened = [null, read, written, folder, pipe.read, pipe.write, deleted, counter]
        child = try HoldingChild.named(
            name,
            holding: [null, null, null, read, written, folder, pipe.read, pipe.write, deleted, counter]
                + [unix.fd, listener.fd, connection.client.fd, netlink.fd],
            from: 0)
    }

    deinit {
        child.terminate()
        for fd in opened { close(fd) }
        for file in ["written", "listener.sock"] { unlink("\(directory)/\(file)") }
        rmdir(directory)
    }

    var pid: String { String(child.processIdentifier) }

    /// Runs lsof and `sockwatch lsof` with `arguments` until their outputs and statuses agree, at most three
    /// times (a descriptor the shell opens for a moment would differ once); returns the last pair.
    func compare(_ arguments: [String]) throws -> (lsof: String, sockwatch: String) {
        var last = ("", "")
        for _ in 0..<3 {
            let lsof = try BinaryRunner.exec(try #require(LsofOracle.path), arguments)
            let sockwatch = try BinaryRunner.run(["lsof"] + arguments)
            #expect(sockwatch.stderr.isEmpty, "sockwatch lsof \(arguments) said: \(sockwatch.stderr)")
            last = (lsof.stdout + "status \(lsof.status)\n", sockwatch.stdout + "status \(sockwatch.status)\n")
            if last.0 == last.1 { break }
        }
        return last
    }

    @Test("-p PID: every file of the process, byte for byte", arguments: [["-nP"], [], ["-n"], ["-nPl"]])
    func everyFile(_ options: [String]) throws {
        let (lsof, sockwatch) = try compare(options + ["-p", pid])
        #expect(sockwatch == lsof)
        // The listing has each kind of file: the comparison is not of two empty tables.
        for kind in [" cwd ", " rtd ", " txt ", " mem ", " DIR ", " REG ", " CHR ", " FIFO ", " unix ", " IPv4 "] {
            #expect(sockwatch.contains(kind), "no \(kind) row in \(sockwatch)")
        }
        for name in ["(deleted)", "[eventfd:", "/dev/null", "/etc/hostname", " netlink ", "(LISTEN)", "(ESTABLISHED)"] {
            #expect(sockwatch.contains(name), "no \(name) in \(sockwatch)")
        }
    }

    @Test(
        "-a -p PID -d: descriptor lists, ranges, names and exclusions",
        arguments: [["-d", "0-2"], ["-d", "cwd,txt"], ["-d", "^mem"], ["-d", "3,5-7,rtd"], ["-d", "^0-2,^mem,^txt"]])
    func descriptors(_ list: [String]) throws {
        let (lsof, sockwatch) = try compare(["-nP", "-a", "-p", pid] + list)
        #expect(sockwatch == lsof)
        #expect(sockwatch.split(separator: "\n").count > 2)
    }

    @Test("-c NAME and -a -c NAME -u root list the child's files")
    func byCommand() throws {
        let (lsof, sockwatch) = try compare(["-nP", "-c", name])
        #expect(sockwatch == lsof)
        #expect(sockwatch.contains(" \(pid) "))
        let user = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        let (lsofAnd, sockwatchAnd) = try compare(["-nP", "-a", "-c", name, "-u", user, "-d", "0-20"])
        #expect(sockwatchAnd == lsofAnd)
    }

    @Test(
        "-F fields of every kind of file",
        arguments: [["-F", "pcuLfaltDdsikPnT"], ["-F", "pfto"], ["-F", "pftso"], ["-F", "pfan0"]])
    func fields(_ fields: [String]) throws {
        let (lsof, sockwatch) = try compare(["-nP", "-p", pid] + fields)
        #expect(sockwatch == lsof)
        #expect(sockwatch.contains("f3"))
    }

    @Test("-t -c NAME: the child's pid once")
    func terse() throws {
        let (lsof, sockwatch) = try compare(["-t", "-c", name])
        #expect(sockwatch == lsof)
        #expect(sockwatch == "\(pid)\nstatus 0\n")
    }

    @Test("-p PID -i without -a: the child's files, then every Internet socket's row lsof lists")
    func orWithSockets() throws {
        let lsof = try BinaryRunner.exec(try #require(LsofOracle.path), ["-nP", "-p", pid, "-i"])
        let sockwatch = try BinaryRunner.run(["lsof", "-nP", "-p", pid, "-i"])
        // Other processes' sockets come and go between the runs: the child's rows are compared, by column.
        #expect(Self.rows(of: pid, in: sockwatch.stdout) == Self.rows(of: pid, in: lsof.stdout))
        #expect(Self.rows(of: pid, in: sockwatch.stdout).contains { $0.contains("REG") })
    }

    @Test("no arguments: every process, the child's rows as lsof lists them")
    func everything() throws {
        let lsof = try BinaryRunner.exec(try #require(LsofOracle.path), ["-nP"])
        let sockwatch = try BinaryRunner.run(["lsof", "-nP"])
        #expect(sockwatch.status == 0)
        // Column widths depend on every other process of the host, which change between the two runs: the
        // child's rows are compared column by column.
        let rows = Self.rows(of: pid, in: sockwatch.stdout)
        #expect(rows == Self.rows(of: pid, in: lsof.stdout))
        #expect(rows.count >= 18)
        #expect(sockwatch.stdout.hasPrefix("COMMAND "))
    }

    @Test("raw, raw6 and packet sockets as lsof reads them from /proc/net")
    func procNetSockets() throws {
        let sockets = [LiveSocket.rawICMP(v6: false), LiveSocket.rawICMP(v6: true), LiveSocket.packet()].compactMap { $0 }
        try #require(!sockets.isEmpty, "no raw or packet socket could be opened (needs CAP_NET_RAW)")
        // At 3 and up in the child, inside `-d 3-99` below: just above ours, they left that range whenever the
        // parallel suite held more than ~96 descriptors in this process, and both listings came out empty.
        let holder = try HoldingChild.sleep(holding: sockets.map(\.fd), from: 3)
        defer { holder.terminate() }
        let pid = String(holder.processIdentifier)
        for arguments in [["-nP", "-a", "-p", pid, "-d", "3-99"], ["-nP", "-a", "-p", pid, "-d", "3-99", "-F", "ftdDoiPn"]] {
            let lsof = try BinaryRunner.exec(try #require(LsofOracle.path), arguments)
            let sockwatch = try BinaryRunner.run(["lsof"] + arguments)
            #expect(sockwatch.stdout == lsof.stdout)
            #expect(sockwatch.lines.count >= sockets.count)
        }
    }

    /// The rows of `pid` in a table, each as its blank-separated words.
    static func rows(of pid: String, in table: String) -> [[Substring]] {
        table.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count > 1 && $0[1] == pid }
    }
}
