import ArgumentParser
import CommandSupport
import Glibc
import SockDiag
import SockPipeline
import SockRender
import SystemPackage

/// `sockwatch --kill [filter]`: lists the matching TCP sockets, asks, then destroys each one with `SOCK_DESTROY`.
///
/// The table (or NDJSON) goes to stdout as for a listing, then one result line per socket, also on stdout:
/// `killed tcp 127.0.0.1:40000 -> 127.0.0.1:5555 cookie 1234: ok`, `failed … : EPERM (…)` or `gone … : ENOENT (…)`.
/// The exit status is 1 when any socket could not be destroyed (a socket already gone, ENOENT, is not a failure).
struct SocketKill {
    var listing: SocketListing
    var assumeYes: Bool

    func run() throws {
        let selection = listing.selection
        let tcp = try selection.transports(
            allowed: [.tcp], defaults: [.tcp], reason: "--kill destroys TCP sockets only: name no other family (-u, -x, -M, -A…)")
        if listing.namespaces.netns != nil || listing.namespaces.allNetns {
            throw ValidationError("--kill acts in sockwatch's own network namespace only: leave out --netns/--all-netns")
        }
        if listing.filter.explain { throw ValidationError("--kill and --explain cannot be combined") }
        var query = try listing.query()
        guard query.expression != .all || !query.selection.isEmpty else {
            throw ValidationError(
                "--kill needs a filter (an expression, --port/--sport/--dport/--src/--dst, or --pid/--command/--user)")
        }
        query.netids = tcp

        let collector = CollectingRenderer(listing.renderer(for: query))
        try SocketPipeline(report: Stderr.note).run(query, into: collector)
        let victims = collector.records
        guard !victims.isEmpty else {
            Stderr.line("note: no socket matches; nothing killed")
            return
        }
        if !assumeYes { try confirm(victims.count) }

        let destroyer = try SocketDestroyer()
        let out = OutputBuffer(fd: 1)
        var failed = 0
        for record in victims {
            var failure: Errno?
            do {
                try destroyer.destroy(record)
            } catch let error as DiagError {
                failure = error.errno ?? .ioError
            }
            // The line's first word is the outcome, so `grep ^killed` finds only sockets that were destroyed.
            switch failure {
            case nil: out.append("killed ")
            case .noSuchFileOrDirectory?: out.append("gone ")
            default: out.append("failed ")
            }
            out.append(record.netid.rawValue)
            out.append(0x20)
            out.append(endpoint: record.local)
            out.append(" -> ")
            out.append(endpoint: record.peer)
            out.append(" cookie ")
            out.append(decimal: record.cookie)
            out.append(": ")
            if let errno = failure {
                out.append(errnoName(errno))
                switch errno {
                case .noSuchFileOrDirectory: out.append(" (already gone)\n")
                case .notSupported: out.append(" (this kernel lacks CONFIG_INET_DIAG_DESTROY)\n")
                case .notPermitted: out.append(" (needs CAP_NET_ADMIN: run as root)\n")
                default: out.append(0x0A)
                }
                if errno != .noSuchFileOrDirectory { failed += 1 }
            } else {
                out.append("ok\n")
            }
            try out.flushIfFull()
        }
        try out.flush()
        if failed > 0 { throw ExitCode(1) }
    }

    /// Asks on the terminal (stdin when it is one, else /dev/tty); without a terminal, refuses (exit 2).
    private func confirm(_ count: Int) throws {
        let input: Int32
        var opened: Int32 = -1
        if isatty(0) == 1 {
            input = 0
        } else {
            opened = open("/dev/tty", O_RDWR | O_CLOEXEC)
            guard opened >= 0 else {
                throw CommandFailure("--kill asks for confirmation on a terminal and there is none: add --yes", status: 2)
            }
            input = opened
        }
        defer { if opened >= 0 { close(opened) } }
        var prompt = "Kill \(count) socket\(count == 1 ? "" : "s")? [y/N] "
        prompt.withUTF8 { _ = write(input == 0 ? 2 : input, $0.baseAddress, $0.count) }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while answer.count < 64 {
            let n = read(input, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || byte == 0x0A { break }
            answer.append(byte)
        }
        let word = String(decoding: answer.filter { $0 > 0x20 }, as: UTF8.self).lowercased()
        guard word == "y" || word == "yes" else {
            throw CommandFailure("nothing killed", status: 1)
        }
    }
}

/// Hands each socket to the listing's renderer and keeps a copy to act on.
final class CollectingRenderer: SocketSink {
    let inner: any SocketSink
    private(set) var records: [SocketRecord] = []

    init(_ inner: any SocketSink) { self.inner = inner }

    func render(_ record: borrowing SocketRecord, _ join: borrowing SocketJoin) throws {
        try inner.render(record, join)
        records.append(copy record)
    }

    func finish() throws { try inner.finish() }
}
