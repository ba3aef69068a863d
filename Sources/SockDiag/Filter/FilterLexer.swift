/// Splits a filter expression into tokens, remembering where each starts.
///
/// Words are split on whitespace; `(` and `)` are tokens of their own even when attached (`(dport`), and so
/// are runs of operator characters (`=`, `==`, `!=`, `<=`, `>=`, `<`, `>`, `!`, `&&`, `||`).
struct FilterLexer {
    struct Token: Equatable {
        var text: String
        /// 1-based character position in the joined expression.
        var position: Int
    }

    static func tokens(_ arguments: [String]) -> [Token] {
        var tokens: [Token] = []
        var position = 0
        for (index, argument) in arguments.enumerated() {
            if index > 0 { position += 1 }  // the joining space
            var current = ""
            var currentStart = 0
            func flush() {
                if !current.isEmpty { tokens.append(Token(text: current, position: currentStart)) }
                current = ""
            }
            var operatorRun = ""
            var operatorStart = 0
            func flushOperator() {
                if !operatorRun.isEmpty { tokens.append(Token(text: operatorRun, position: operatorStart)) }
                operatorRun = ""
            }
            for character in argument {
                position += 1
                switch character {
                case " ", "\t", "\n":
                    flushOperator()
                    flush()
                case "(", ")":
                    flushOperator()
                    flush()
                    tokens.append(Token(text: String(character), position: position))
                case "=", "!", "<", ">", "&", "|":
                    flush()
                    if operatorRun.isEmpty { operatorStart = position }
                    operatorRun.append(character)
                default:
                    flushOperator()
                    if current.isEmpty { currentStart = position }
                    current.append(character)
                }
            }
            flushOperator()
            flush()
        }
        return tokens
    }
}
