import Glibc

/// Reads a pipe to its end, retrying reads a signal interrupted (Foundation's FileHandle traps on EINTR).
public func readToEnd(_ fd: Int32) -> [UInt8] {
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            data.append(contentsOf: chunk[0..<n])
        } else if n == 0 || errno != EINTR {
            return data
        }
    }
}
