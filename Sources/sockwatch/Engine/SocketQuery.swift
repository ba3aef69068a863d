import ProcIndex
import SockDiag
import SockRender

/// What to list, independent of how it is shown: the native table, JSON and the dialects all build one.
struct SocketQuery {
    var netids: [NetID]
    var families: [IPAddress.Family]
    var states: StateSet
    /// Only the attributes the output needs.
    var extensions: DiagExtensions = []
    /// The ss filter; compiled to kernel bytecode unless `kernelFilter` is false.
    var expression: FilterExpression = .all
    var kernelFilter = true
    /// `--pid`/`--command`/`--user`: only these processes' sockets.
    var selection = ProcessSelection()
    /// Join owners from /proc.
    var owners = false
    /// Read every process even for a narrowed listing (see `SocketEngine`).
    var allOwners = false
    /// When set, filled with the socket options of every listed socket that has an owner (`--sockopts`).
    var socketOptions: SocketOptionsTable?
    /// A last check in Swift on each socket and its owners (the lsof dialect's OR of selections).
    var accept: ((borrowing SocketRecord, ProcessIndex?) -> Bool)?

    init(netids: [NetID], families: [IPAddress.Family], states: StateSet) {
        self.netids = netids
        self.families = families
        self.states = states
    }

    /// The bytecode for the kernel and the residual for Swift.
    var plan: BytecodeCompiler.Plan {
        kernelFilter
            ? BytecodeCompiler.plan(expression) : BytecodeCompiler.Plan(bytecode: [], residual: expression)
    }

    /// True when the query is narrower than "every socket of these transports".
    var isNarrowed: Bool { states != .all || expression != .all }
}
