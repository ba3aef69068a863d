import ArgumentParser
import CommandSupport
import Glibc
import ProcIndex
import SockPipeline
import SockRender

/// `sockwatch pfiles PID…`: Solaris pfiles for Linux — every descriptor, and for sockets the options that are on.
struct PfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pfiles",
        abstract: "Every open file of a process, with the socket options that are set (like Solaris pfiles).",
        discussion: """
            Socket options are read with getsockopt on a duplicate of the process's descriptor \
            (pidfd_open + pidfd_getfd, Linux 5.6+, ptrace rights over the process); the duplicate is closed at \
            once and nothing is set, read or written. Without that right (EPERM, Yama) or on an older kernel \
            (ENOSYS), the options are marked unavailable and what sock_diag still knows is shown instead.
            """)

    @Argument(help: ArgumentHelp("Process ids.", valueName: "pid"))
    var pids: [String] = []

    @Option(name: .customLong("command"), help: ArgumentHelp("Also every process whose name starts with NAME, or matches /REGEX/.", valueName: "name"))
    var commands: [String] = []

    func validate() throws {
        for pid in pids where Int32(pid).map({ $0 <= 0 }) ?? true {
            throw ValidationError("pfiles takes process ids (positive numbers), not '\(pid)'")
        }
        for command in commands where CommandPattern(command) == nil {
            throw ValidationError("--command: '\(command)' is not a valid /regular expression/")
        }
        if pids.isEmpty && commands.isEmpty { throw ValidationError("pfiles needs a pid or --command NAME") }
    }

    func run() throws {
        var targets = pids.compactMap { Int32($0) }
        if !commands.isEmpty {
            targets += ProcessSelection(commands: commands.compactMap(CommandPattern.init)).resolve().pids
        }
        let out = OutputBuffer(fd: 1)
        let renderer = PfilesRenderer(out: out)
        let join = try ProcessSocketJoin()
        var shown = 0
        for pid in Set(targets).sorted() {
            let process: ProcessFiles
            do {
                process = try join.files(of: pid)
            } catch {
                Stderr.line("\(error)")
                continue
            }
            try renderer.render(process, sockets: try join.sockets(of: process))
            shown += 1
        }
        try renderer.finish()
        for note in join.notes { Stderr.note(note) }
        if shown == 0 { throw ExitCode(1) }
    }
}
