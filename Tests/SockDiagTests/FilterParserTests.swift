import Testing

@testable import SockDiag

@Suite struct FilterParserTests {
    /// 100,000 parentheses end in one error at the first level too deep, not in a stack overflow.
    @Test func deepParenthesesAreRefused() throws {
        let depth = 100_000
        let text = String(repeating: "(", count: depth) + "sport = :1" + String(repeating: ")", count: depth)
        #expect {
            _ = try FilterParser.parse([text])
        } throws: { error in
            guard let error = error as? FilterError else { return false }
            return error.message.hasPrefix("nested too deeply") && error.token == "("
                && error.position == 257
        }
    }

    /// A chain of 100,000 `not`s is refused the same way.
    @Test func deepNegationIsRefused() throws {
        let text = String(repeating: "not ", count: 100_000) + "sport = :1"
        #expect(throws: FilterError.self) { _ = try FilterParser.parse([text]) }
    }

    /// Nesting up to the limit still parses.
    @Test func nestingAtTheLimitParses() throws {
        let depth = 256
        let text = String(repeating: "(", count: depth) + "sport = :1" + String(repeating: ")", count: depth)
        #expect(try FilterParser.parse([text]).expression == .port(.source, .equal, 1))
    }
}
