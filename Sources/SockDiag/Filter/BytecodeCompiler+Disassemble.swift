import CSockDiag

extension BytecodeCompiler {
    /// One line per op: offset, opcode, operand, and where `yes`/`no` lead ("accept"/"reject" past the end).
    /// This is what `--explain` prints to show which part of a filter the kernel runs.
    public static func disassemble(_ bytecode: [UInt8]) -> [String] {
        var lines: [String] = []
        var offset = 0
        func target(_ jump: Int) -> String {
            let to = offset + jump
            if to == bytecode.count { return "accept" }
            if to == bytecode.count + 4 { return "reject" }
            return "@\(to)"
        }
        while offset + 4 <= bytecode.count {
            let code = Int(bytecode[offset])
            let yes = Int(bytecode[offset + 1])
            let no = Int(bytecode[offset + 2]) | Int(bytecode[offset + 3]) << 8
            var operand = ""
            switch code {
            case INET_DIAG_BC_S_EQ, INET_DIAG_BC_S_GE, INET_DIAG_BC_S_LE, INET_DIAG_BC_D_EQ, INET_DIAG_BC_D_GE,
                INET_DIAG_BC_D_LE:
                if offset + 8 <= bytecode.count {
                    operand = " \(Int(bytecode[offset + 6]) | Int(bytecode[offset + 7]) << 8)"
                }
            case INET_DIAG_BC_S_COND, INET_DIAG_BC_D_COND:
                operand = " " + hostcond(bytecode, at: offset + 4)
            case INET_DIAG_BC_CGROUP_COND:
                if offset + 12 <= bytecode.count {
                    let id = bytecode[(offset + 4)..<(offset + 12)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    operand = " id \(id)"
                }
            default:
                break
            }
            let name = opcodeNames[code] ?? "op\(code)"
            let yesText = code == INET_DIAG_BC_JMP ? "" : " yes→\(target(yes))"
            lines.append("\(offset): \(name)\(operand)\(yesText) no→\(target(no))")
            guard yes > 0 else { break }
            offset += yes
        }
        return lines
    }

    static let opcodeNames: [Int: String] = [
        INET_DIAG_BC_NOP: "NOP", INET_DIAG_BC_JMP: "JMP", INET_DIAG_BC_S_GE: "S_GE", INET_DIAG_BC_S_LE: "S_LE",
        INET_DIAG_BC_D_GE: "D_GE", INET_DIAG_BC_D_LE: "D_LE", INET_DIAG_BC_S_COND: "S_COND",
        INET_DIAG_BC_D_COND: "D_COND", INET_DIAG_BC_S_EQ: "S_EQ", INET_DIAG_BC_D_EQ: "D_EQ",
        INET_DIAG_BC_CGROUP_COND: "CGROUP_COND",
    ]

    private static func hostcond(_ bytes: [UInt8], at offset: Int) -> String {
        guard offset + 8 <= bytes.count else { return "?" }
        let family = bytes[offset]
        let prefix = bytes[offset + 1]
        let port = bytes[(offset + 4)..<(offset + 8)].withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(as: Int32.self)) }
        var text = "*"
        if let fam = IPAddress.Family(rawValue: family) {
            let length = fam == .inet ? 4 : 16
            if offset + 8 + length <= bytes.count {
                var raw = (UInt64(0), UInt64(0))
                withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes[(offset + 8)..<(offset + 8 + length)]) }
                text = "\(IPAddress(family: fam, high: raw.0, low: raw.1).description)/\(prefix)"
            }
        }
        return port == -1 ? "\(text) port any" : "\(text) port \(port)"
    }
}
