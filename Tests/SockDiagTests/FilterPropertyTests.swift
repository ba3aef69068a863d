import Glibc
import SockFuzz
import SockTestSupport
import Testing

@testable import SockDiag

/// Random filters over a live set of sockets: the kernel running the compiled bytecode must keep exactly the
/// sockets that the Swift evaluator keeps.
@Suite struct FilterPropertyTests {
    /// Builds a random expression from the ports and addresses in use.
    static func randomExpression(_ rng: inout SplitMix64, ports: [UInt16], depth: Int = 0) -> FilterExpression {
        let leaf = depth >= 3 || rng.next() % 3 == 0
        if !leaf {
            switch rng.next() % 3 {
            case 0: return .and(randomExpression(&rng, ports: ports, depth: depth + 1),
                                randomExpression(&rng, ports: ports, depth: depth + 1))
            case 1: return .or(randomExpression(&rng, ports: ports, depth: depth + 1),
                               randomExpression(&rng, ports: ports, depth: depth + 1))
            default: return .not(randomExpression(&rng, ports: ports, depth: depth + 1))
            }
        }
        let side: FilterExpression.Side = rng.next() % 2 == 0 ? .source : .destination
        if rng.next() % 2 == 0 {
            let comparisons: [FilterExpression.Comparison] = [
                .equal, .notEqual, .less, .greater, .lessOrEqual, .greaterOrEqual,
            ]
            // Ports in use, their neighbours, and the edges.
            let port = rng.pick(ports + ports.map { $0 &+ 1 } + [0, 1, 65535])
            return .port(side, rng.pick(comparisons), port)
        }
        let addresses: [(String, [UInt8])] = [
            ("127.0.0.1", [32, 8, 0, 31]), ("127.0.0.2", [32, 24]), ("10.0.0.0", [8]), ("::1", [128, 127, 0]),
            ("::", [0, 64]), ("::ffff:127.0.0.1", [128, 96]),
        ]
        var pattern = HostPattern(address: nil, prefixLength: 0, port: nil)
        if rng.next() % 4 != 0 {
            let (text, prefixes) = rng.pick(addresses)
            pattern.address = IPAddress(text)
            pattern.prefixLength = rng.pick(prefixes)
        }
        if rng.next() % 3 == 0 { pattern.port = rng.pick(ports) }
        return .host(side, pattern)
    }

    /// The cookies of the test's own sockets that `request` returns, filtering in Swift with `swift` if given.
    static func cookies(
        _ client: DiagClient, bytecode: [UInt8], swift: FilterExpression?, inodes: Set<UInt32>
    ) throws -> Set<UInt64> {
        var found = Set<UInt64>()
        for netid in [NetID.tcp, .udp] {
            for family in [IPAddress.Family.inet, .inet6] {
                let request = InetRequest(netid: netid, family: family, states: .all, bytecode: bytecode)
                try client.dump(request) { record in
                    guard inodes.contains(record.inode) else { return }
                    if let swift, !swift.matches(record) { return }
                    found.insert(record.cookie)
                }
            }
        }
        return found
    }

    @Test func kernelBytecodeAndSwiftEvaluationAgree() throws {
        // Listeners and connections on both families, a second loopback address, and UDP.
        let listeners = [false, false, true, true].map { LiveSocket.tcpListener(v6: $0) }
        let connections = listeners.map { LiveSocket.tcpConnection(to: $0) }
        let udp = [LiveSocket.udp(v6: false), LiveSocket.udp(v6: true)]
        let sockets = listeners + connections.flatMap { [$0.client, $0.server] } + udp
        let inodes = Set(sockets.map { UInt32($0.inode) })
        let ports = Array(Set(listeners.map(\.localPort) + connections.map(\.client.localPort) + udp.map(\.localPort)))
            .sorted()
        let client = try DiagClient()
        let everything = try Self.cookies(client, bytecode: [], swift: nil, inodes: inodes)
        #expect(everything.count == sockets.count)

        var rng = SplitMix64(seed: 0x50C4_3A7C)
        var nonTrivial = 0
        for _ in 0..<300 {
            let expression = Self.randomExpression(&rng, ports: ports)
            let plan = BytecodeCompiler.plan(expression)
            #expect(plan.residual == .all, "every parsed condition compiles: \(expression)")
            let kernel = try Self.cookies(client, bytecode: plan.bytecode, swift: nil, inodes: inodes)
            let swift = try Self.cookies(client, bytecode: [], swift: expression, inodes: inodes)
            #expect(kernel == swift, "\(expression)\n\(BytecodeCompiler.disassemble(plan.bytecode).joined(separator: "\n"))")
            if !kernel.isEmpty && kernel != everything { nonTrivial += 1 }
        }
        // The generator must produce filters that actually select something, not all or nothing.
        #expect(nonTrivial > 50)
    }

    @Test(arguments: [
        "sport = :80", "dport != :443", "( sport = :1 or sport = :2 ) and not dst 10.0.0.0/8",
        "not not src *", "src [::1]:8080 or dst 127.0.0.1/8", "sport > :1024 sport < :2048",
    ])
    func parsedExpressionsCompileToBytecodeTheKernelAccepts(text: String) throws {
        let parsed = try FilterParser.parse([text])
        let plan = BytecodeCompiler.plan(parsed.expression)
        #expect(!plan.bytecode.isEmpty)
        let client = try DiagClient()
        // EINVAL from inet_diag_bc_audit would throw here.
        try client.dump(InetRequest(netid: .tcp, family: .inet, states: .all, bytecode: plan.bytecode)) { _ in }
    }
}
