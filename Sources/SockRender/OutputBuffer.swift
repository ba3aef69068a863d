import Glibc
import SockDiag

/// Bytes on their way to a file descriptor, written in large chunks.
///
/// Every renderer appends here; nothing prints a line on its own. When the reader has gone (`EPIPE`), `flush`
/// throws `OutputBuffer.Closed`, which the CLI turns into a quiet exit.
public final class OutputBuffer {
    /// The reader closed the pipe.
    public struct Closed: Error {}

    /// Writing failed for another reason (a full disk, an I/O error).
    public struct WriteFailed: Error, CustomStringConvertible {
        public var errno: Int32
        public var description: String { "cannot write output: \(String(cString: strerror(errno)))" }
    }

    /// The bytes live in one malloc'd block grown by doubling: appending is a bounds check and a copy, with
    /// none of `Array`'s uniqueness checks, which a large listing would pay per byte.
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes held.
    public private(set) var count = 0
    let fd: Int32?
    let flushThreshold: Int

    /// A buffer that flushes to `fd` once it holds `flushThreshold` bytes; `fd` nil keeps everything in memory.
    public init(fd: Int32? = 1, flushThreshold: Int = 64 * 1024) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        capacity = flushThreshold + 4096
        guard let storage = malloc(capacity) else { OutOfMemory.exit(bytes: capacity, purpose: "the output buffer") }
        self.storage = storage
    }

    deinit { free(storage) }

    /// A copy of the bytes held (for tests and small uses).
    public var bytes: [UInt8] { Array(UnsafeRawBufferPointer(start: storage, count: count)) }

    /// Calls `body` with the bytes held, without copying them.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        guard let grownStorage = realloc(storage, grown) else {
            OutOfMemory.exit(bytes: grown, purpose: "the output buffer")
        }
        storage = grownStorage
        capacity = grown
    }

    /// Writes everything out if the buffer is full enough.
    @inline(__always)
    public func flushIfFull() throws {
        if count >= flushThreshold { try flush() }
    }

    /// Writes everything out.
    public func flush() throws {
        guard let fd, count > 0 else { return }
        var offset = 0
        while offset < count {
            let n = write(fd, storage + offset, count - offset)
            if n < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN:
                    // A non-blocking stdout: wait until it drains instead of spinning.
                    var waiter = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&waiter, 1, -1)
                    continue
                case EPIPE: throw Closed()
                case let code: throw WriteFailed(errno: code)
                }
            }
            offset += n
        }
        count = 0
    }

    /// Drops what is held without writing it.
    public func reset() { count = 0 }

    /// Drops the bytes after the first `length` (an append that turned out to say nothing).
    public func reset(to length: Int) { count = min(count, max(0, length)) }

    /// The text held, for tests.
    public var text: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    // MARK: - Appending

    @inline(__always) public func append(_ byte: UInt8) {
        reserve(1)
        storage.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) public func append(_ text: StaticString) {
        text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always) public func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always) public func append(_ raw: UnsafeRawBufferPointer) {
        let n = raw.count
        guard n > 0 else { return }
        reserve(n)
        let destination = storage + count
        if n <= 16 {
            // Most cells are a few bytes: a loop beats a call to memmove (perf showed memmove at 8%).
            for i in 0..<n { destination.storeBytes(of: raw[i], toByteOffset: i, as: UInt8.self) }
        } else {
            destination.copyMemory(from: raw.baseAddress!, byteCount: n)
        }
        count += n
    }

    /// Lets `body` write up to `capacity` bytes straight into the buffer, one bounds check for all of them;
    /// `body` returns how many it wrote (at most `capacity`).
    @inline(__always) public func appendDirect(atMost capacity: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
        reserve(capacity)
        let written = body(storage + count)
        precondition(written <= capacity, "appendDirect wrote past what it reserved")
        count += written
    }

    /// Appends `count` spaces.
    @inline(__always) public func appendSpaces(_ count: Int) {
        guard count > 0 else { return }
        reserve(count)
        for i in 0..<count { storage.storeBytes(of: 0x20 as UInt8, toByteOffset: self.count + i, as: UInt8.self) }
        self.count += count
    }

    /// Appends an unsigned decimal straight into the buffer, without going through `String`.
    public func append(decimal value: UInt64) {
        var digits = 1
        var limit: UInt64 = 10
        while digits < 20 && value >= limit {
            digits += 1
            limit = limit &* 10
        }
        reserve(digits)
        var v = value
        var i = count + digits
        repeat {
            i -= 1
            storage.storeBytes(of: UInt8(48 + v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
        } while v > 0
        count += digits
    }

    @inline(__always) public func append<T: BinaryInteger>(decimal value: T) {
        if value < 0 { append(0x2D) }
        append(decimal: UInt64(value.magnitude))
    }

    /// Appends `text`, then `value` in decimal: a key and its number (`",\"inode\":"`, 42).
    @inline(__always) public func append<T: BinaryInteger>(_ text: StaticString, decimal value: T) {
        append(text)
        append(decimal: value)
    }

    /// Appends `value / 10^scale` with exactly `scale` decimals (`1234, 3` gives `1.234`).
    public func append(fixed value: UInt64, scale: Int) {
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        append(decimal: value / divisor)
        guard scale > 0 else { return }
        append(0x2E)
        var fraction = value % divisor
        for _ in 0..<scale {
            divisor /= 10
            append(UInt8(48 + fraction / divisor))
            fraction %= divisor
        }
    }

    /// Appends `value / 10^scale` as `%g` would for these magnitudes: `204000, 3` gives `204`, `29, 3` `0.029`.
    public func append(trimmed value: UInt64, scale: Int) {
        var scale = scale
        var value = value
        while scale > 0 && value % 10 == 0 {
            value /= 10
            scale -= 1
        }
        append(fixed: value, scale: scale)
    }

    /// Appends lower-case hex.
    public func append(hex value: UInt64) {
        let digits: StaticString = "0123456789abcdef"
        var shift = 60
        while shift > 0 && (value >> UInt64(shift)) & 0xF == 0 { shift -= 4 }
        digits.withUTF8Buffer { table in
            while shift >= 0 {
                append(table[Int((value >> UInt64(shift)) & 0xF)])
                shift -= 4
            }
        }
    }
}
