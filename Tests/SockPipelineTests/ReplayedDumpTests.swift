import ProcIndex
import SockDiag
import SockFuzz
import SockPipeline
import Testing

/// The whole pipeline on a fake batch source (the kernel's replies built with SockFuzz's builders) and a fake
/// /proc: decode, retries, capture, join, filter and notes, with no kernel and no real process involved.
@Suite struct ReplayedDumpTests {
    /// A TCP socket of 127.0.0.1:`port` with `inode` and a distinct cookie.
    static func socket(port: UInt16, peer: UInt16 = 0, state: UInt8, inode: UInt32) -> InetDiagMessage {
        var message = InetDiagMessage()
        message.state = state
        message.sourcePort = port
        message.destinationPort = peer
        message.source = [127, 0, 0, 1] + [UInt8](repeating: 0, count: 12)
        message.destination = peer == 0 ? [UInt8](repeating: 0, count: 16) : message.source
        message.cookie = UInt64(inode) << 8
        message.inode = inode
        return message
    }

    /// One batch of `sockets` and its `NLMSG_DONE`; every message flagged `NLM_F_DUMP_INTR` when `interrupted`.
    static func batch(_ sockets: [InetDiagMessage], interrupted: Bool = false) -> [UInt8] {
        var builder = BatchBuilder()
        let flags = Wire.multi | (interrupted ? Wire.dumpInterrupted : 0)
        for socket in sockets { builder.socket(socket, flags: flags) }
        builder.done()
        return builder.bytes
    }

    static let table = [
        socket(port: 80, state: 10, inode: 1001),  // TCP_LISTEN
        socket(port: 80, peer: 40000, state: 1, inode: 1002),
        socket(port: 40000, peer: 80, state: 1, inode: 1003),
        socket(port: 22, state: 10, inode: 1004),
    ]

    static let holders: [(pid: Int32, fd: Int32, inode: UInt32, command: String)] = [
        (77, 3, 1001, "nginx"), (77, 9, 1002, "nginx"), (900, 3, 1001, "nginx"), (500, 4, 1003, "curl"),
    ]

    func run(
        _ query: SocketQuery, batches: @escaping (DiagRequest) throws -> [[UInt8]]
    ) throws -> (rows: [RecordingSink.Row], notes: [PipelineNote]) {
        let proc = try FakeProc(Self.holders)
        defer { proc.remove() }
        var notes: [PipelineNote] = []
        let sink = RecordingSink()
        let client = try DiagClient(replaying: batches)
        try SocketPipeline(procRoot: proc.root, clients: [client]) { notes.append($0) }.run(query, into: sink)
        #expect(sink.finished)
        return (sink.rows, notes)
    }

    static var tcp4: SocketQuery { SocketQuery(netids: [.tcp], families: [.inet], states: .all) }

    @Test func aCapturedDumpIsJoinedWithEveryHolder() throws {
        var query = Self.tcp4
        query.owners = true
        let (rows, notes) = try run(query) { _ in [Self.batch(Self.table)] }
        #expect(rows.map(\.inode) == [1001, 1002, 1003, 1004])
        #expect(rows.map(\.holders) == [[77, 900], [77], [500], []])
        #expect(notes.isEmpty, "\(notes)")
    }

    @Test func aStreamedDumpHasNoOwners() throws {
        // Two datagrams: the first ends without NLMSG_DONE, as a long dump's do.
        var first = BatchBuilder()
        for socket in Self.table.prefix(2) { first.socket(socket) }
        let (rows, _) = try run(Self.tcp4) { _ in [first.bytes, Self.batch(Array(Self.table.suffix(2)))] }
        #expect(rows.map(\.inode) == [1001, 1002, 1003, 1004])
        #expect(rows.allSatisfy { $0.holders.isEmpty })
    }

    /// Without the kernel's bytecode (the replay ignores it) the Swift stage alone applies the filter.
    @Test func theSwiftFilterStageSelects() throws {
        var query = Self.tcp4
        query.owners = true
        query.kernelFilter = false
        query.expression = try FilterParser.parse(["sport", "=", ":80"]).expression
        let (rows, _) = try run(query) { _ in [Self.batch(Self.table)] }
        #expect(rows.map(\.inode) == [1001, 1002])
    }

    @Test func aProcessSelectionKeepsOnlyItsSockets() throws {
        var query = Self.tcp4
        query.selection = ProcessSelection(pids: [77, 2_000_000])
        let (rows, notes) = try run(query) { _ in [Self.batch(Self.table)] }
        #expect(rows.map(\.inode) == [1001, 1002])
        #expect(rows.map(\.holders) == [[77], [77]])  // only the selected process is read
        #expect(notes == [PipelineNote(.error, "no process with pid 2000000")])
    }

    /// An interrupted dump is run again and no socket is delivered twice; one that stays interrupted is kept
    /// with a warning.
    @Test func interruptedDumpsAreRetriedThenWarned() throws {
        var calls = 0
        let once = try run(Self.tcp4) { _ in
            calls += 1
            return [Self.batch(Self.table, interrupted: calls == 1)]
        }
        #expect(calls == 2)
        #expect(once.rows.map(\.inode) == [1001, 1002, 1003, 1004])
        #expect(once.notes.isEmpty)

        let always = try run(Self.tcp4) { _ in [Self.batch(Self.table, interrupted: true)] }
        #expect(always.rows.map(\.inode) == [1001, 1002, 1003, 1004])
        #expect(always.notes.count == 1 && always.notes[0].level == .warning, "\(always.notes)")
    }

    /// A kernel that refuses a family it lacks: skipped, with a note only when it was named.
    @Test func anUnsupportedKindIsANoteWhenNamed() throws {
        var query = SocketQuery(netids: [.tcp, .sctp], families: [.inet], states: .all)
        query.explicitNetids = [.sctp]
        let (rows, notes) = try run(query) { request in
            guard request.netid == .tcp else {
                var refused = BatchBuilder()
                refused.error(code: -95)  // EOPNOTSUPP
                return [refused.bytes]
            }
            return [Self.batch(Self.table)]
        }
        #expect(rows.count == 4)
        #expect(notes.count == 1 && notes[0].message.hasPrefix("no sctp sockets listed"), "\(notes)")
    }
}
