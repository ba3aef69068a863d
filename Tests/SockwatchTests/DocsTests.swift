import ArgumentParser
import Foundation
import Testing

@testable import sockwatch

/// The documentation a user reads: README.md and docs/*.md (and the man pages' examples in Packaging/man)
/// name only files that exist, and every `sockwatch …` example in them parses.
@Suite struct DocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// README.md and every page in docs/, by path relative to the checkout.
    static func pages() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).standardized.path)
    }

    @Test func readmeIsAFrontDoor() throws {
        let size = try FileManager.default.attributesOfItem(atPath: Self.root.appendingPathComponent("README.md").path)[.size]
        #expect((size as? Int).map { $0 <= 10 * 1024 } == true, "README.md is \(size ?? "?") bytes, over 10 KB")
    }

    /// Relative link targets resolve from the page's folder; repository paths (`Scripts/…`, `docs/…`,
    /// `Sources/…`…) written anywhere in the text from the checkout's root.
    @Test func everyNamedPathExists() throws {
        var checked = 0
        for page in try Self.pages() {
            let text = try Self.text(page)
            let folder = (page as NSString).deletingLastPathComponent
            for match in text.matches(of: /\]\(([^)#\s]+)(#[^)]*)?\)/) {
                let target = String(match.output.1)
                if target.contains("://") || target.hasPrefix("mailto:") { continue }
                checked += 1
                let path = folder.isEmpty ? target : folder + "/" + target
                #expect(Self.exists(path), "\(page): the link to \(target) leads nowhere")
            }
            // A repository path not inside another path or a URL: preceded by the start or by none of `\w/.@~-`.
            let repoPath = /(?:^|[^\w\/.@~-])((?:Scripts|Sources|Tests|docs|Packaging|Plugins|\.ci)\/[\w.+\/-]*\w)/
                .anchorsMatchLineEndings()
            for match in text.matches(of: repoPath) {
                let path = String(match.output.1)
                checked += 1
                #expect(Self.exists(path), "\(page): names \(path), which does not exist")
            }
        }
        #expect(checked > 20)
    }

    /// `sockwatch …` lines in the pages' shell blocks and the man pages' `.Dl` examples, as the shell would
    /// split them (before any `|` or `#` comment).
    static func examples() throws -> [(source: String, arguments: [String])] {
        var found: [(String, [String])] = []
        for page in try Self.pages() {
            var shell = false
            for (number, line) in try Self.text(page).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.hasPrefix("```") {
                    shell = !shell && ["```sh", "```shell", "```bash", "```console", "```"].contains(line)
                    continue
                }
                guard shell, let words = command(String(line)) else { continue }
                found.append(("\(page):\(number + 1)", words))
            }
        }
        let man = root.appendingPathComponent("Packaging/man/examples")
        for file in try FileManager.default.contentsOfDirectory(atPath: man.path).sorted() {
            let text = try String(contentsOf: man.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n").enumerated() where line.hasPrefix(".Dl sockwatch ") {
                if let words = command(String(line.dropFirst(4))) { found.append(("\(file):\(number + 1)", words)) }
            }
        }
        return found
    }

    /// The arguments of a `sockwatch ARGS` command line (`$ ` prompt allowed); nil for any other line, and for
    /// lines that show output or syntax (`[OPTIONS]`).
    static func command(_ line: String) -> [String]? {
        var line = Substring(line)
        if line.hasPrefix("$ ") { line = line.dropFirst(2) }
        guard line.hasPrefix("sockwatch ") || line == "sockwatch" else { return nil }
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character? = nil
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
                continue
            }
            if c == "'" || c == "\"" { quote = c; inWord = true; continue }
            if c == " " {
                if inWord { words.append(word); word = ""; inWord = false }
                continue
            }
            if !inWord && (c == "#" || c == "|") { break }
            word.append(c)
            inWord = true
        }
        if inWord { words.append(word) }
        if words.contains(where: { $0.hasPrefix("[") && $0.hasSuffix("]") && $0.uppercased() == $0 }) { return nil }
        // A second space-separated run of spaces marks a status line (watch's header), not a command.
        if line.contains("  every ") { return nil }
        return Array(words.dropFirst())
    }

    /// Parses `arguments` as sockwatch would, without running anything: the dialects by their own parsers,
    /// every other command by swift-argument-parser (with its `validate()`).
    static func parse(_ arguments: [String]) throws {
        if VersionRequest.isRequested(arguments) || CompletionScript.requested(arguments) != nil { return }
        switch arguments.first {
        case "netstat": _ = try NetstatFlags(Array(arguments.dropFirst()))
        case "lsof": _ = try LsofArguments.parse(Array(arguments.dropFirst()), resolver: LsofLazyResolver { NameFiles.load() })
        default: _ = try Sockwatch.parseAsRoot(FilterWords.coalesced(arguments))
        }
    }

    @Test func everyExampleParses() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 40, "only \(examples.count) examples found")
        for (source, arguments) in examples {
            #expect(throws: Never.self, "\(source): sockwatch \(arguments.joined(separator: " "))") {
                try Self.parse(arguments)
            }
        }
        // The check can fail: a misspelt flag does not parse.
        #expect(throws: (any Error).self) { try Self.parse(["--stat", "established"]) }
        #expect(throws: (any Error).self) { try Self.parse(["netstat", "-tulpnq"]) }
    }
}
