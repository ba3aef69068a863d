import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockRender
import CommandSupport

/// `sockwatch lsof [options]`: lsof, line for line, on sockwatch's pipeline and /proc. With `-i`/`-U` alone (or
/// ANDed with the rest) only sockets are listed, through the socket pipeline; otherwise every file of each
/// selected process (`LsofFileListing`). A UNIX socket's DEVICE (kernel address) and state come from
/// `/proc/net/unix`, as lsof reads them: sock_diag does not report them (`SocketQuery.unixLines`).
///
/// The arguments are lsof's, parsed as lsof parses them (`LsofArguments`); the selection follows lsof's rules
/// (`LsofSelection`); the output is lsof's table, `-t` or `-F` (`LsofRenderer`, `LsofFileRenderer`).
struct LsofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsof",
        abstract: "lsof's selection and output: every open file, or the sockets of -i and -U.",
        usage: "sockwatch lsof [-alnPtQUV] [-i [i]] [-s p:s] [-c c] [+c w] [-p s] [-u s] [-d s] [-T [t]] [-F f]",
        discussion: """
            Lists open files with their processes as lsof 4.95 does: the same columns
            (COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME), widths and order
            (by pid, then cwd, rtd, txt, mem, descriptors), one line per file.

            Every file: 'sockwatch lsof -p 812' lists the working and root
            directories, the program (txt), its mapped files (mem, DEL when deleted)
            and each descriptor with its access (0r 1w 3u) and lock (from
            /proc/locks): REG DIR CHR FIFO a_inode, sockets (IPv4 IPv6 unix netlink
            raw raw6 icmp pack, sock for others), with size (files) or offset (0t...,
            devices, pipes, sockets). With no selection every process is listed, and each thread's
            files after its process's (TID, TASKCMD), as lsof does: 'sockwatch lsof
            | grep host'. Files sockwatch cannot read show lsof's notes:
            /proc/1/fd/3 (readlink: Permission denied), NOFD (opendir: ...).

            Sockets only: -i and -U, alone or with -a, list sockets, as before.
            UNIX sockets: TYPE unix, DEVICE the kernel address from /proc/net/unix,
            NODE the inode, NAME the path (lsof's: up to a blank or a colon), then
            type=STREAM and the state: (LISTEN), (CONNECTED), (UNCONNECTED)...

            Selection (without -a, any selection lists a file; with -a, all must):
              -i [46][PROTO][@HOST|@ADDR|@[ADDR6]][:SERVICE|PORT[-PORT][,...]]
                  repeatable; PROTO is TCP, UDP or UDPLITE; bare -i: every Internet
                  socket; -i4, -i6: every IPv4, IPv6 socket
              -U  every UNIX domain socket
              -s TCP:STATE[,^STATE]...
                  include (or ^ exclude) the states ESTABLISHED SYN_SENT SYN_RECV
                  FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN
                  CLOSING; as in lsof they apply to UDP too (unconnected UDP: CLOSE)
              -c NAME, -c ^NAME, -c /REGEX/[bix]
                  command begins with NAME, is excluded, or matches a POSIX regex
              -p PID[,^PID]...    select or exclude processes
              -u USER[,^USER]...  select or exclude login names or uids
              -d FDS              descriptors: 0-2,5,cwd,txt,mem,DEL,NOFD, or all
                                  excluded: ^mem,^0-2 (e.g. -a -p 812 -d 0-2)
              -a                  AND the selections

            Output:
              -n   numeric addresses         -P     numeric ports
              -l   numeric uids              +c W   COMMAND width (9; 0: all)
              -t   pids only, each once      -T [qs] after NAME: s state (default),
                                                    q queues; -T alone: nothing
              -F FIELDS  p c u L K f a l t d D s o i k P n T (T: ST= QR= QS=),
                         0: NUL ends; o alone: offsets, s alone: sizes
              -V   name the search items not found
              -Q   exit 0 even when some were not found
              --version  sockwatch's version (lsof's -v is refused)
              -b -O -S [t] -w +w -M   accepted: nothing here blocks or warns

            Exit status, as lsof's: 1 when a pid, command, -i address or -s state
            asked for was not found (or, with no selection, nothing was listed).

            Names: without -n, addresses are named by the system resolver (NSS:
            /etc/hosts, DNS...), 64 lookups at a time, each given 1 s and all 2 s;
            names that come later print as numbers, with one note. Without -P, ports
            are named from /etc/services. -i @HOST asks the resolver for every IPv4
            and IPv6 address of HOST (2 s at most; no address: exit 2). Bare -i
            lists TCP and UDP; UDP-Lite only with -iUDPLITE.

            Differences: SCTP, AX.25 and IPX sockets show as sock with the kernel's
            protocol name (lsof prints their /proc/net lines).

            Refused, with a pointer to an equivalent (exit status 2): file and
            directory names, +d +D, -r +r (use watch), -N -X -K -R -g -o -L -f -E
            +E -e -x -Z -m +M -v -Tf, -s without a state list, and the -F fields
            g R G.
            """)

    @Argument(
        parsing: .captureForPassthrough,
        help: ArgumentHelp("lsof's options, as described above.", valueName: "lsof-options"),
        completion: DialectCompletion.lsof)
    var arguments: [String] = []

    func run() throws {
        if arguments.contains("--help") {
            print(Self.helpMessage())
            return
        }
        // lsof takes its character set from the environment (setlocale), which decides how -F c prints.
        setlocale(LC_CTYPE, "")
        let names = LsofLazyResolver { NameFiles.load() }
        let options = try LsofArguments.parse(arguments, resolver: names)
        if options.help {
            print(Self.helpMessage())
            return
        }
        if options.fieldHelp {
            print(Self.fieldHelp)
            return
        }

        var render = LsofRenderOptions()
        render.output = options.output
        render.fields = options.fields.union(.pid)
        // lsof's -F o shows offsets only, -F s (without o) sizes only.
        if options.output == .fields {
            render.sizes = options.fields.contains(.offset) ? .offsets : options.fields.contains(.size) ? .sizes : .mixed
        }
        render.nulTerminated = options.nulTerminated
        render.commandWidth = options.commandWidth
        render.tcpState = options.tcpState
        render.tcpQueues = options.tcpQueues
        render.multibyte = __ctype_get_mb_cur_max() > 1
        if !options.numericPorts {
            render.names = names.files.names(hosts: false, ports: true)
        }
        // Without -n, host names come from the system resolver, as lsof's do, many at a time and within the
        // standard deadlines (HostNames.Deadlines.standard).
        let hostNames = options.numericHosts ? nil : HostNames()
        render.names.resolved = hostNames

        let processes = LsofProcesses()
        let selection = LsofSelection(options, processes: processes)
        let out = OutputBuffer(fd: 1)
        if !selection.socketsOnly {
            // Every file of the selected processes, sockets among them.
            let renderer = LsofFileRenderer(out: out, options: render)
            let listing = LsofFileListing(
                options: options, selection: selection, processes: processes, hostNames: hostNames,
                offsets: render.sizes == .offsets)
            try listing.run(into: renderer)
            try Self.exit(options, selection, listed: renderer.filesListed, out: out)
            return
        }
        let renderer = LsofRenderer(out: out, options: render)
        var query = selection.query
        query.hostNames = hostNames
        if let selected = selection.prescan() {
            query.selection = ProcessSelection(pids: selected)
            if selected.isEmpty {
                try renderer.finish()
            } else {
                try SocketPipeline(report: Stderr.note).run(query, into: renderer)
            }
        } else {
            try SocketPipeline(report: Stderr.note).run(query, into: renderer)
        }

        try Self.exit(options, selection, listed: renderer.filesListed, out: out)
    }

    /// lsof's status: 1 when a search item was not found (-Q: never), or when nothing at all was listed
    /// without a selection; `-V` names the items.
    static func exit(_ options: LsofOptions, _ selection: LsofSelection, listed: Int, out: OutputBuffer) throws {
        guard !options.ignoreFailedSearch else { return }
        let failures = selection.failures
        if options.verbose {
            for failure in failures { out.append("sockwatch: \(failure)\n") }
            try out.flush()
        }
        if !failures.isEmpty || (selection.kinds.isEmpty && listed == 0) { throw ExitCode(1) }
    }

    static let fieldHelp = """
        Fields of 'sockwatch lsof -F' (p is always written):
          p  process ID          c  command name        u  user ID             L  login name
          K  thread ID (a thread's set of files)         f  file descriptor     a  access (r w u)
          l  lock (r R w W, or a space)                  t  type (REG, DIR, CHR, IPv4, unix...)
          d  a socket's DEVICE (an Internet socket's inode, a UNIX socket's kernel address)
          D  device number (0xfe00)  s  size          o  offset (0t0)        i  inode
          k  link count          P  protocol (TCP, UDP)  n  name: path, addresses, UNIX path and type
          T  TCP info: ST=state, QR=receive queue, QS=send queue (UNIX sockets: ST= only)
          0  NUL after each field instead of a newline
          M S  accepted: nothing is written for them
        """
}
