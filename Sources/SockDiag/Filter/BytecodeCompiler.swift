import CSockDiag

/// Compiles a filter into the kernel's inet_diag bytecode (`INET_DIAG_REQ_BYTECODE`).
///
/// The kernel's interpreter is `inet_diag_bc_run`: each `inet_diag_bc_op` is `{code, yes, no}`, and the program
/// accepts a socket when it runs off its end exactly, rejects it when it jumps 4 bytes past the end. Every
/// fragment compiled here follows that rule: reaching its end is "true", reaching end + 4 is "false". Only
/// forward jumps are used, and `yes` always steps to the next op, as `inet_diag_bc_audit` requires.
public enum BytecodeCompiler {
    /// A compiled program, and what the kernel could not be asked to do.
    public struct Plan: Sendable, Equatable {
        /// The bytecode for the request; empty when the kernel need not filter.
        public var bytecode: [UInt8]
        /// What must still be evaluated in Swift on each decoded socket; `.all` when nothing.
        public var residual: FilterExpression

        public init(bytecode: [UInt8], residual: FilterExpression) {
            self.bytecode = bytecode
            self.residual = residual
        }
    }

    /// Splits `expression` into the part the kernel runs and the part Swift evaluates.
    ///
    /// Each top-level conjunct is compiled when it can be; the others form the residual. Every condition
    /// `FilterParser` produces compiles today, so the residual is `.all`; a condition without an opcode
    /// (added later) would fall to Swift without changing the result.
    public static func plan(_ expression: FilterExpression) -> Plan {
        var compiled: FilterExpression = .all
        var residual: FilterExpression = .all
        for conjunct in conjuncts(expression) {
            if isCompilable(conjunct) {
                compiled = compiled == .all ? conjunct : .and(compiled, conjunct)
            } else {
                residual = residual == .all ? conjunct : .and(residual, conjunct)
            }
        }
        return Plan(bytecode: compiled == .all ? [] : compile(compiled), residual: residual)
    }

    static func conjuncts(_ expression: FilterExpression) -> [FilterExpression] {
        if case let .and(a, b) = expression { return conjuncts(a) + conjuncts(b) }
        return [expression]
    }

    static func isCompilable(_ expression: FilterExpression) -> Bool {
        switch expression {
        case .all, .port, .host: true
        // Each id is 16 bytes of bytecode, whose jumps reach at most 64 KiB; larger sets run in Swift.
        case let .cgroup(condition): condition.isResolved && condition.ids.count <= maximumCgroupIDs
        case let .and(a, b), let .or(a, b): isCompilable(a) && isCompilable(b)
        case let .not(a): isCompilable(a)
        }
    }

    /// The most cgroup ids one condition compiles to.
    public static let maximumCgroupIDs = 2048

    // MARK: - Fragments

    /// Compiles one fragment: its end means true, its end + 4 means false.
    static func compile(_ expression: FilterExpression) -> [UInt8] {
        switch expression {
        case .all:
            return []
        case let .port(side, comparison, port):
            let source = side == .source
            switch comparison {
            case .equal: return portOp(source ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ, port)
            case .greaterOrEqual: return portOp(source ? INET_DIAG_BC_S_GE : INET_DIAG_BC_D_GE, port)
            case .lessOrEqual: return portOp(source ? INET_DIAG_BC_S_LE : INET_DIAG_BC_D_LE, port)
            case .notEqual: return negate(portOp(source ? INET_DIAG_BC_S_EQ : INET_DIAG_BC_D_EQ, port))
            case .less: return negate(portOp(source ? INET_DIAG_BC_S_GE : INET_DIAG_BC_D_GE, port))
            case .greater: return negate(portOp(source ? INET_DIAG_BC_S_LE : INET_DIAG_BC_D_LE, port))
            }
        case let .host(side, pattern):
            return hostOp(side == .source ? INET_DIAG_BC_S_COND : INET_DIAG_BC_D_COND, pattern)
        case let .cgroup(condition):
            return cgroupOps(condition.ids)
        case let .and(a, b):
            var first = compile(a)
            let second = compile(b)
            // a's "false" (its end + 4) must become the whole fragment's "false".
            relocateFailures(in: &first, by: second.count)
            return first + second
        case let .or(a, b):
            let first = compile(a)
            let second = compile(b)
            // a true: jump over b to the end; a false lands on b (a's end + 4).
            return first + op(INET_DIAG_BC_JMP, yes: 4, no: second.count + 4) + second
        case let .not(a):
            return negate(compile(a))
        }
    }

    /// a true: jump to end + 4 (false); a false lands on the end (true).
    static func negate(_ fragment: [UInt8]) -> [UInt8] {
        fragment + op(INET_DIAG_BC_JMP, yes: 4, no: 8)
    }

    /// Adds `distance` to every jump in `fragment` that targets the fragment's "false" (end + 4).
    static func relocateFailures(in fragment: inout [UInt8], by distance: Int) {
        var offset = 0
        while offset < fragment.count {
            let remaining = fragment.count - offset
            let yes = Int(fragment[offset + 1])
            let no = Int(fragment[offset + 2]) | Int(fragment[offset + 3]) << 8
            if fragment[offset] != UInt8(INET_DIAG_BC_NOP), no == remaining + 4 {
                let moved = no + distance
                fragment[offset + 2] = UInt8(moved & 0xFF)
                fragment[offset + 3] = UInt8(moved >> 8)
            }
            offset += yes
        }
    }

    static func op(_ code: Int, yes: Int, no: Int) -> [UInt8] {
        [UInt8(code), UInt8(yes), UInt8(no & 0xFF), UInt8(no >> 8)]
    }

    /// A port comparison: the op, then a second op whose `no` field carries the port.
    static func portOp(_ code: Int, _ port: UInt16) -> [UInt8] {
        op(code, yes: 8, no: 12) + op(0, yes: 0, no: Int(port))
    }

    /// An OR of `INET_DIAG_BC_CGROUP_COND` ops, each followed by its u64 id; no ids is "false".
    static func cgroupOps(_ ids: [UInt64]) -> [UInt8] {
        guard let first = ids.first else { return op(INET_DIAG_BC_JMP, yes: 4, no: 8) }
        func single(_ id: UInt64) -> [UInt8] {
            var bytes = op(INET_DIAG_BC_CGROUP_COND, yes: 12, no: 16)
            withUnsafeBytes(of: id) { bytes += $0 }
            return bytes
        }
        // Built forwards, as `.or` compiles: each earlier match jumps over the rest to the end.
        var fragment = single(first)
        for id in ids.dropFirst() {
            let next = single(id)
            fragment += op(INET_DIAG_BC_JMP, yes: 4, no: next.count + 4) + next
        }
        return fragment
    }

    /// A host condition: the op, then `inet_diag_hostcond` and the address bytes.
    static func hostOp(_ code: Int, _ pattern: HostPattern) -> [UInt8] {
        var addressBytes: [UInt8] = []
        var family: UInt8 = 0  // AF_UNSPEC: any address
        var prefix: UInt8 = 0
        if let address = pattern.address {
            family = address.family.rawValue
            prefix = pattern.prefixLength
            withUnsafeBytes(of: (address.high, address.low)) { raw in
                addressBytes = Array(raw.prefix(address.family == .inet ? 4 : 16))
            }
        }
        let port = pattern.port.map { Int32($0) } ?? -1
        let length = 4 + 8 + addressBytes.count
        var bytes = op(code, yes: length, no: length + 4)
        bytes += [family, prefix, 0, 0]
        withUnsafeBytes(of: port.littleEndian) { bytes += $0 }
        return bytes + addressBytes
    }
}
