/// A malformed filter expression: what is wrong, with the offending token and its position.
public struct FilterError: Error, Equatable, CustomStringConvertible {
    public var message: String
    /// The offending token, or nil at the end of the expression.
    public var token: String?
    /// The 1-based character position of the token in the expression (its arguments joined by spaces).
    public var position: Int

    public init(_ message: String, token: String?, position: Int) {
        self.message = message
        self.token = token
        self.position = position
    }

    public var description: String {
        if let token { return "bad filter: \(message) at '\(token)' (position \(position))" }
        return "bad filter: \(message) at the end of the expression (position \(position))"
    }
}
