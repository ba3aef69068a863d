import SockPipeline
import SockDiag

/// Writes the plain table of socket rows (`watch -c`, stdout not a terminal) straight into an `OutputBuffer`:
/// no `String` per cell, no table of cells.
///
/// Each row is formatted once, cell after cell, into one scratch buffer kept between intervals, with the end of
/// each cell noted and each column's width taken on the way; then the rows are copied out padded. The bytes are
/// those of `WatchTable.lines()` over `WatchColumns.cells` (the live view's path, which formats only the rows
/// on screen); `WatchRenderTests` compares the two.
final class WatchTableWriter {
    /// The formatted cells of every row, one after another.
    private let scratch = OutputBuffer(fd: nil, flushThreshold: 1 << 20)
    /// Where each cell ends in `scratch`: `columns` entries per row.
    private var ends: [UInt32] = []

    /// The number of socket columns (`WatchColumns.sockets`).
    private static let columns = 11
    /// The PID/Program column, the last one: left-aligned and never padded, so its width is not needed.
    private static let ownerColumn = 10

    /// Writes the title line (when `titles`) and the socket rows of `listing` in its order.
    func write(_ listing: WatchListing, titles: Bool, to out: OutputBuffer) throws {
        let view = listing.view
        let columns = WatchColumns.columns(grouping: .sockets, bits: view.bits, totals: view.totals)
        var widths = columns.map { $0.title.utf8.count }  // the titles are ASCII
        scratch.reset()
        ends.removeAll(keepingCapacity: true)
        ends.reserveCapacity(listing.count * Self.columns)
        var start = 0
        listing.rows.withUnsafeBufferPointer { rows in
            for position in listing.order {
                // Through a pointer: the row's fields are read where they are, the row is not copied.
                Self.format(rows.baseAddress! + Int(position), bits: view.bits, totals: view.totals, into: scratch) {
                    column in
                    let end = scratch.count
                    ends.append(UInt32(truncatingIfNeeded: end))
                    if column != Self.ownerColumn { widths[column] = max(widths[column], end - start) }
                    start = end
                }
            }
        }
        if titles {
            var column = 0
            for title in columns {
                if column > 0 { out.append(0x20) }
                let width = title.title.utf8.count
                if title.rightAligned { out.appendSpaces(widths[column] - width) }
                out.append(title.title)
                if !title.rightAligned && column != Self.ownerColumn { out.appendSpaces(widths[column] - width) }
                column += 1
            }
            out.append(0x0A)
        }
        let right = columns.map(\.rightAligned)
        // Every column but the last is padded to its width: a row is those widths, the separators, the owner
        // cell and the newline.
        let fixed = widths[0..<Self.ownerColumn].reduce(0, +) + Self.ownerColumn
        try scratch.withUnsafeBytes { cells in
            try ends.withUnsafeBufferPointer { ends in
                var start = 0
                var e = 0
                for _ in 0..<listing.count {
                    let rowLength = Int(ends[e + Self.columns - 1]) - start
                    out.appendDirect(atMost: fixed + rowLength + 1) { line in
                        var o = 0
                        @inline(__always) func spaces(_ n: Int) {
                            for i in 0..<max(0, n) { line.storeBytes(of: 0x20 as UInt8, toByteOffset: o + i, as: UInt8.self) }
                            o += max(0, n)
                        }
                        for column in 0..<Self.columns {
                            let end = Int(ends[e])
                            e += 1
                            let width = end - start
                            if column > 0 { spaces(1) }
                            let pad = column == Self.ownerColumn ? 0 : widths[column] - width
                            if right[column] { spaces(pad) }
                            if width > 16 {
                                (line + o).copyMemory(from: cells.baseAddress! + start, byteCount: width)
                            } else {
                                for i in 0..<width { line.storeBytes(of: cells[start + i], toByteOffset: o + i, as: UInt8.self) }
                            }
                            o += width
                            if !right[column] { spaces(pad) }
                            start = end
                        }
                        line.storeBytes(of: 0x0A as UInt8, toByteOffset: o, as: UInt8.self)
                        return o + 1
                    }
                    try out.flushIfFull()
                }
            }
        }
    }

    /// Appends the cells of `row` in `WatchColumns.sockets` order, calling `cellEnd` with each column's index
    /// after its cell: the bytes of `WatchColumns.cells(row, bits:totals:)`, one after the other.
    @inline(__always)
    static func format(
        _ row: UnsafePointer<WatchRow>, bits: Bool, totals: Bool, into out: OutputBuffer, cellEnd: (Int) -> Void
    ) {
        let netid = row.pointee.sample.netid
        out.append(netid.rawValue)
        if row.pointee.sample.family == .inet6 { out.append(0x36) }
        cellEnd(0)
        let state = row.pointee.sample.state
        if netid.isDatagram && state == .close { out.append("UNCONN") } else { out.append(state.netstatName) }
        cellEnd(1)
        out.append(endpoint: row.pointee.sample.local)
        cellEnd(2)
        out.append(endpoint: row.pointee.sample.peer)
        cellEnd(3)
        if totals {
            out.appendAmount(row.pointee.sentSinceStart.map { Double($0) }, bits: bits)
            cellEnd(4)
            out.appendAmount(row.pointee.receivedSinceStart.map { Double($0) }, bits: bits)
        } else {
            out.appendAmount(row.pointee.sendRate, bits: bits)
            cellEnd(4)
            out.appendAmount(row.pointee.receiveRate, bits: bits)
        }
        cellEnd(5)
        if let retransmits = row.pointee.retransmits { out.append(decimal: retransmits) } else { out.append(0x2D) }
        cellEnd(6)
        let tcp = netid == .tcp
        if tcp { out.appendMilliseconds(row.pointee.sample.rtt) } else { out.append(0x2D) }
        cellEnd(7)
        if tcp, let cwnd = row.pointee.sample.congestionWindow { out.append(decimal: cwnd) } else { out.append(0x2D) }
        cellEnd(8)
        out.appendAge(row.pointee.age)
        cellEnd(9)
        if let pid = row.pointee.sample.owner?.pid {
            out.append(decimal: pid)
            out.append(0x2F)
            out.appendEscaped(row.pointee.sample.owner!.command)
            let others = row.pointee.sample.otherProcesses
            if others > 0 {
                out.append(0x2B)
                out.append(decimal: others)
            }
        } else {
            out.append(0x2D)
        }
        cellEnd(10)
    }
}

// MARK: - Cells as bytes

extension OutputBuffer {
    /// Appends a byte count (or rate) as `WatchColumns.amount` writes it, times 8 in bits.
    @inline(__always)
    func appendAmount(_ bytes: Double?, bits: Bool) {
        appendRate(bytes.map { bits ? $0 * 8 : $0 })
    }

    /// Appends `WatchColumns.rate(value)`: three significant digits and an SI prefix, `-` when unknown.
    func appendRate(_ value: Double?) {
        guard let value, value.isFinite, value >= 0 else { return append(0x2D) }
        if value < 999.5 { return append(decimal: Int(value.rounded())) }
        var scaled = value
        var prefix = 0
        let prefixes: StaticString = "kMGTP"
        repeat {
            scaled /= 1000
            prefix += 1
        } while scaled >= 999.5 && prefix < 5
        appendFixed(scaled, decimals: scaled < 9.995 ? 2 : scaled < 99.95 ? 1 : 0)
        prefixes.withUTF8Buffer { append($0[prefix - 1]) }
    }

    /// Appends `WatchColumns.milliseconds(microseconds)`: `0.03`, `45.1`, `230`; `-` when unknown.
    @inline(__always)
    func appendMilliseconds(_ microseconds: UInt64?) {
        guard let microseconds else { return append(0x2D) }
        let ms = Double(microseconds) / 1000
        appendFixed(ms, decimals: ms < 10 ? 2 : ms < 100 ? 1 : 0)
    }

    /// Appends `WatchColumns.fixed(value, decimals:)`: `value` rounded to `decimals` (at most 2) decimals.
    func appendFixed(_ value: Double, decimals: Int) {
        var divisor = 1
        for _ in 0..<decimals { divisor *= 10 }
        let scaled = Int((value * Double(divisor)).rounded())
        guard decimals > 0 else { return append(decimal: scaled) }
        guard scaled >= 0 else { return append(WatchColumns.fixed(value, decimals: decimals)) }
        append(fixed: UInt64(scaled), scale: decimals)
    }

    /// Appends `WatchColumns.age(seconds)`: `42s`, `3m07s`, `2h05m`, `3d04h`.
    func appendAge(_ seconds: Double) {
        let s = Int(seconds)
        func two(_ n: Int) {
            if n < 10 { append(0x30) }
            append(decimal: n)
        }
        if s < 60 {
            append(decimal: s)
            append(0x73)
        } else if s < 3600 {
            append(decimal: s / 60)
            append(0x6D)
            two(s % 60)
            append(0x73)
        } else if s < 86400 {
            append(decimal: s / 3600)
            append(0x68)
            two(s % 3600 / 60)
            append(0x6D)
        } else {
            append(decimal: s / 86400)
            append(0x64)
            two(s % 86400 / 3600)
            append(0x68)
        }
    }
}
