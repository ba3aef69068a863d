import Glibc
import SystemPackage

/// The one whole-file reader for /proc, /sys and small configuration files: reads to EOF, never by `st_size`,
/// which is 0 for the kernel's generated files.
public enum WholeFile {
    /// The first read's size, one page, which most /proc files fit in; later reads double the buffer.
    static let firstChunk = 4096

    /// The bytes of the file at `path`; `open` and `read` are retried on `EINTR`, any other failure is thrown.
    public static func read(_ path: String) throws(Errno) -> [UInt8] {
        do {
            let fd = try path.withCString { try FileDescriptor.open($0, .readOnly, options: .closeOnExec) }
            defer { try? fd.close() }
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
            // swift-system's calls throw only `Errno`.
            throw error as? Errno ?? .ioError
        }
    }

    /// Whether `path` is a directory (following links); false when it cannot be looked at.
    public static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
