import SockDiag
import SockPipeline

/// What the live view's `/` prompt selects: an ss filter expression (compiled to kernel bytecode for the
/// next dump), or a process or container name (matched against the rows after the dump).
enum LiveFilter {
    case expression(ParsedFilter)
    /// A name: rows whose owner's command or whose container contains it.
    case name(String)

    /// Words that belong to the filter language: a single one of them is an unfinished expression, not a name.
    private static let keywords: Set<String> = [
        "sport", "dport", "src", "dst", "state", "exclude", "excl", "and", "or", "not",
    ]

    /// Parses the prompt's text: an expression when it parses; a name when it is one plain word; else the
    /// parser's one-line error.
    static func parse(_ text: String) -> Result<LiveFilter, FilterError> {
        let trimmed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        do {
            return .success(.expression(try FilterParser.parse(trimmed.isEmpty ? [] : [trimmed])))
        } catch {
            let plain = trimmed.unicodeScalars.allSatisfy {
                ($0.properties.isAlphabetic || $0.properties.numericType != nil || "_.-+@".unicodeScalars.contains($0))
            }
            let address = trimmed.unicodeScalars.allSatisfy { $0 == "." || $0.properties.numericType != nil }
            if !trimmed.isEmpty, plain, !address, !keywords.contains(trimmed.lowercased()) {
                return .success(.name(trimmed))
            }
            return .failure(error)
        }
    }

    /// Whether `row` passes a name filter (expressions were applied by the pipeline already).
    func keeps(_ row: WatchRow) -> Bool {
        guard case .name(let name) = self else { return true }
        if row.sample.holders.contains(where: { $0.command.contains(name) }) { return true }
        return row.containerLabel?.contains(name) ?? false
    }
}
