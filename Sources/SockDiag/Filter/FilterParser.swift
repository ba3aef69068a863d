import Glibc

/// A filter as the user wrote it: the state mask from `state`/`exclude`, and the expression.
public struct ParsedFilter: Sendable, Equatable {
    /// The states named by leading `state`/`exclude` keywords; nil when none were given.
    public var states: StateSet?
    public var expression: FilterExpression

    public init(states: StateSet? = nil, expression: FilterExpression = .all) {
        self.states = states
        self.expression = expression
    }
}

/// Parses `ss` filter expressions: `state established '( dport = :443 or dport = :80 )'`.
///
/// Grammar (loosest first): `or`/`||`, then `and`/`&&` or two terms side by side, then `not`/`!`, then
/// parentheses and the predicates `sport|dport OP PORT` and `src|dst [=|!=] HOST`.
public struct FilterParser {
    typealias Token = FilterLexer.Token

    /// The most parentheses and `not`s one condition may sit inside: deeper input is refused, not recursed into.
    public static let maximumDepth = 256

    /// Every address of a host name (`getaddrinfo`), for `src`/`dst NAME`; nil refuses names.
    public typealias HostResolver = (String) throws -> [IPAddress]

    private let tokens: [Token]
    private var resolveHost: HostResolver?
    private var index = 0
    private var depth = 0
    private let endPosition: Int

    /// Parses the expression given as one argument or many.
    public static func parse(_ arguments: [String]) throws(FilterError) -> ParsedFilter {
        var parser = FilterParser(arguments)
        return try parser.parseAll()
    }

    /// Parses the expression, with host names in `src`/`dst` turned into an `or` of all their addresses.
    public static func parse(_ arguments: [String], hosts: @escaping HostResolver) throws(FilterError) -> ParsedFilter {
        var parser = FilterParser(arguments)
        parser.resolveHost = hosts
        return try parser.parseAll()
    }

    init(_ arguments: [String]) {
        tokens = FilterLexer.tokens(arguments)
        endPosition = arguments.reduce(0) { $0 + $1.count } + max(0, arguments.count - 1) + 1
    }

    // MARK: - Top level

    private mutating func parseAll() throws(FilterError) -> ParsedFilter {
        var result = ParsedFilter()
        // Leading state/exclude keywords fold into the mask, as in ss.
        while let token = peek, token.text == "state" || token.text == "exclude" || token.text == "excl" {
            index += 1
            guard let name = peek else { throw FilterError("'\(token.text)' needs a state name", token: nil, position: endPosition) }
            guard let named = StateSet(name: name.text) else {
                throw FilterError("unknown state name", token: name.text, position: name.position)
            }
            index += 1
            if token.text == "state" {
                result.states = (result.states ?? []).union(named)
            } else {
                result.states = (result.states ?? .all).subtracting(named)
            }
        }
        guard peek != nil else { return result }
        result.expression = try parseOr()
        if let extra = peek {
            if extra.text == ")" { throw FilterError("unbalanced ')'", token: extra.text, position: extra.position) }
            throw FilterError("unexpected token", token: extra.text, position: extra.position)
        }
        return result
    }

    private var peek: Token? { index < tokens.count ? tokens[index] : nil }

    private mutating func next(expecting what: String) throws(FilterError) -> Token {
        guard let token = peek else { throw FilterError("expected \(what)", token: nil, position: endPosition) }
        index += 1
        return token
    }

    // MARK: - Boolean structure

    private mutating func parseOr() throws(FilterError) -> FilterExpression {
        var left = try parseAnd()
        while let token = peek, token.text == "or" || token.text == "||" {
            index += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(FilterError) -> FilterExpression {
        var left = try parseUnary()
        while let token = peek {
            if token.text == "and" || token.text == "&&" {
                index += 1
            } else if token.text == "or" || token.text == "||" || token.text == ")" {
                break
            }
            // Two terms side by side are joined by an implicit `and`.
            left = .and(left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(FilterError) -> FilterExpression {
        let token = try next(expecting: "a condition")
        switch token.text {
        case "not", "!":
            try enterNesting(token)
            defer { depth -= 1 }
            return .not(try parseUnary())
        case "(":
            try enterNesting(token)
            defer { depth -= 1 }
            let inner = try parseOr()
            guard let close = peek, close.text == ")" else {
                throw FilterError("unbalanced '(' (no matching ')')", token: token.text, position: token.position)
            }
            index += 1
            return inner
        case ")":
            throw FilterError("unbalanced ')'", token: token.text, position: token.position)
        case "sport", "dport":
            return try parsePort(side: token.text == "sport" ? .source : .destination)
        case "src", "dst":
            return try parseHost(side: token.text == "src" ? .source : .destination)
        case "cgroup":
            return try parseCgroup()
        case "state", "exclude", "excl":
            throw FilterError(
                "'\(token.text)' must come before the rest of the expression", token: token.text,
                position: token.position)
        default:
            throw FilterError(
                "unknown keyword (expected sport, dport, src, dst, cgroup, not, or '(')", token: token.text,
                position: token.position)
        }
    }

    /// Counts one level of parentheses or `not`, refusing more than `maximumDepth` before recursion exhausts the stack.
    private mutating func enterNesting(_ token: Token) throws(FilterError) {
        guard depth < Self.maximumDepth else {
            throw FilterError(
                "nested too deeply (more than \(Self.maximumDepth) parentheses or 'not's)", token: token.text,
                position: token.position)
        }
        depth += 1
    }

    // MARK: - Predicates

    private static let comparisons: [String: FilterExpression.Comparison] = [
        "=": .equal, "==": .equal, "eq": .equal, "!=": .notEqual, "ne": .notEqual, "neq": .notEqual,
        "<": .less, "lt": .less, ">": .greater, "gt": .greater, "<=": .lessOrEqual, "le": .lessOrEqual,
        "leq": .lessOrEqual, ">=": .greaterOrEqual, "ge": .greaterOrEqual, "geq": .greaterOrEqual,
    ]

    private mutating func parsePort(side: FilterExpression.Side) throws(FilterError) -> FilterExpression {
        var comparison = FilterExpression.Comparison.equal
        if let token = peek, let named = Self.comparisons[token.text] {
            comparison = named
            index += 1
        } else if let token = peek, token.text.first.map({ "=!<>".contains($0) }) == true {
            throw FilterError("unknown comparison", token: token.text, position: token.position)
        }
        let value = try next(expecting: "a port")
        var text = Substring(value.text)
        if text.hasPrefix(":") { text = text.dropFirst() }
        guard let port = Self.port(text) else {
            throw FilterError("bad port (0-65535 or a service name)", token: value.text, position: value.position)
        }
        return .port(side, comparison, port)
    }

    private mutating func parseHost(side: FilterExpression.Side) throws(FilterError) -> FilterExpression {
        var negate = false
        if let token = peek, let comparison = Self.comparisons[token.text] {
            guard comparison == .equal || comparison == .notEqual else {
                throw FilterError("addresses compare only with = or !=", token: token.text, position: token.position)
            }
            negate = comparison == .notEqual
            index += 1
        }
        let value = try next(expecting: "an address")
        let condition: FilterExpression
        if let resolveHost, let (name, port) = Self.hostName(value.text) {
            let addresses: [IPAddress]
            do {
                addresses = try resolveHost(name)
            } catch {
                throw FilterError("\(error)", token: value.text, position: value.position)
            }
            var portNumber: UInt16?
            if let port, port != "*" {
                guard let parsed = Self.port(port) else {
                    throw FilterError("bad port (0-65535 or a service name)", token: value.text, position: value.position)
                }
                portNumber = parsed
            }
            let patterns = addresses.map {
                FilterExpression.host(
                    side, HostPattern(address: $0, prefixLength: $0.family == .inet6 ? 128 : 32, port: portNumber))
            }
            condition = patterns.dropFirst().reduce(patterns[0]) { .or($0, $1) }
        } else {
            condition = FilterExpression.host(side, try Self.hostPattern(value))
        }
        return negate ? .not(condition) : condition
    }

    /// `cgroup PATH` (one cgroup, as ss selects) or `cgroup PATH/*` (it and every cgroup below it).
    private mutating func parseCgroup() throws(FilterError) -> FilterExpression {
        if let token = peek, let comparison = Self.comparisons[token.text] {
            guard comparison == .equal else {
                throw FilterError("cgroups compare only with =", token: token.text, position: token.position)
            }
            index += 1
        }
        let value = try next(expecting: "a cgroup path")
        var path = value.text
        var subtree = false
        if path == "*" || path.hasSuffix("/*") {
            subtree = true
            path = String(path.dropLast(path == "*" ? 1 : 2))
        }
        guard !path.contains("*"), !path.split(separator: "/").contains("..") else {
            throw FilterError("bad cgroup path (PATH or PATH/* under the cgroup2 mount)", token: value.text, position: value.position)
        }
        return .cgroup(CgroupCondition(path: "/" + path.split(separator: "/").joined(separator: "/"), subtree: subtree))
    }

    /// `name` or `name:port` when `text` is a host name (letters, digits, `-`, `.`, `_`, with a letter), not an
    /// address, a prefix or `*`.
    static func hostName(_ text: String) -> (name: String, port: Substring?)? {
        var name = Substring(text)
        var port: Substring?
        if let colon = text.firstIndex(of: ":") {
            guard text[text.index(after: colon)...].firstIndex(of: ":") == nil else { return nil }
            name = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !name.isEmpty, name.contains(where: { $0.isLetter }),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") }),
            IPAddress(String(name)) == nil
        else { return nil }
        return (String(name), port)
    }

    // MARK: - Values

    /// A port number or an /etc/services name; nil when neither.
    static func port(_ text: Substring) -> UInt16? {
        if let number = Int(text) {
            return (0...65535).contains(number) ? UInt16(number) : nil
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return nil
        }
        guard let entry = getservbyname(String(text), "tcp") ?? getservbyname(String(text), "udp") else {
            return nil
        }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port))
    }

    /// Parses `*`, `*:80`, `:80`, `10.0.0.0/8`, `127.0.0.1:8080`, `[::1]:443`, `[2001:db8::]/32`, `::1`.
    static func hostPattern(_ token: Token) throws(FilterError) -> HostPattern {
        let text = token.text
        func bad(_ why: String) -> FilterError { FilterError(why, token: text, position: token.position) }

        var addressPart = Substring(text)
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad("bad address (missing ']')") }
            addressPart = text[text.index(after: text.startIndex)..<close]
            var rest = text[text.index(after: close)...]
            var prefixPart: Substring?
            if rest.hasPrefix("/") {
                let end = rest.firstIndex(of: ":") ?? rest.endIndex
                prefixPart = rest[rest.index(after: rest.startIndex)..<end]
                rest = rest[end...]
            }
            if rest.hasPrefix(":") { portPart = rest.dropFirst() } else if !rest.isEmpty { throw bad("bad address") }
            if let prefixPart { addressPart = Substring("\(addressPart)/\(prefixPart)") }
        } else if IPAddress(String(text.split(separator: "/").first ?? ""))?.family == .inet6 {
            addressPart = Substring(text)  // bare IPv6: no port possible
        } else if let colon = text.lastIndex(of: ":") {
            addressPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }

        var port: UInt16?
        if let portPart, portPart != "*" {
            guard let parsed = Self.port(portPart) else { throw bad("bad port (0-65535 or a service name)") }
            port = parsed
        }
        if addressPart.isEmpty || addressPart == "*" {
            return HostPattern(address: nil, prefixLength: 0, port: port)
        }
        let pieces = addressPart.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(pieces[0])) else {
            throw bad("bad address (a numeric IPv4 or IPv6 address, a CIDR prefix, or *)")
        }
        let full: UInt8 = address.family == .inet6 ? 128 : 32
        var prefix = full
        if pieces.count == 2 {
            guard let length = UInt8(pieces[1]), length <= full else {
                throw bad("bad prefix length (0-\(full))")
            }
            prefix = length
        }
        return HostPattern(address: address, prefixLength: prefix, port: port)
    }
}
