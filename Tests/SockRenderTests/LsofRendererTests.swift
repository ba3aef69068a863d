import Foundation
import ProcIndex
import SockPipeline
import Testing
@testable import SockDiag
@testable import SockRender

/// lsof's table, `-t` and `-F` output, on records and processes built by hand. The expected lines are what
/// lsof 4.95 printed for the same sockets and names (see LsofDialectTests for the live comparison).
@Suite struct LsofRendererTests {
    /// A /proc with several processes holding sockets.
    struct Proc {
        let root: String
        let index: ProcessIndex

        init(_ entries: [(pid: Int32, fd: Int32, inode: UInt64, command: String)]) throws {
            var template = Array("\(NSTemporaryDirectory())/sockwatch-lsof-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
            root = String(cString: made)
            for entry in entries {
                let fdDir = "\(root)/\(entry.pid)/fd"
                try FileManager.default.createDirectory(atPath: fdDir, withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(
                    atPath: "\(fdDir)/\(entry.fd)", withDestinationPath: "socket:[\(entry.inode)]")
                try (entry.command + "\n").write(
                    toFile: "\(root)/\(entry.pid)/comm", atomically: false, encoding: .utf8)
            }
            index = ProcessIndex(procRoot: root, pids: Array(Set(entries.map(\.pid))))
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    static func endpoint(_ address: String, _ port: UInt16) -> InetEndpoint {
        InetEndpoint(address: IPAddress(address)!, port: port)
    }

    static func record(
        _ netid: NetID, _ local: InetEndpoint, _ peer: InetEndpoint, _ state: SocketState, inode: UInt32,
        recvQ: UInt32 = 0, sendQ: UInt32 = 0
    ) -> SocketRecord {
        SocketRecord(
            netid: netid, family: local.address.family, state: state, local: local, peer: peer, recvQ: recvQ,
            sendQ: sendQ, inode: inode)
    }

    static let listener = record(
        .tcp, endpoint("127.0.0.1", 37215), endpoint("0.0.0.0", 0), .listen, inode: 5_569_334, recvQ: 1, sendQ: 128)
    static let client = record(
        .tcp, endpoint("127.0.0.1", 53966), endpoint("127.0.0.1", 37215), .established, inode: 5_569_335, recvQ: 3,
        sendQ: 4)
    static let listener6 = record(.tcp, endpoint("::1", 46259), endpoint("::", 0), .listen, inode: 5_569_337)
    static let wildcard6 = record(.tcp, endpoint("::", 40929), endpoint("::", 0), .listen, inode: 5_569_338)
    static let udp = record(.udp, endpoint("127.0.0.1", 45008), endpoint("0.0.0.0", 0), .close, inode: 5_569_340)
    static let udpConnected = record(
        .udp, endpoint("127.0.0.1", 55966), endpoint("127.0.0.1", 45008), .established, inode: 5_569_341)
    static let mapped = record(
        .tcp, endpoint("::ffff:127.0.0.1", 53976), endpoint("::ffff:127.0.0.1", 37215), .established,
        inode: 5_569_345)
    static let all = [listener, client, listener6, wildcard6, udp, udpConnected, mapped]

    /// Renders `records` held as `holders` say; every holder is selected, as uid 0, unless `select` says otherwise.
    static func render(
        _ records: [SocketRecord], holders: [(pid: Int32, fd: Int32, inode: UInt64, command: String)],
        options: LsofRenderOptions = LsofRenderOptions(),
        select: @escaping (LsofSocket, SocketHolder) -> UInt32? = { _, _ in 0 }
    ) throws -> String {
        let proc = try Proc(holders)
        defer { proc.remove() }
        let out = OutputBuffer(fd: nil)
        // The pipeline orders the rows, asks the selection for each holder's uid and joins its login name.
        let renderer = LsofRenderer(out: out, options: options)
        var query = SocketQuery(netids: [.tcp, .udp], families: [.inet, .inet6], states: .all)
        query.order = .byHolder
        query.names = .holderLogins
        query.selectHolder = { record, _, holder in select(LsofSocket(record), holder) }
        try SocketPipeline.replay(records, query: query, owners: OwnerTable(proc.index), into: renderer)
        return out.text
    }

    /// Each of `all` held by one python3 process at descriptors 3, 4, 6… as in the live run.
    static let python: [(pid: Int32, fd: Int32, inode: UInt64, command: String)] = [
        (23232, 3, 5_569_334, "python3"), (23232, 4, 5_569_335, "python3"), (23232, 6, 5_569_337, "python3"),
        (23232, 7, 5_569_338, "python3"), (23232, 9, 5_569_340, "python3"), (23232, 11, 5_569_341, "python3"),
        (23232, 15, 5_569_345, "python3"),
    ]

    // MARK: - Table

    @Test func tableMatchesLsof() throws {
        let text = try Self.render(Self.all, holders: Self.python)
        #expect(
            text == """
                COMMAND   PID USER   FD   TYPE  DEVICE SIZE/OFF NODE NAME
                python3 23232 root    3u  IPv4 5569334      0t0  TCP 127.0.0.1:37215 (LISTEN)
                python3 23232 root    4u  IPv4 5569335      0t0  TCP 127.0.0.1:53966->127.0.0.1:37215 (ESTABLISHED)
                python3 23232 root    6u  IPv6 5569337      0t0  TCP [::1]:46259 (LISTEN)
                python3 23232 root    7u  IPv6 5569338      0t0  TCP *:40929 (LISTEN)
                python3 23232 root    9u  IPv4 5569340      0t0  UDP 127.0.0.1:45008 \n\
                python3 23232 root   11u  IPv4 5569341      0t0  UDP 127.0.0.1:55966->127.0.0.1:45008 \n\
                python3 23232 root   15u  IPv6 5569345      0t0  TCP 127.0.0.1:53976->127.0.0.1:37215 (ESTABLISHED)

                """)
    }

    @Test func nothingSelectedPrintsNothing() throws {
        let text = try Self.render(Self.all, holders: Self.python) { _, _ in nil }
        #expect(text.isEmpty)
    }

    @Test func sharedSocketsListEveryHolderSortedByPidThenDescriptor() throws {
        let holders: [(pid: Int32, fd: Int32, inode: UInt64, command: String)] = [
            (900, 12, 5_569_334, "nginx"), (77, 5, 5_569_334, "nginx"), (77, 4, 5_569_340, "nginx"),
            (900, 3, 5_569_340, "nginx"),
        ]
        let lines = try Self.render([Self.udp, Self.listener], holders: holders).split(separator: "\n")
        let pidAndFD = lines.map { line -> String in
            let words = line.split(separator: " ")
            return "\(words[1])/\(words[3])"
        }
        #expect(pidAndFD == ["PID/FD", "77/4u", "77/5u", "900/3u", "900/12u"])
    }

    @Test func descriptorsAboveNineThousandNineHundredNinetyNineAsLsof495() throws {
        let holders: [(pid: Int32, fd: Int32, inode: UInt64, command: String)] = [
            (14291, 9999, 5_569_334, "x"), (14291, 10000, 5_569_334, "x"), (14291, 19999, 5_569_334, "x"),
        ]
        let lines = try Self.render([Self.listener], holders: holders).split(separator: "\n")
        #expect(lines.dropFirst().map { String($0.dropFirst(19).prefix(5)) } == ["9999u", "*000u", "*999u"])
        var options = LsofRenderOptions()
        options.output = .fields
        options.fields = [.pid, .fd]
        let fields = try Self.render([Self.listener], holders: holders, options: options)
        #expect(fields == "p14291\nf9999\nf*000\nf*999\n")
    }

    @Test func commandNamesAreEscapedAndCutAsLsofDoes() throws {
        // lsof 4.95 on a process named "a b\tc\\d\x01é" + "xyz" (13 bytes): the live output.
        let name = "a b\tc\\d\u{1}\u{e9}xyz"
        let holders: [(pid: Int32, fd: Int32, inode: UInt64, command: String)] = [
            (14291, 3, 5_569_334, name), (14293, 3, 5_569_335, "verylongcommand"),
        ]
        func commands(_ width: Int) throws -> [String] {
            var options = LsofRenderOptions()
            options.commandWidth = width
            let lines = try Self.render([Self.listener, Self.client], holders: holders, options: options)
                .split(separator: "\n")
            return lines.map { line in String(line.prefix { $0 != "1" && $0 != "P" }) }
        }
        func header(_ spaces: Int) -> String { "COMMAND" + String(repeating: " ", count: spaces) }
        #expect(try commands(9) == [header(5), "a\\x20b\\tc ", "verylongc "])
        // safestrlen counts the two bytes of é as 2 columns each: 21 in all; \xa9 (4) no longer fits.
        #expect(try commands(0) == [header(17), "a\\x20b\\tc\\\\d^A\\xc3    ", "verylongcommand       "])
        #expect(try commands(3) == [header(3), "a\\x20b  ", "verylon "])
    }

    @Test func unknownUsersAreNumbersInEightColumns() throws {
        try #require(getpwuid(4242) == nil, "uid 4242 has a login name on this machine")
        let text = try Self.render([Self.listener], holders: [(13493, 3, 5_569_334, "python3")]) { _, _ in
            4242
        }
        #expect(
            text == """
                COMMAND   PID     USER   FD   TYPE  DEVICE SIZE/OFF NODE NAME
                python3 13493     4242    3u  IPv4 5569334      0t0  TCP 127.0.0.1:37215 (LISTEN)

                """)
    }

    @Test func tcpInfoVariants() throws {
        func names(tcpState: Bool, tcpQueues: Bool) throws -> [String] {
            var options = LsofRenderOptions()
            options.tcpState = tcpState
            options.tcpQueues = tcpQueues
            let text = try Self.render(
                [Self.listener, Self.client, Self.udp], holders: Array(Self.python.prefix(2)) + [Self.python[4]],
                options: options)
            return text.split(separator: "\n").dropFirst().map { String($0.split(separator: " ", maxSplits: 8)[8]) }
        }
        #expect(try names(tcpState: false, tcpQueues: false) == [
            "127.0.0.1:37215", "127.0.0.1:53966->127.0.0.1:37215", "127.0.0.1:45008",
        ])
        // The listener's send queue is the backlog to the kernel, 0 in /proc/net/tcp and lsof.
        #expect(try names(tcpState: true, tcpQueues: true) == [
            "127.0.0.1:37215 (LISTEN QR=1 QS=0)", "127.0.0.1:53966->127.0.0.1:37215 (ESTABLISHED QR=3 QS=4)",
            "127.0.0.1:45008 (QR=0 QS=0)",
        ])
        #expect(try names(tcpState: false, tcpQueues: true)[0] == "127.0.0.1:37215 (QR=1 QS=0)")
    }

    @Test func namesFromTheTablesGiven() throws {
        var options = LsofRenderOptions()
        options.names = LsofNames(
            hosts: [IPAddress("127.0.0.1")!: "localhost"], tcpServices: [37215: "weird-svc"],
            udpServices: [45008: "udp-svc"])
        let text = try Self.render([Self.client, Self.listener6, Self.udp], holders: Self.python, options: options)
        let names = text.split(separator: "\n").dropFirst().map { String($0.split(separator: " ", maxSplits: 8)[8]) }
        #expect(names == [
            "localhost:53966->localhost:weird-svc (ESTABLISHED)", "[::1]:46259 (LISTEN)", "localhost:udp-svc ",
        ])
    }

    // MARK: - -t and -F

    @Test func pidsOnceEachAscending() throws {
        var options = LsofRenderOptions()
        options.output = .pids
        let holders: [(pid: Int32, fd: Int32, inode: UInt64, command: String)] = [
            (900, 3, 5_569_334, "a"), (77, 5, 5_569_334, "b"), (900, 4, 5_569_340, "a"),
        ]
        #expect(try Self.render([Self.listener, Self.udp], holders: holders, options: options) == "77\n900\n")
    }

    @Test func fieldsInLsofsOrder() throws {
        var options = LsofRenderOptions()
        options.output = .fields
        options.fields = [.tcpInfo, .name, .command, .pid, .uid, .login, .fd, .access, .lock, .type, .device,
            .offset, .protocolName]
        options.tcpQueues = true
        let text = try Self.render([Self.listener, Self.udp], holders: [Self.python[0], Self.python[4]], options: options)
        #expect(
            text == """
                p23232
                cpython3
                u0
                Lroot
                f3
                au
                l\u{20}
                tIPv4
                d5569334
                o0t0
                PTCP
                n127.0.0.1:37215
                TST=LISTEN
                TQR=1
                TQS=0
                f9
                au
                l\u{20}
                tIPv4
                d5569340
                o0t0
                PUDP
                n127.0.0.1:45008
                TQR=0
                TQS=0

                """)
    }

    @Test func nulTerminatedFieldsEndEachSetWithANewline() throws {
        var options = LsofRenderOptions()
        options.output = .fields
        options.fields = [.pid, .command, .name]
        options.nulTerminated = true
        let text = try Self.render([Self.listener], holders: [Self.python[0]], options: options)
        #expect(text == "p23232\0cpython3\0\nn127.0.0.1:37215\0\n")
    }

    @Test func fieldCommandKeepsSpacesAndPrintableUTF8InAUTF8Locale() throws {
        var options = LsofRenderOptions()
        options.output = .fields
        options.fields = [.command]
        let holders: [(pid: Int32, fd: Int32, inode: UInt64, command: String)] = [(1, 3, 5_569_334, "a b\t\u{e9}\\")]
        #expect(try Self.render([Self.listener], holders: holders, options: options) == "p1\nca b\\t\\xc3\\xa9\\\\\n")
        options.multibyte = true
        #expect(try Self.render([Self.listener], holders: holders, options: options) == "p1\nca b\\t\u{e9}\\\\\n")
    }

    // MARK: - Pieces

    @Test func mappedAddressesShowAsIPv4() {
        let socket = LsofSocket(Self.mapped)
        #expect(socket.typeName == "IPv6")
        let ends = socket.ends
        #expect(ends.family == .inet)
        #expect(ends.local == Self.endpoint("127.0.0.1", 53976))
        #expect(ends.peer == Self.endpoint("127.0.0.1", 37215))
        let wildcard = LsofSocket(Self.wildcard6).ends
        #expect(wildcard.family == .inet6 && wildcard.peer == nil && wildcard.local?.port == 40929)
    }

    @Test func safeTextWidthsFollowLsof() {
        #expect(LsofText.width("python3", spaceIsUnprintable: true) == 7)
        #expect(LsofText.width("a b", spaceIsUnprintable: true) == 6)
        #expect(LsofText.width("a b", spaceIsUnprintable: false) == 3)
        #expect(LsofText.width("\u{7f}\u{1}\\", spaceIsUnprintable: false) == 8)
        #expect(LsofText.width("\u{e9}", spaceIsUnprintable: false) == 4)  // two bytes, 2 each
        let out = OutputBuffer(fd: nil)
        LsofText.appendPadded("\u{8}\u{c}\n\r\t\u{1b}\u{7f}", width: 30, spaceIsUnprintable: true, to: out)
        #expect(out.text == "\\b\\f\\n\\r\\t^[\\x7f" + String(repeating: " ", count: 14))
    }
}
