import CSockDiag
import Glibc

/// Sockets kept as the kernel encoded them, to be decoded again once something else is ready.
///
/// A narrowed `-p` listing needs every socket's inode before the /proc scan (so the scan can stop early); a full
/// one holds the dump's first sockets while the scan runs (`DiagClient.dump(_:holdingIn:while:where:_:)`). Holding decoded records would cost hundreds of bytes each; this keeps each `inet_diag_msg` and
/// only the attributes the output asked for (every attribute for the other families), back to back in one arena.
public struct SocketCapture {
    /// Fixed-size chunks: a growing single array would copy itself and briefly need twice its size.
    private var chunks: [Chunk] = []
    private static let chunkSize = 1 << 20
    /// Per socket: its chunk and where it ends there.
    private var ends: [(chunk: UInt32, end: UInt32)] = []
    private var netids: [NetID] = []
    /// The network namespace tags (`SocketRecord.netns`) as runs: from socket `start` on, until the next run.
    /// One namespace is dumped at a time, so a listing has one run per namespace, not one tag per socket.
    private var namespaceRuns: [(start: Int, netns: UInt64)] = []
    /// Sockets that came decoded (raw sockets read from /proc), by capture position.
    private var decoded: [Int: SocketRecord] = [:]
    /// Attribute types worth keeping; the rest are dropped on capture.
    private let keep: Set<UInt16>
    /// The inodes captured, in order (0 for sockets without one: time-wait, request sockets).
    public private(set) var inodes: [UInt32] = []

    /// A capture that keeps the attributes `extensions` brings, and with `cgroupIDs` each INET socket's
    /// `INET_DIAG_CGROUP_ID` (which the kernel sends unasked).
    public init(keeping extensions: DiagExtensions, cgroupIDs: Bool = false) {
        var keep: Set<UInt16> = cgroupIDs ? [UInt16(INET_DIAG_CGROUP_ID)] : []
        if extensions.contains(.info) { keep.insert(UInt16(INET_DIAG_INFO)) }
        if extensions.contains(.congestion) { keep.insert(UInt16(INET_DIAG_CONG)) }
        if extensions.contains(.memInfo) { keep.insert(UInt16(INET_DIAG_MEMINFO)) }
        if extensions.contains(.skMemInfo) { keep.insert(UInt16(INET_DIAG_SKMEMINFO)) }
        if extensions.contains(.tos) { keep.insert(UInt16(INET_DIAG_TOS)) }
        if extensions.contains(.trafficClass) { keep.insert(UInt16(INET_DIAG_TCLASS)) }
        self.keep = keep
    }

    /// Sockets held.
    public var count: Int { ends.count }

    /// About how many bytes the capture holds: its chunks and the per-socket positions, kinds and inodes.
    public var byteCount: Int { chunks.count * Self.chunkSize + ends.count * 13 }

    /// Lets go of every socket held (the attributes kept stay as they were).
    public mutating func removeAll() {
        chunks = []
        ends = []
        netids = []
        namespaceRuns = []
        decoded = [:]
        inodes = []
    }

    /// Keeps one message payload (already decoded once as `record`).
    mutating func append(_ payload: UnsafeRawBufferPointer, record: borrowing SocketRecord) throws(OutOfMemory) {
        let head = min(payload.count, FamilyRequest.messageSize(of: record.netid))
        // Other families' attribute numbers mean other things: keep all of theirs.
        let keepAll = !record.netid.isInet
        // At most the whole payload is kept; start a new chunk when it might not fit.
        if chunks.isEmpty || chunks[chunks.count - 1].count + payload.count > Self.chunkSize {
            chunks.append(try Chunk(capacity: max(Self.chunkSize, payload.count)))
        }
        let last = chunks.count - 1
        chunks[last].append(UnsafeRawBufferPointer(rebasing: payload[0..<head]))
        if (keepAll || !keep.isEmpty) && payload.count > head {
            // Attributes were validated by the first decode; copy the kept ones with their headers.
            try? NetlinkAttributes.forEach(in: UnsafeRawBufferPointer(rebasing: payload[head...])) { type, value in
                guard keepAll || keep.contains(type) else { return }
                let length = value.count + NetlinkAttributes.headerSize
                withUnsafeBytes(of: UInt16(length)) { chunks[last].append($0) }
                withUnsafeBytes(of: type) { chunks[last].append($0) }
                chunks[last].append(value)
                let padded = Int(CSockDiag_NLA_ALIGN(UInt32(length)))
                chunks[last].append(zeros: padded - length)
            }
        }
        ends.append((UInt32(last), UInt32(chunks[last].count)))
        noteNamespace(record.netns)
        netids.append(record.netid)
        inodes.append(record.inode)
    }

    private mutating func noteNamespace(_ netns: UInt64) {
        if namespaceRuns.last?.netns != netns { namespaceRuns.append((inodes.count, netns)) }
    }

    /// Keeps a socket that has no kernel message (read from /proc).
    mutating func append(record: borrowing SocketRecord) {
        decoded[ends.count] = copy record
        ends.append((ends.last?.chunk ?? 0, ends.last?.end ?? 0))
        noteNamespace(record.netns)
        netids.append(record.netid)
        inodes.append(record.inode)
    }

    /// Decodes the socket captured at `position` again (nil for one in a state this build does not know).
    public func record(at position: Int) throws -> SocketRecord? {
        if let record = decoded[position] { return record }
        let end = ends[position]
        let start = position > 0 && ends[position - 1].chunk == end.chunk ? Int(ends[position - 1].end) : 0
        var record = try chunks[Int(end.chunk)].withUnsafeBytes { raw in
            try FamilyRequest.decode(UnsafeRawBufferPointer(rebasing: raw[start..<Int(end.end)]), netid: netids[position])
        }
        // The last namespace run starting at or before `position`.
        var low = 0
        var high = namespaceRuns.count
        while low < high {
            let mid = (low + high) / 2
            if namespaceRuns[mid].start <= position { low = mid + 1 } else { high = mid }
        }
        record?.netns = low > 0 ? namespaceRuns[low - 1].netns : 0
        return record
    }

    /// Decodes every captured socket again, in capture order.
    public func forEach(_ body: (borrowing SocketRecord) throws -> Void) throws {
        try forEachWithPosition { _, record in try body(record) }
    }

    /// `forEach`, also handing over each socket's position for `record(at:)`.
    public func forEachWithPosition(_ body: (Int, borrowing SocketRecord) throws -> Void) throws {
        var start = 0
        var chunk: UInt32 = 0
        var run = 0
        var netns: UInt64 = 0
        for (i, end) in ends.enumerated() {
            if run < namespaceRuns.count, namespaceRuns[run].start == i {
                netns = namespaceRuns[run].netns
                run += 1
            }
            if let record = decoded[i] {
                try body(i, record)
                continue
            }
            if end.chunk != chunk {
                chunk = end.chunk
                start = 0
            }
            try chunks[Int(chunk)].withUnsafeBytes { raw in
                try FamilyRequest.decode(
                    UnsafeRawBufferPointer(rebasing: raw[start..<Int(end.end)]), netid: netids[i], netns: netns
                ) { record in try body(i, record) }
            }
            start = Int(end.end)
        }
    }
}

extension SocketCapture {
    /// One malloc'd block of the arena, filled once and then only read (a copy of a capture shares its chunks).
    /// Its `malloc` is checked: a capture that cannot grow fails with `OutOfMemory`, not a runtime trap.
    final class Chunk {
        private let base: UnsafeMutableRawPointer
        private let capacity: Int
        private(set) var count = 0

        init(capacity: Int) throws(OutOfMemory) {
            base = try OutOfMemory.allocate(capacity, for: "the socket capture")
            self.capacity = capacity
        }

        deinit { free(base) }

        /// Appends `bytes`; the caller sized the chunk (a payload's kept part is never larger than the payload).
        func append(_ bytes: UnsafeRawBufferPointer) {
            precondition(count + bytes.count <= capacity, "capture chunk overrun")
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            (base + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }

        /// Appends `n` zero bytes (attribute padding).
        func append(zeros n: Int) {
            precondition(count + n <= capacity, "capture chunk overrun")
            (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: n)
            count += n
        }

        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try body(UnsafeRawBufferPointer(start: base, count: count))
        }
    }
}
