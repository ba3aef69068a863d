import Testing

@testable import SockDiag
@testable import sockwatch

/// A filter given as many words reaches the argument parser as a bounded number of arguments.
@Suite struct FilterWordsTests {
    /// `sport = :N or` … as separate words, `count` conditions.
    static func words(_ count: Int) -> [String] {
        (1...count).flatMap { ["sport", "=", ":\($0)", "or"] } + ["sport", "=", ":0"]
    }

    /// 50,000 words become two arguments after the flags: the argument parser's per-positional cost (its
    /// quadratic part) no longer grows with the filter.
    @Test(arguments: [10, 1_000, 12_500])
    func manyWordsBecomeTwoArguments(conditions: Int) throws {
        let words = Self.words(conditions)
        let arguments = FilterWords.coalesced(["-t", "-n"] + words)
        #expect(arguments.count == 4)
        #expect(arguments.prefix(2) == ["-t", "-n"])
        #expect(arguments.dropFirst(2).joined(separator: " ") == words.joined(separator: " "))
    }

    /// The words parse into the same expression as the one joined argument, with the same error positions.
    @Test func theSameExpressionAsOneArgument() throws {
        let words = Self.words(2_000)
        let command = try #require(try Sockwatch.parseAsRoot(FilterWords.coalesced(["-t"] + words)) as? ListCommand)
        #expect(try command.filter.parsed() == FilterParser.parse([words.joined(separator: " ")]))
        let bad = ["sport", "=", ":1", "and", "dport", "=", ":99999"]
        #expect(throws: FilterError(
            "bad port (0-65535 or a service name)", token: ":99999", position: 24)) {
            _ = try FilterParser.parse(Array(FilterWords.coalesced(bad)))
        }
    }

    /// Option values, subcommand names and words after `--` stay where they are; other commands are untouched.
    @Test func optionValuesAndOtherCommandsAreKept() {
        #expect(FilterWords.coalesced(["--state", "established", "dport", "=", ":443"])
                == ["--state", "established", "dport = :443"])
        #expect(FilterWords.coalesced(["watch", "-d", "2", "sport", "=", ":1"]) == ["watch", "-d", "2", "sport = :1"])
        #expect(FilterWords.coalesced(["--port", "-1", "sport", "=", ":1"]) == ["--port", "-1", "sport", "= :1"])
        #expect(FilterWords.coalesced(["pfiles", "1", "2", "3"]) == ["pfiles", "1", "2", "3"])
        #expect(FilterWords.coalesced(["-t", "--", "a", "b", "c"]) == ["-t", "--", "a", "b", "c"])
    }
}
