import Glibc
import SystemPackage

/// The one whole-file reader for /proc, /sys and small configuration files: reads to EOF, never by `st_size`,
/// which is 0 for the kernel's generated files.
public enum WholeFile {
    /// The first read's size, one page, which most /proc files fit in; later reads double the buffer.
    static let firstChunk = 4096

    /// The bytes of the file at `path`; `open` and `read` are retried on `EINTR`, any other failure is thrown.
    public static func read(_ path: String) throws(Errno) -> [UInt8] {
        let fd: FileDescriptor
        do {
            fd = try path.withCString { try FileDescriptor.open($0, .readOnly, options: .closeOnExec) }
        } catch {
            // swift-system's calls throw only `Errno`.
            throw error as? Errno ?? .ioError
        }
        defer { try? fd.close() }
        return try readToEnd(fd)
    }

    /// The bytes of the file `name` in the open directory `directory` (`openat`: one `/proc/PID/fdinfo` opened
    /// once for all of a process's descriptors).
    public static func read(_ name: String, in directory: Int32) throws(Errno) -> [UInt8] {
        let raw = name.withCString { openat(directory, $0, O_RDONLY | O_CLOEXEC) }
        guard raw >= 0 else { throw Errno(rawValue: errno) }
        let fd = FileDescriptor(rawValue: raw)
        defer { try? fd.close() }
        return try readToEnd(fd)
    }

    /// Reads `fd` to EOF from where it stands.
    static func readToEnd(_ fd: FileDescriptor) throws(Errno) -> [UInt8] {
        do {
            var bytes: [UInt8] = []
            var filled = 0
            while true {
                if filled == bytes.count {
                    bytes.append(contentsOf: repeatElement(0, count: max(firstChunk, filled)))
                }
                let n = try bytes.withUnsafeMutableBytes { buffer in
                    try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                }
                if n == 0 { break }
                filled += n
            }
            bytes.removeLast(bytes.count - filled)
            return bytes
        } catch {
            throw error as? Errno ?? .ioError
        }
    }

    /// Whether `path` is a directory (following links); false when it cannot be looked at.
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
