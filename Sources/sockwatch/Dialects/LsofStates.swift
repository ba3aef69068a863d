import ArgumentParser
import SockDiag

/// `-s TCP:LISTEN,^CLOSE_WAIT`: lsof's state inclusion and exclusion lists.
///
/// lsof on Linux names TCP states only (`-s UDP:…` is refused: "no UDP state names available"), numbered as
/// the kernel numbers them, and checks them against every TCP *and UDP* socket's kernel state, so
/// `-sTCP:LISTEN` also drops UDP sockets and an unconnected UDP socket is in state `CLOSE`. That makes the
/// lists a kernel state mask.
struct LsofStates: Equatable {
    /// lsof's TCP state names, indexed by the kernel's state number (`CLOSED`, 0, is never reported).
    static let names = [
        "CLOSED", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
        "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
    ]

    /// Kernel state numbers, in the order given.
    var included: [Int] = []
    var excluded: [Int] = []

    /// Takes one `-s PROTOCOL:STATE[,^STATE…]` argument (lsof's `enter_state_spec`).
    mutating func add(_ spec: String) throws {
        let prefix = spec.prefix(4).lowercased()
        if prefix == "udp:" { throw ValidationError("no UDP state names available: \(spec)") }
        guard prefix == "tcp:" else { throw ValidationError("unknown -s protocol: \"\(spec)\"") }
        let list = spec.dropFirst(4)
        guard !list.isEmpty else { throw ValidationError("no TCP state names in: \(spec)") }
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let exclude = item.hasPrefix("^")
            let name = exclude ? item.dropFirst() : item
            guard !name.isEmpty else { throw ValidationError("NULL TCP state name in: \(spec)") }
            guard let state = Self.names.firstIndex(where: { $0.equalsIgnoringCase(name) }) else {
                throw ValidationError("unknown TCP state name: \(name)")
            }
            if exclude {
                if !excluded.contains(state) { excluded.append(state) }
            } else if !included.contains(state) {
                included.append(state)
            }
        }
    }

    /// Rejects a state both included and excluded.
    func validate() throws {
        for state in included where excluded.contains(state) {
            throw ValidationError("can't include and exclude TCP state: \(Self.names[state])")
        }
    }

    /// Whether lsof keeps a socket in kernel state `state`. States past lsof's table (`NEW_SYN_RECV`) pass.
    func admits(_ state: SocketState) -> Bool {
        let number = Int(state.rawValue)
        guard number < Self.names.count else { return true }
        if excluded.contains(number) { return false }
        return included.isEmpty || included.contains(number)
    }

    /// The same rule as the request's state mask.
    var kernelStates: StateSet {
        StateSet(rawValue: SocketState.allCases.filter(admits).reduce(0) { $0 | $1.bit })
    }
}

extension String {
    fileprivate func equalsIgnoringCase(_ other: Substring) -> Bool {
        lowercased() == other.lowercased()
    }
}
