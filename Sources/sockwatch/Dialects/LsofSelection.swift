import ProcIndex
import SockDiag
import SockPipeline
import SockRender

/// lsof's selection rules over Internet and UNIX sockets, and the search items they found.
///
/// lsof decides per process first (`is_proc_excl`, `is_cmd_excl`: exclusions, then `-p`, `-u`, `-c`), then per
/// file (`-s` states, then `-i`: `SELNET` for a bare `-i`/`-i4`/`-i6`, `SELNA` for an address specification;
/// `-U`: `SELUNX` for any UNIX socket), and lists a file when any selection holds, or with `-a` when all do
/// (`is_file_sel`). Along the way it marks
/// what it found, and exits 1 when a pid, command, address specification or state it was asked for was not
/// found; `-V` names them.
///
/// `query` asks the kernel for as little as those rules allow: the states always, the protocols, families and
/// addresses whenever the listing needs `-i` to hold (with `-a`, or when `-i` is the only selection).
final class LsofSelection {
    /// lsof's `Selflags`.
    struct Kinds: OptionSet {
        let rawValue: UInt8
        static let pid = Kinds(rawValue: 1 << 0)
        static let uid = Kinds(rawValue: 1 << 1)
        static let command = Kinds(rawValue: 1 << 2)
        /// A bare `-i`, `-i4` or `-i6`.
        static let network = Kinds(rawValue: 1 << 3)
        /// An `-i` address specification.
        static let address = Kinds(rawValue: 1 << 4)
        /// `-U`.
        static let unix = Kinds(rawValue: 1 << 5)
        /// `-d`: lsof's `SELFD`.
        static let fd = Kinds(rawValue: 1 << 6)
        static let processes: Kinds = [.pid, .uid, .command]
        /// What selects Internet sockets.
        static let internet: Kinds = [.network, .address]
        static let sockets: Kinds = [.network, .address, .unix]
        static let all = Kinds(rawValue: 0x7F)
    }

    let options: LsofOptions
    let processes: LsofProcesses
    /// What was asked to select; empty lists everything.
    let kinds: Kinds

    private var decisions: [Int32: Kinds?] = [:]
    private var pidFound: [Bool]
    private var prefixFound: [Bool]
    private var regexFound: [Bool]
    private var specFound: [Bool]
    private var networkFound = false
    private var statesFound: Set<Int> = []

    init(_ options: LsofOptions, processes: LsofProcesses) {
        self.options = options
        self.processes = processes
        var kinds: Kinds = []
        if options.pids.contains(where: { !$0.excluded }) { kinds.insert(.pid) }
        if options.users.contains(where: { !$0.excluded }) { kinds.insert(.uid) }
        if options.commands.includes { kinds.insert(.command) }
        if options.network.all { kinds.insert(.network) }
        if !options.network.specs.isEmpty { kinds.insert(.address) }
        if options.unix { kinds.insert(.unix) }
        if !options.descriptors.isEmpty { kinds.insert(.fd) }
        self.kinds = kinds
        pidFound = options.pids.map { _ in false }
        prefixFound = options.commands.prefixes.map { _ in false }
        regexFound = options.commands.regexes.map { _ in false }
        specFound = options.network.specs.map { _ in false }
    }

    // MARK: - Processes

    /// The selections a process satisfies, or nil when it is excluded; the first answer for a pid stands.
    func processKinds(pid: Int32, command: String, uid: UInt32) -> Kinds? {
        if let known = decisions[pid] { return known }
        let decision = decide(pid: pid, command: command, uid: uid)
        decisions[pid] = decision
        return decision
    }

    private func decide(pid: Int32, command: String, uid: UInt32) -> Kinds? {
        guard var found = decideIDs(pid: pid, uid: uid) else { return nil }
        // is_cmd_excl
        let commands = options.commands
        if commands.prefixes.contains(where: { $0.excluded && LsofCommandPatterns.begins(command, with: $0.name) }) {
            return nil
        }
        guard kinds.contains(.command) else { return found }
        if let i = commands.prefixes.firstIndex(where: {
            !$0.excluded && LsofCommandPatterns.begins(command, with: $0.name)
        }) {
            prefixFound[i] = true
            found.insert(.command)
            return found
        }
        if let i = commands.regexes.firstIndex(where: { $0.matches(command) }) {
            regexFound[i] = true
            found.insert(.command)
            return found
        }
        if kinds == .command { return nil }
        return options.and ? nil : found
    }

    /// lsof's `is_proc_excl`: uid and pid exclusions, then `-p` and `-u`.
    private func decideIDs(pid: Int32, uid: UInt32) -> Kinds? {
        if options.users.contains(where: { $0.excluded && $0.uid == uid }) { return nil }
        if options.pids.contains(where: { $0.excluded && $0.pid == pid }) { return nil }
        if kinds.isEmpty { return .all }
        var found: Kinds = []
        if kinds.contains(.pid) {
            if let i = options.pids.firstIndex(where: { !$0.excluded && $0.pid == pid }) {
                pidFound[i] = true
                found.insert(.pid)
                if kinds == .pid { return found }
            } else if kinds == .pid {
                return nil
            }
        }
        if kinds.contains(.uid) {
            if options.users.contains(where: { !$0.excluded && $0.uid == uid }) {
                found.insert(.uid)
                if kinds == .uid { return found }
            } else if kinds == .uid {
                return nil
            }
        }
        let idKinds = kinds.intersection([.pid, .uid])
        if found.isEmpty { return options.and && !idKinds.isEmpty ? nil : found }
        if !idKinds.isEmpty && options.and && idKinds != found { return nil }
        return found
    }

    /// Whether only processes that a `-p`, `-u` or `-c` selects can be listed, so the sockets of other
    /// processes need not be read at all.
    var onlySelectedProcesses: Bool {
        !kinds.isDisjoint(with: .processes) && (options.and || kinds.isDisjoint(with: Kinds.sockets.union(.fd)))
    }

    /// Whether only socket descriptors can be listed (lsof's `Ckscko`): a socket selection (`-i`, `-U`) alone,
    /// or ANDed with the rest. Otherwise every file of a process may be listed (`LsofFileListing`).
    var socketsOnly: Bool {
        !kinds.isDisjoint(with: .sockets) && (options.and || kinds.isSubset(of: .sockets))
    }

    /// Reads the names and owners of the processes `-p`, `-u` and `-c` may select, before the sockets, so a
    /// selected process with no socket still counts as found; returns the processes that can be listed when
    /// only selected ones can (`onlySelectedProcesses`), else nil.
    func prescan() -> [Int32]? {
        let onlySelected = onlySelectedProcesses
        let byIDOnly = kinds.isDisjoint(with: [.uid, .command])
        guard onlySelected || !kinds.isDisjoint(with: [.pid, .command]) else { return nil }
        let candidates: [Int32] =
            byIDOnly || !onlySelected && !kinds.contains(.command)
            ? options.pids.filter { !$0.excluded }.map(\.pid) : processes.allPIDs()
        var selected: [Int32] = []
        for pid in candidates {
            guard pid > 0, let uid = processes.uid(of: pid), let command = processes.command(of: pid),
                let found = processKinds(pid: pid, command: command, uid: uid)
            else { continue }
            if !found.isEmpty { selected.append(pid) }
        }
        return onlySelected ? selected.sorted() : nil
    }

    // MARK: - Sockets

    /// lsof's decision for one descriptor: the uid of its process (the USER column), or nil when it is not listed.
    func select(_ socket: LsofSocket, _ holder: SocketHolder) -> UInt32? {
        guard let uid = processes.uid(of: holder.pid),
            var found = processKinds(pid: holder.pid, command: holder.command, uid: uid)
        else { return nil }
        if kinds.contains(.fd) && options.descriptors.selects(fd: holder.fd) { found.insert(.fd) }
        guard let socketFound = socketKinds(socket) else { return nil }
        found.formUnion(socketFound)
        return listed(found) ? uid : nil
    }

    /// lsof's decision for one file of a listed process (`processFound`: what `processKinds` gave it):
    /// `-d` on its FD, and for a socket `-s`, `-i` and `-U` as `select` applies them.
    func selectFile(_ slot: ProcessFileEntry.Slot, socket: LsofSocket?, processFound: Kinds) -> Bool {
        var found = processFound
        if kinds.contains(.fd) && options.descriptors.selects(slot) { found.insert(.fd) }
        if let socket {
            guard let socketFound = socketKinds(socket) else { return false }
            found.formUnion(socketFound)
        }
        return listed(found)
    }

    /// What selects a socket (`-i`, `-U`), marking the search items it finds; nil when `-s` excludes it.
    private func socketKinds(_ socket: LsofSocket) -> Kinds? {
        var found: Kinds = []
        if socket.unix != nil {
            // -s and -i never apply to a UNIX socket; -U selects every one.
            if kinds.contains(.unix) { found.insert(.unix) }
            return found
        }
        // -s: every TCP and UDP socket's state, before any -i.
        let states = options.states
        let state = Int(socket.state.rawValue)
        if state < LsofStates.names.count {
            if states.excluded.contains(state) { return nil }
            if !states.included.isEmpty {
                guard states.included.contains(state) else { return nil }
                statesFound.insert(state)
            }
        }
        if options.network.allSelects(socket.family) {
            found.insert(.network)
            networkFound = true
        }
        if kinds.contains(.address) {
            // lsof checks the foreign end, then the local one, and marks the first specification (the last
            // given) that matches each.
            let ends = socket.ends
            let specs = options.network.specs
            var matched = false
            for end in [ends.peer, ends.local] {
                guard let end else { continue }
                if let i = specs.lastIndex(where: { $0.matches(socket.netid, end, family: ends.family) }) {
                    specFound[i] = true
                    matched = true
                }
            }
            if matched { found.insert(.address) }
        }
        return found
    }

    /// `is_file_sel`: any selection holds, or with -a all of them.
    private func listed(_ found: Kinds) -> Bool {
        kinds.isEmpty || (options.and ? found.isSuperset(of: kinds) : !found.isEmpty)
    }

    // MARK: - The request

    /// Whether a socket of this kind (`.internet` or `.unix`) can be listed at all: with no socket selection
    /// (every file of the selected processes), by its own selection, or (without -a) by a process selection.
    private func canList(_ kind: Kinds) -> Bool {
        let socketKinds = kinds.intersection(.sockets)
        if socketKinds.isEmpty { return true }
        if options.and { return socketKinds.isSubset(of: kind) }
        return !socketKinds.isDisjoint(with: kind) || !kinds.isDisjoint(with: .processes)
    }

    /// What to ask the kernel for.
    ///
    /// The kernel is asked only for sockets that could be listed, or could mark a search item found (lsof
    /// checks states and `-i` specifications on every socket of the processes it does not exclude): so the
    /// `-i` part is pushed down only when the listing needs it and no socket it drops could count, which
    /// rules out a bare `-i` next to specifications, and two or more `-s` states to find. UNIX sockets are
    /// dumped whole when they can be listed: states and `-i` do not apply to them.
    var query: SocketQuery {
        let network = options.network
        let specs = network.specs
        let unix = canList(.unix)
        var netids: [NetID] = [.tcp, .udp]
        if specs.contains(where: { $0.transport == .udplite }) { netids.append(.udplite) }
        // -s marks states found on the Internet sockets of every process it reads, whatever else selects.
        let internet = canList(.internet) || !options.states.included.isEmpty
        var query = SocketQuery(
            netids: (internet ? netids : []) + (unix ? [.unix] : []), families: [.inet, .inet6],
            states: unix ? .all : options.states.kernelStates)
        query.owners = true
        // Every holder of a socket is listed, so every process is read.
        query.allOwners = true
        // One row per listed descriptor, in lsof's order; a UNIX socket's DEVICE and state come from its line.
        query.order = .byHolder
        query.unixLines = unix
        if !options.numericUsers { query.names = .holderLogins }
        query.selectHolder = { [self] record, line, holder in
            select(LsofSocket(record, unix: line.map(LsofUnix.init)), holder)
        }

        let needsNetwork =
            !kinds.isDisjoint(with: .internet) && (options.and || kinds.isDisjoint(with: .processes))
            && options.states.included.count < 2
        guard needsNetwork, internet else { return query }
        if network.all {
            // A bare -i/-i4/-i6 selects by the socket's own family.
            guard specs.isEmpty else { return query }
            query.families = network.allVersion == 4 ? [.inet] : network.allVersion == 6 ? [.inet6] : [.inet, .inet6]
            return query
        }
        // Specifications: protocols, a family (v4-mapped sockets match IPv4 ones), addresses and ports.
        var specNetids: [NetID] = []
        var specFamilies: [IPAddress.Family] = []
        for spec in specs {
            for netid in spec.transport.map({ [$0] }) ?? [.tcp, .udp] where !specNetids.contains(netid) {
                specNetids.append(netid)
            }
            let families: [IPAddress.Family] =
                spec.targets.allSatisfy({ $0.family == .inet6 }) ? [.inet6] : [.inet, .inet6]
            for family in families where !specFamilies.contains(family) { specFamilies.append(family) }
        }
        query.netids = specNetids + (unix ? [.unix] : [])
        query.families = specFamilies
        // The filter would apply to the UNIX dump too (and drop every socket): select() checks it instead.
        if !unix { query.expression = LsofNetworkSpec.any(specs.map(\.expression)) }
        return query
    }

    // MARK: - What was not found

    /// The search items not found, in lsof's words and order (`-V`).
    var failures: [String] {
        var failures: [String] = []
        // lsof never marks an excluded name found, so `-c ^NAME` always counts as not found.
        for (i, prefix) in options.commands.prefixes.enumerated() where !prefixFound[i] {
            failures.append("command not located: \(prefix.name)")
        }
        for (i, regex) in options.commands.regexes.enumerated() where !regexFound[i] {
            failures.append("no command found for regex: \(regex.expression)")
        }
        // lsof keeps its address list newest first, and reports one argument once.
        let specs = options.network.specs
        var reported: Set<String> = []
        for i in specs.indices.reversed() {
            let argument = specs[i].argument
            let found = specs.indices.contains { specs[$0].argument == argument && specFound[$0] }
            if !found && reported.insert(argument).inserted {
                failures.append("Internet address not located: \(argument)")
            }
        }
        if options.network.all && !networkFound { failures.append("no Internet files located") }
        for state in options.states.included.sorted() where !statesFound.contains(state) {
            failures.append("TCP state not located: \(LsofStates.names[state])")
        }
        for (i, entry) in options.pids.enumerated() where !entry.excluded && !pidFound[i] {
            failures.append("process ID not located: \(entry.pid)")
        }
        return failures
    }
}
