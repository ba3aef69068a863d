import Glibc

@_silgen_name("pipe2")
private func pipeCloseOnExec(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// Child processes for the tests, started with `posix_spawn` and holding exactly the descriptors given them.
///
/// Foundation's `Process` is not used: on Linux it lists /proc/self/fd before each launch and copies the whole
/// 256-byte `d_name` of every entry out of readdir's buffer. With over a thousand descriptors open (some tests
/// hold 3,600) the last entry's copy can run past the end of the heap's mapped pages, and the whole test run
/// crashed that way under load. Here nothing is listed: the child closes every other descriptor by number.
public enum ChildProcess {
    /// What a finished child wrote, and its exit status (the signal number when a signal ended it).
    public struct Output {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    /// Starts `program` with `arguments` (argv[0] included), holding the test's descriptors at the given
    /// numbers (`(ours, theirs)`; one of ours may go to several numbers) and no other; descriptors 0-2 are
    /// inherited unless given. Signals start unblocked and at their default actions (a test thread may block
    /// or ignore some). `environment` is `NAME=value` strings; nil keeps ours.
    public static func spawn(
        _ program: String, _ arguments: [String], holding descriptors: [(ours: Int32, theirs: Int32)],
        environment: [String]? = nil
    ) throws(SpawnError) -> pid_t {
        let highest = max(2, descriptors.map(\.theirs).max() ?? 2)
        // Sources copied above every target first: dup2 onto its own number would keep close-on-exec (the
        // child would lose it), and one source may be another's target.
        let sources = descriptors.map { ours, theirs in
            let copy = fcntl(ours, F_DUPFD_CLOEXEC, highest + 1)
            return (ours, copy, theirs, copy < 0 ? errno : 0)
        }
        defer { for (_, copy, _, _) in sources where copy >= 0 { close(copy) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (ours, copy, theirs, failure) in sources {
            guard copy >= 0 else { throw SpawnError("cannot copy descriptor \(ours): errno \(failure)") }
            let rc = posix_spawn_file_actions_adddup2(&actions, copy, theirs)
            guard rc == 0 else { throw SpawnError("cannot hand descriptor \(ours) over as \(theirs): errno \(rc)") }
        }
        // Everything else closed, by number (glibc ignores EBADF for a number that is not open).
        let targets = Set(descriptors.map(\.theirs))
        for fd in 3..<(highest + 1) where !targets.contains(fd) { posix_spawn_file_actions_addclose(&actions, fd) }
        guard addCloseFrom(&actions, highest + 1) == 0 else { throw SpawnError("posix_spawn: no closefrom") }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { $0.map { strdup($0) } + [nil] } ?? []
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc =
            environment == nil
            ? posix_spawn(&pid, program, &actions, &attributes, argv, environ)
            : posix_spawn(&pid, program, &actions, &attributes, argv, &envp)
        guard rc == 0 else { throw SpawnError("posix_spawn \(program): errno \(rc)") }
        return pid
    }

    /// Runs `program` with `arguments` (argv[0] is `program`) to its end, stdin on /dev/null and stdout and
    /// stderr captured, both read as they come (a child filling one pipe while the test waits on the other
    /// would hang). `environment` as in `spawn`.
    public static func run(_ program: String, _ arguments: [String], environment: [String]? = nil) throws(SpawnError)
        -> Output
    {
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pipeCloseOnExec(&out, O_CLOEXEC) == 0, pipeCloseOnExec(&err, O_CLOEXEC) == 0 else {
            throw SpawnError("pipe: errno \(errno)")
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { for fd in [out[0], err[0], null] where fd >= 0 { close(fd) } }
        let pid: pid_t
        do {
            let stdio = [(ours: null, theirs: Int32(0)), (out[1], 1), (err[1], 2)]
            pid = try spawn(program, [program] + arguments, holding: stdio, environment: environment)
        } catch {
            close(out[1])
            close(err[1])
            throw error
        }
        close(out[1])
        close(err[1])
        var output = Output(status: 0, stdout: [], stderr: [])
        var open = [out[0], err[0]]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in polled where entry.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if entry.fd == out[0] { output.stdout += chunk[0..<n] } else { output.stderr += chunk[0..<n] }
                } else if n == 0 || errno != EINTR {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        output.status = wait(pid)
        return output
    }

    /// Waits for `pid` to end; its exit status, or the number of the signal that ended it.
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : signal
    }
}

/// A child could not be started holding what the test hands it.
public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
