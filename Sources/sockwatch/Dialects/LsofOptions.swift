import SockRender

/// `sockwatch lsof`'s options once parsed (see `LsofArguments`): what to select and how to print it.
struct LsofOptions {
    // MARK: Selection

    /// `-a`: the selections must all hold instead of any.
    var and = false
    /// `-i`.
    var network = LsofNetwork()
    /// `-U`: UNIX domain sockets.
    var unix = false
    /// `-s TCP:…`.
    var states = LsofStates()
    /// `-c`.
    var commands = LsofCommandPatterns()
    /// `-p PID[,^PID]`, in the order given.
    var pids: [(pid: Int32, excluded: Bool)] = []
    /// `-u USER[,^USER]`, as uids.
    var users: [(uid: UInt32, excluded: Bool)] = []
    /// `-d FD[,FD]` or `-d ^FD[,^FD]`: descriptors and names (`cwd`, `txt`, `mem`…) to select or exclude.
    var descriptors = LsofDescriptors()

    // MARK: Output

    /// `-n`: addresses as numbers.
    var numericHosts = false
    /// `-P`: ports as numbers.
    var numericPorts = false
    /// `-l`: uids as numbers.
    var numericUsers = false
    var output: LsofRenderOptions.Output = .table
    var fields: LsofFields = []
    var nulTerminated = false
    /// `+c W`.
    var commandWidth = 9
    /// `-T`: lsof shows the TCP state by default; `-F T` adds the queues.
    var tcpState = true
    var tcpQueues = false

    // MARK: Exit

    /// `-V`: say which search items were not found.
    var verbose = false
    /// `-Q`: exit 0 even when search items were not found.
    var ignoreFailedSearch = false

    /// `-h`, `-?`: print the help.
    var help = false
    /// `-F ?`: print the field letters.
    var fieldHelp = false

    /// Whether anything selects (lsof's `Selflags`): exclusions alone do not.
    var hasSelection: Bool {
        network.all || !network.specs.isEmpty || unix || commands.includes || pids.contains { !$0.excluded }
            || users.contains { !$0.excluded } || !descriptors.isEmpty
    }
}
