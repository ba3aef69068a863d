/// The YAML the exporter-toolkit web configuration is written in: block mappings and sequences, plain and quoted
/// scalars, one-line flow collections and comments.
///
/// The web config is a small fixed shape (`tls_server_config`, `basic_auth_users`, `http_server_config`), so this
/// reader takes that subset of YAML 1.2 and refuses the rest with the line it is on: anchors, aliases, tags, block
/// scalars (`|`, `>`), multi-line plain scalars, several documents. A general YAML library would pull Foundation
/// and its ICU data into the exporter for a file read once at start.
enum WebConfigYAML {
    /// A parsed value.
    indirect enum Node: Equatable {
        case null
        case scalar(String)
        case sequence([Node])
        case mapping([Entry])

        /// The scalar's text, or nil for anything else.
        var string: String? {
            if case .scalar(let text) = self { return text }
            return nil
        }

        /// The mapping's entries in file order, or nil for anything else.
        var mapping: [Entry]? {
            if case .mapping(let entries) = self { return entries }
            return nil
        }
    }

    /// One `key: value` of a mapping.
    struct Entry: Equatable {
        var key: String
        var value: Node
    }

    /// What is wrong, and on which line (1-based).
    struct Failure: Error, Equatable, CustomStringConvertible {
        var line: Int
        var message: String

        var description: String { "line \(line): \(message)" }
    }

    /// The document in `text`, or nil when it holds nothing but comments and blank lines.
    static func parse(_ text: String) throws(Failure) -> Node? {
        var reader = Reader(lines: try lines(of: text))
        guard !reader.atEnd else { return nil }
        let node = try reader.block(indent: reader.current.indent)
        if !reader.atEnd {
            throw Failure(line: reader.current.number, message: "unexpected indentation")
        }
        return node
    }

    /// A line with content: its number, its indentation in spaces, and its text without the comment.
    struct Line {
        var number: Int
        var indent: Int
        var text: Substring
    }

    /// The lines that hold content, with comments, trailing blanks and the document markers removed.
    static func lines(of text: String) throws(Failure) -> [Line] {
        var result: [Line] = []
        var number = 0
        var documents = 0
        // "\r\n" is one Character in Swift: both end a line.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let indent = line.prefix { $0 == " " }.count
            var content = line.dropFirst(indent)
            if content.first == "\t" {
                throw Failure(line: number, message: "a tab in the indentation (YAML indents with spaces)")
            }
            content = withoutComment(content)
            while let last = content.last, last == " " || last == "\t" { content = content.dropLast() }
            if content.isEmpty { continue }
            if indent == 0 && (content == "---" || content.hasPrefix("--- ")) {
                documents += 1
                guard documents == 1 && result.isEmpty else {
                    throw Failure(line: number, message: "more than one document")
                }
                content = content.dropFirst(3).drop { $0 == " " }
                if content.isEmpty { continue }
            }
            if indent == 0 && content == "..." { break }
            if indent == 0 && content.first == "%" {
                throw Failure(line: number, message: "directives (%) are not supported")
            }
            result.append(Line(number: number, indent: indent, text: content))
        }
        return result
    }

    /// `text` up to a `#` that starts a comment: at the start, or after a blank, outside quotes.
    static func withoutComment(_ text: Substring) -> Substring {
        var quote: Character? = nil
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open {
                    // '' inside single quotes is a quote, not the end.
                    let next = text.index(after: index)
                    if open == "'" && next < text.endIndex && text[next] == "'" {
                        index = text.index(after: next)
                        previous = "'"
                        continue
                    }
                    quote = nil
                } else if open == "\"" && character == "\\" {
                    index = text.index(after: index)
                    if index < text.endIndex { index = text.index(after: index) }
                    previous = "x"
                    continue
                }
            } else if character == "#" && (previous == " " || previous == "\t") {
                return text[..<index]
            } else if (character == "'" || character == "\"") && " \t:[{,-".contains(previous) {
                quote = character
            }
            previous = character
            index = text.index(after: index)
        }
        return text
    }

    /// Walks the content lines, one block at a time.
    struct Reader {
        var lines: [Line]
        var position = 0

        var atEnd: Bool { position >= lines.count }
        var current: Line { lines[position] }

        /// The block (mapping or sequence) whose lines start at `indent`.
        mutating func block(indent: Int) throws(Failure) -> Node {
            isItem(current.text) ? try sequence(indent: indent) : try mapping(indent: indent)
        }

        func isItem(_ text: Substring) -> Bool { text == "-" || text.hasPrefix("- ") }

        mutating func mapping(indent: Int) throws(Failure) -> Node {
            var entries: [Entry] = []
            while !atEnd && current.indent == indent && !isItem(current.text) {
                let line = current
                let (key, rest) = try WebConfigYAML.keyAndRest(line.text, line: line.number)
                guard !entries.contains(where: { $0.key == key }) else {
                    throw Failure(line: line.number, message: "\(key) appears twice")
                }
                position += 1
                let value: Node
                if rest.isEmpty {
                    value = try nested(under: indent, allowingItemsAtSameIndent: true)
                } else {
                    value = try WebConfigYAML.inline(rest, line: line.number)
                }
                entries.append(Entry(key: key, value: value))
            }
            if !atEnd && current.indent > indent {
                throw Failure(line: current.number, message: "unexpected indentation (multi-line values are not supported)")
            }
            return .mapping(entries)
        }

        mutating func sequence(indent: Int) throws(Failure) -> Node {
            var items: [Node] = []
            while !atEnd && current.indent == indent && isItem(current.text) {
                let line = current
                let rest = line.text.dropFirst().drop { $0 == " " }
                if rest.isEmpty {
                    position += 1
                    items.append(try nested(under: indent, allowingItemsAtSameIndent: false))
                } else if WebConfigYAML.startsMapping(rest) {
                    // `- key: value` opens a mapping whose keys line up with `key`.
                    let column = indent + line.text.count - rest.count
                    lines[position] = Line(number: line.number, indent: column, text: rest)
                    items.append(try mapping(indent: column))
                } else {
                    position += 1
                    items.append(try WebConfigYAML.inline(rest, line: line.number))
                }
            }
            if !atEnd && current.indent > indent {
                throw Failure(line: current.number, message: "unexpected indentation")
            }
            return .sequence(items)
        }

        /// The block under a `key:` or `-` with nothing after it: deeper lines, or null when there are none.
        mutating func nested(under indent: Int, allowingItemsAtSameIndent: Bool) throws(Failure) -> Node {
            guard !atEnd else { return .null }
            if current.indent > indent { return try block(indent: current.indent) }
            if allowingItemsAtSameIndent && current.indent == indent && isItem(current.text) {
                return try sequence(indent: indent)
            }
            return .null
        }
    }

    /// Whether `text` is `key: …` or `key:` (a mapping entry) rather than a scalar.
    static func startsMapping(_ text: Substring) -> Bool {
        guard let first = text.first, first != "[", first != "{" else { return false }
        return (try? keyAndRest(text, line: 0)) != nil
    }

    /// Splits `key: value` into the key (unquoted) and the value's text (empty for `key:`).
    static func keyAndRest(_ text: Substring, line: Int) throws(Failure) -> (String, Substring) {
        var keyEnd: Substring.Index
        let key: String
        if let quote = text.first, quote == "'" || quote == "\"" {
            let (value, end) = try quoted(text, line: line)
            key = value
            keyEnd = end
            while keyEnd < text.endIndex && text[keyEnd] == " " { keyEnd = text.index(after: keyEnd) }
            guard keyEnd < text.endIndex && text[keyEnd] == ":" else {
                throw Failure(line: line, message: "expected key: value")
            }
        } else {
            var index = text.startIndex
            var found: Substring.Index? = nil
            while index < text.endIndex {
                if text[index] == ":" {
                    let next = text.index(after: index)
                    if next == text.endIndex || text[next] == " " {
                        found = index
                        break
                    }
                }
                index = text.index(after: index)
            }
            guard let found else { throw Failure(line: line, message: "expected key: value") }
            var plain = text[..<found]
            while plain.last == " " { plain = plain.dropLast() }
            guard !plain.isEmpty else { throw Failure(line: line, message: "a key is empty") }
            if let first = plain.first, "&*!?|>[{".contains(first) {
                throw Failure(line: line, message: "complex keys, anchors and tags are not supported")
            }
            key = String(plain)
            keyEnd = found
        }
        let rest = text[text.index(after: keyEnd)...].drop { $0 == " " }
        return (key, rest)
    }

    /// A value written on its key's line: a scalar or a one-line flow collection.
    static func inline(_ text: Substring, line: Int) throws(Failure) -> Node {
        guard let first = text.first else { return .null }
        switch first {
        case "|", ">":
            throw Failure(line: line, message: "block scalars (| and >) are not supported")
        case "&", "*", "!":
            throw Failure(line: line, message: "anchors, aliases and tags are not supported")
        case "[":
            guard text.last == "]" else { throw Failure(line: line, message: "a [ list must close on its line") }
            return .sequence(try flowItems(text.dropFirst().dropLast(), line: line).map { item throws(Failure) in
                try scalar(item, line: line)
            })
        case "{":
            guard text.last == "}" else { throw Failure(line: line, message: "a { mapping must close on its line") }
            var entries: [Entry] = []
            for item in try flowItems(text.dropFirst().dropLast(), line: line) {
                let (key, rest) = try keyAndRest(item, line: line)
                guard !entries.contains(where: { $0.key == key }) else {
                    throw Failure(line: line, message: "\(key) appears twice")
                }
                entries.append(Entry(key: key, value: try scalar(rest, line: line)))
            }
            return .mapping(entries)
        default:
            return try scalar(text, line: line)
        }
    }

    /// The comma-separated items of a flow collection's inside (no nesting), trimmed.
    static func flowItems(_ text: Substring, line: Int) throws(Failure) -> [Substring] {
        var items: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        var quote: Character? = nil
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "[" || character == "{" {
                throw Failure(line: line, message: "nested flow collections are not supported")
            } else if character == "," {
                items.append(trimmed(text[start..<index]))
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        let last = trimmed(text[start...])
        if !last.isEmpty || !items.isEmpty { items.append(last) }
        if items.contains(where: \.isEmpty) { throw Failure(line: line, message: "an empty item in a flow collection") }
        return items
    }

    static func trimmed(_ text: Substring) -> Substring {
        var text = text.drop { $0 == " " }
        while text.last == " " { text = text.dropLast() }
        return text
    }

    /// A plain or quoted scalar; `~`, `null` and nothing are null.
    static func scalar(_ text: Substring, line: Int) throws(Failure) -> Node {
        if let quote = text.first, quote == "'" || quote == "\"" {
            let (value, end) = try quoted(text, line: line)
            guard text[end...].allSatisfy({ $0 == " " }) else {
                throw Failure(line: line, message: "text after a closing quote")
            }
            return .scalar(value)
        }
        if text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" { return .null }
        if text.contains(": ") {
            throw Failure(line: line, message: "a plain value cannot hold \": \" (quote it)")
        }
        return .scalar(String(text))
    }

    /// The quoted scalar at the start of `text` and the index after its closing quote.
    static func quoted(_ text: Substring, line: Int) throws(Failure) -> (String, Substring.Index) {
        let quote = text.first!
        var value = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            index = text.index(after: index)
            if character == quote {
                if quote == "'" && index < text.endIndex && text[index] == "'" {
                    value.append("'")
                    index = text.index(after: index)
                    continue
                }
                return (value, index)
            }
            if quote == "\"" && character == "\\" {
                guard index < text.endIndex else { break }
                let escaped = text[index]
                index = text.index(after: index)
                switch escaped {
                case "\\", "\"", "/": value.append(escaped)
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "0": value.append("\0")
                case " ": value.append(" ")
                case "u", "x":
                    let count = escaped == "u" ? 4 : 2
                    guard let end = text.index(index, offsetBy: count, limitedBy: text.endIndex),
                        let code = UInt32(text[index..<end], radix: 16), let scalar = Unicode.Scalar(code)
                    else { throw Failure(line: line, message: "a bad \\\(escaped) escape") }
                    value.unicodeScalars.append(scalar)
                    index = end
                default:
                    throw Failure(line: line, message: "an unknown escape \\\(escaped)")
                }
                continue
            }
            value.append(character)
        }
        throw Failure(line: line, message: "a quote that does not close on its line")
    }
}
