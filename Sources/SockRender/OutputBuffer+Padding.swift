/// printf-style padded cells for the netstat tables that are not socket listings.
extension OutputBuffer {
    /// `%-Ns` (`left`) or `%Ns` of `text`, control characters escaped; `limit` cuts it first (`%-N.Ms`).
    func append(_ text: String, width: Int, left: Bool = true, limit: Int? = nil, scratch: OutputBuffer) {
        scratch.reset()
        scratch.appendEscaped(text)
        if let limit { scratch.reset(to: limit) }
        if !left { appendSpaces(width - scratch.count) }
        scratch.withUnsafeBytes { append($0) }
        if left { appendSpaces(width - scratch.count) }
    }

    /// `%-Nd` (`left`) or `%Nd` of `value`.
    func append<T: BinaryInteger>(_ value: T, width: Int, left: Bool = false, scratch: OutputBuffer) {
        scratch.reset()
        if value < 0 { scratch.append(0x2D) }
        scratch.append(decimal: UInt64(value.magnitude))
        if !left { appendSpaces(width - scratch.count) }
        scratch.withUnsafeBytes { append($0) }
        if left { appendSpaces(width - scratch.count) }
    }

    /// Each value padded to its width (`%-Nd` when `left`, else `%Nd`), one space after each: a run of
    /// netstat's fixed numeric columns.
    func appendColumns<T: BinaryInteger>(_ columns: [(value: T, width: Int, left: Bool)], scratch: OutputBuffer) {
        for column in columns {
            append(column.value, width: column.width, left: column.left, scratch: scratch)
            append(0x20)
        }
    }
}
