import Testing

@testable import ProcIndex

/// The strict JSON walker under the runtimes' state files: grammar, escapes, limits.
@Suite struct StateJSONTests {
    private func strings(_ text: String, _ paths: [[String]]) -> [String?]? {
        StateJSON.strings(at: paths, in: Array(text.utf8))
    }

    private func failure(_ text: String) -> StateJSON.Failure? {
        failure(Array(text.utf8))
    }

    private func failure(_ bytes: [UInt8]) -> StateJSON.Failure? {
        do {
            try StateJSON.walk(bytes) { _, _ in }
            return nil
        } catch {
            return error
        }
    }

    private func visits(_ text: String) throws -> [String] {
        var seen: [String] = []
        try StateJSON.walk(Array(text.utf8)) { path, value in
            seen.append(path.map(\.description).joined(separator: "/") + "=" + value)
        }
        return seen
    }

    @Test func reportsEveryStringWithItsPath() throws {
        let text = #"{"a":[{"b":"x"},{"b":"y","n":[1,true,null]}],"c":{"d":"z"},"e":"top","f":-1.5e3}"#
        #expect(try visits(text) == ["a/[0]/b=x", "a/[1]/b=y", "c/d=z", "e=top"])
    }

    @Test func fetchesByExactKeyPath() {
        let text = #"{"Name":"/web","Config":{"Labels":{"Name":"inner"}},"Count":3,"Empty":{}}"#
        #expect(strings(text, [["Name"], ["Config", "Labels", "Name"], ["Count"], ["Missing"], ["Empty"]])!
            == ["/web", "inner", nil, nil, nil])
    }

    @Test func theLastOfDuplicateKeysWins() {
        #expect(strings(#"{"k":"first","k":"second"}"#, [["k"]])! == ["second"])
    }

    @Test func decodesEveryEscape() {
        let text = #"{"s":"q\"b\\s\/b\bf\fn\nr\rt\t","k\u0065y":"v"}"#
        #expect(strings(text, [["s"], ["key"]])! == ["q\"b\\s/b\u{08}f\u{0C}n\nr\rt\t", "v"])
    }

    @Test(arguments: [
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00x""#, "😀x"),
        (#""\ud800""#, "\u{FFFD}"),
        (#""\udc00""#, "\u{FFFD}"),
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\ud800\ud800\udc00""#, "\u{FFFD}𐀀"),
        (#""\u0000""#, "\u{0}"),
    ])
    func decodesUnicodeEscapesAndSurrogatePairs(literal: String, expected: String) {
        #expect(strings(#"{"s":"# + literal + "}", [["s"]])! == [expected])
    }

    @Test func invalidUTF8DecodesToReplacementCharacters() {
        let bytes = Array(#"{"s":""#.utf8) + [0xFF, 0x41, 0xC3] + Array(#""}"#.utf8)
        #expect(StateJSON.strings(at: [["s"]], in: bytes)! == ["\u{FFFD}A\u{FFFD}"])
    }

    @Test(arguments: [
        "", "  ", "{", "}", "[", "]", #"{"a""#, #"{"a":}"#, #"{"a" "b"}"#, #"{a:1}"#, #"{"a":1,}"#, "[1,]", "[,1]",
        "[1 2]", #"{"a":1 "b":2}"#, "{} x", "{}{}", "tru", "nul", "falsey", "01", "1.", ".5", "-", "1e", "1e+",
        "+1", "0x1", #""unterminated"#, #""bad \x escape""#, #""\u12""#, #""\u12G4""#, "\"raw\ncontrol\"",
        "\"tab\tinside\"", "'single'", "[1]]", "[[1]", "NaN", "\u{FEFF}{}",
    ])
    func refusesMalformedDocuments(text: String) {
        guard case .malformed = failure(text) else {
            Issue.record("accepted or misjudged \(text.debugDescription): \(String(describing: failure(text)))")
            return
        }
    }

    @Test(arguments: ["0", "-0", "1.25", "-0.5e+10", "2E-3", "true", "false", "null", #""s""#, "[]", "{}", " [ ] "])
    func acceptsEveryKindOfValueAtTheTop(text: String) {
        #expect(failure(text) == nil)
    }

    @Test func limitsTheDepthWithoutRecursing() {
        let ok = String(repeating: "[", count: StateJSON.maxDepth) + String(repeating: "]", count: StateJSON.maxDepth)
        #expect(failure(ok) == nil)
        let deep = String(repeating: "[", count: StateJSON.maxDepth + 1)
            + String(repeating: "]", count: StateJSON.maxDepth + 1)
        guard case .tooDeep = failure(deep) else {
            Issue.record("depth \(StateJSON.maxDepth + 1) accepted")
            return
        }
        // A hostile file a megabyte deep fails fast at the limit.
        guard case .tooDeep = failure(String(repeating: #"{"a":"#, count: 200_000)) else {
            Issue.record("200,000 nested objects not refused for depth")
            return
        }
    }

    @Test func refusesDocumentsOverTheSizeLimit() {
        let padding = [UInt8](repeating: 0x20, count: StateJSON.maxBytes - 2)
        #expect(failure([UInt8(ascii: "[")] + padding + [UInt8(ascii: "]")]) == nil)
        #expect(failure([UInt8(ascii: "[")] + padding + [0x20, UInt8(ascii: "]")]) == .tooLarge(bytes: StateJSON.maxBytes + 1))
        #expect(StateJSON.strings(at: [["a"]], in: Array(#"{"a":"b"}"#.utf8) + padding) == nil)
    }

    @Test func aNonStringValueAtThePathIsNil() {
        #expect(strings(#"{"a":{"b":"c"},"n":5,"t":true,"z":null,"l":["x"]}"#, [["a"], ["n"], ["t"], ["z"], ["l"]])!
            == [nil, nil, nil, nil, nil])
    }
}
