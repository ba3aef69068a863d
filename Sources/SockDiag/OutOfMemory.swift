import Glibc

/// A large buffer could not be allocated (`malloc` returned NULL: `ulimit -v`, a cgroup's memory.max).
///
/// Swift's own allocations (arrays, strings, classes) cannot fail softly: the runtime stops the process. The
/// few large buffers (the capture's chunks, the output buffer; the receive ring is malloc'd in the C shim and
/// falls back to the socket's own buffer) are allocated with `malloc` and fail into this instead
/// (docs/exit-status.md).
public struct OutOfMemory: Error, CustomStringConvertible {
    public var bytes: Int
    public var purpose: String

    public init(bytes: Int, purpose: String) {
        self.bytes = bytes
        self.purpose = purpose
    }

    public var description: String { "out of memory (\(bytes) bytes for \(purpose))" }

    /// `malloc(bytes)`, or `OutOfMemory` when it returns NULL.
    public static func allocate(_ bytes: Int, for purpose: @autoclosure () -> String) throws(OutOfMemory)
        -> UnsafeMutableRawPointer
    {
        guard let pointer = malloc(bytes) else { throw OutOfMemory(bytes: bytes, purpose: purpose()) }
        return pointer
    }

    /// For a buffer whose users cannot throw (the output buffer, appended to everywhere): writes
    /// `sockwatch: out of memory (…)` on stderr and exits with status 1, with nothing else allocated on the way.
    public static func exit(bytes: Int, purpose: StaticString) -> Never {
        func put(_ text: StaticString) { _ = Glibc.write(2, text.utf8Start, text.utf8CodeUnitCount) }
        put("sockwatch: out of memory (")
        var digits = (UInt64(0), UInt64(0), UInt64(0))  // 24 bytes on the stack: room for any Int
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            var value = bytes
            repeat {
                start -= 1
                buffer[start] = UInt8(48 + value % 10)
                value /= 10
            } while value > 0 && start > 0
            _ = Glibc.write(2, buffer.baseAddress! + start, buffer.count - start)
        }
        put(" bytes for ")
        put(purpose)
        put(")\n")
        Glibc._exit(1)
    }
}
