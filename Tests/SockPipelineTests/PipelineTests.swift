import Foundation
import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockTestSupport
import Testing

/// Keeps what the pipeline hands over: each row's record, holders and (in holder order) its one holder.
final class RecordingSink: SocketSink {
    struct Row: Equatable {
        var inode: UInt32
        var holders: [Int32]
        var holder: Int32?
        var fd: Int32?
        var uid: UInt32?
        var cgroup: String? = nil
        var container: String? = nil
        var state: SocketState? = nil
    }

    private(set) var rows: [Row] = []
    private(set) var measured = 0
    private(set) var unaccepted = 0
    private(set) var finished = false

    func render(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) throws {
        var holders: [Int32] = []
        join.forEachHolder { holders.append($0.pid) }
        rows.append(Row(
            inode: record.inode, holders: holders, holder: join.holder?.holder.pid, fd: join.holder?.holder.fd,
            uid: join.holder?.uid, cgroup: join.cgroup?.path, container: join.cgroup?.label, state: record.state))
    }

    func measure(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) { measured += 1 }

    func render(unaccepted line: ProcNetUnixLine) throws { unaccepted += 1 }

    func finish() throws { finished = true }
}

/// A /proc of made-up processes in a temporary directory: `PID/comm` and `PID/fd/N -> socket:[INODE]`.
struct FakeProc {
    let root: String

    init(_ holders: [(pid: Int32, fd: Int32, inode: UInt32, command: String)]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sockwatch-proc-\(UUID())").path
        for holder in holders {
            let fdDir = "\(root)/\(holder.pid)/fd"
            try FileManager.default.createDirectory(atPath: fdDir, withIntermediateDirectories: true)
            try Data("\(holder.command)\n".utf8).write(to: URL(fileURLWithPath: "\(root)/\(holder.pid)/comm"))
            try FileManager.default.createSymbolicLink(atPath: "\(fdDir)/\(holder.fd)", withDestinationPath: "socket:[\(holder.inode)]")
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

@Suite struct PipelineTests {
    static func record(inode: UInt32, port: UInt16) -> SocketRecord {
        let local = InetEndpoint(address: IPAddress(family: .inet, high: 0, low: 0x7F00_0001), port: port)
        return SocketRecord(
            netid: .tcp, family: .inet, state: .listen, local: local,
            peer: InetEndpoint(address: IPAddress(family: .inet, high: 0, low: 0), port: 0), inode: inode)
    }

    /// Holder order: one row per selected holder, by pid then descriptor, each measured before any is rendered,
    /// with the uid the selection gave; a socket no holder is selected for has no row.
    @Test func holderOrderSortsSelectsAndMeasures() throws {
        let proc = try FakeProc([
            (900, 12, 1001, "nginx"), (77, 5, 1001, "nginx"), (77, 4, 1002, "nginx"), (900, 3, 1002, "nginx"),
            (500, 7, 1003, "other"),
        ])
        defer { proc.remove() }
        let index = ProcessIndex(procRoot: proc.root)
        var query = SocketQuery(netids: [.tcp], families: [.inet], states: .all)
        query.order = .byHolder
        query.selectHolder = { _, _, holder in holder.command == "nginx" ? UInt32(holder.pid) + 1 : nil }
        let sink = RecordingSink()
        let records = [Self.record(inode: 1001, port: 80), Self.record(inode: 1002, port: 81), Self.record(inode: 1003, port: 82)]
        try SocketPipeline.replay(records, query: query, owners: OwnerTable(index), into: sink)
        #expect(sink.measured == 4)
        #expect(sink.finished)
        #expect(sink.rows.map { [$0.holder!, $0.fd!] } == [[77, 4], [77, 5], [900, 3], [900, 12]])
        #expect(sink.rows.map(\.inode) == [1002, 1001, 1002, 1001])
        #expect(sink.rows.map(\.uid) == [78, 78, 901, 901])
    }

    /// Kernel order: every socket once, as it came, with all its holders from the fake /proc.
    @Test func kernelOrderJoinsEveryHolder() throws {
        let proc = try FakeProc([(900, 12, 1001, "nginx"), (77, 5, 1001, "nginx"), (77, 4, 1002, "nginx")])
        defer { proc.remove() }
        let sink = RecordingSink()
        let query = SocketQuery(netids: [.tcp], families: [.inet], states: .all)
        try SocketPipeline.replay(
            [Self.record(inode: 1002, port: 81), Self.record(inode: 1001, port: 80), Self.record(inode: 9, port: 1)],
            query: query, owners: OwnerTable(ProcessIndex(procRoot: proc.root)), into: sink)
        #expect(sink.rows.map(\.inode) == [1002, 1001, 9])
        #expect(sink.rows.map(\.holders) == [[77], [77, 900], []])
        #expect(sink.rows.allSatisfy { $0.holder == nil })
    }

    /// A live run: the test's own listener comes out of the capture path joined with the test process.
    @Test func aLiveRunJoinsTheTestsOwnListener() throws {
        let listener = LiveSocket.tcpListener(v6: false)
        var query = SocketQuery(netids: [.tcp], families: [.inet], states: StateSet(.listen))
        query.owners = true
        query.expression = try FilterParser.parse(["sport", "=", ":\(listener.localPort)"]).expression
        var notes: [PipelineNote] = []
        let sink = RecordingSink()
        try SocketPipeline { notes.append($0) }.run(query, into: sink)
        let row = try #require(sink.rows.first { UInt64($0.inode) == listener.inode })
        #expect(row.holders.contains(getpid()))
        #expect(sink.rows.count == 1, "only the listener on port \(listener.localPort): \(sink.rows)")
        #expect(notes.allSatisfy { $0.level != .error })
    }

    /// A full `-p` listing holds the dump's first sockets while /proc is read, then streams the rest: the
    /// test's own sockets come out once each, with this process as holder, whether held or streamed.
    @Test(arguments: [0, 1, SocketPipeline.defaultHeldBytes])
    func aFullListingJoinsHeldAndStreamedSockets(heldBytes: Int) throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let listener6 = LiveSocket.tcpListener(v6: true)
        let (client, accepted) = LiveSocket.tcpConnection(to: listener)
        let ours = [listener.inode, listener6.inode, client.inode, accepted.inode]
        var query = SocketQuery(netids: [.tcp], families: [.inet, .inet6], states: .all)
        query.owners = true
        var notes: [PipelineNote] = []
        let sink = RecordingSink()
        try SocketPipeline(heldBytes: heldBytes) { notes.append($0) }.run(query, into: sink)
        for inode in ours {
            let rows = sink.rows.filter { UInt64($0.inode) == inode }
            #expect(rows.count == 1, "inode \(inode) listed \(rows.count) times (held \(heldBytes) bytes)")
            #expect(rows.first?.holders.contains(getpid()) == true, "inode \(inode): \(rows)")
        }
        let inodes = sink.rows.map(\.inode).filter { $0 != 0 }  // time-wait and request sockets have none
        #expect(Set(inodes).count == inodes.count, "a socket listed twice")
        #expect(notes.allSatisfy { $0.level != .error })
        withExtendedLifetime((listener, listener6, client, accepted)) {}
    }

    /// A narrowed `-p` listing streams too: a dump that fits in the hold is joined after a /proc read that
    /// stops early, one that outgrows it (0 or 1 byte held) after a full read; either way each of the test's
    /// established sockets comes out once, with this process as holder, and its listener not at all.
    @Test(arguments: [0, 1, SocketPipeline.defaultHeldBytes])
    func aNarrowedListingJoinsHeldAndStreamedSockets(heldBytes: Int) throws {
        let listener = LiveSocket.tcpListener(v6: false)
        let (client, accepted) = LiveSocket.tcpConnection(to: listener)
        var query = SocketQuery(netids: [.tcp], families: [.inet], states: StateSet(.established))
        query.owners = true
        #expect(query.isNarrowed)
        var notes: [PipelineNote] = []
        let sink = RecordingSink()
        try SocketPipeline(heldBytes: heldBytes) { notes.append($0) }.run(query, into: sink)
        for inode in [client.inode, accepted.inode] {
            let rows = sink.rows.filter { UInt64($0.inode) == inode }
            #expect(rows.count == 1, "inode \(inode) listed \(rows.count) times (held \(heldBytes) bytes)")
            #expect(rows.first?.holders.contains(getpid()) == true, "inode \(inode): \(rows)")
        }
        #expect(!sink.rows.contains { UInt64($0.inode) == listener.inode }, "the listener is not established")
        #expect(sink.rows.allSatisfy { $0.state == .established })
        #expect(notes.allSatisfy { $0.level != .error })
        withExtendedLifetime((listener, client, accepted)) {}
    }

    /// `--pid` of processes that do not exist: a typed error, not a print.
    @Test func aSelectionOfGonePidsIsATypedError() throws {
        var query = SocketQuery(netids: [.tcp], families: [.inet], states: .all)
        query.selection = ProcessSelection(pids: [2_147_483_600])
        #expect(throws: PipelineError.self) { try SocketPipeline { _ in }.run(query, into: RecordingSink()) }
    }

    /// Notes print as the CLI shows them.
    @Test func notesSayTheirLevel() {
        #expect(PipelineNote(.note, "x").description == "note: x")
        #expect(PipelineNote(.warning, "y").description == "warning: y")
        #expect(PipelineNote(.error, "no process with pid 5").description == "no process with pid 5")
    }
}
