import Glibc

/// The file locks of every process, from `/proc/locks`, as lsof marks them after the access letter: `r`/`w` for
/// a read/write lock on part of a file, `R`/`W` on all of it.
public struct FileLocks: Sendable {
    private struct Key: Hashable {
        var pid: Int32
        var device: UInt64
        var inode: UInt64
    }

    private var locks: [Key: UInt8] = [:]

    /// Reads `path`; an unreadable file means no locks.
    public init(path: String = "/proc/locks") {
        guard let bytes = try? WholeFile.read(path) else { return }
        for line in bytes.split(separator: 0x0A) {
            // `1: POSIX  ADVISORY  WRITE 13228 fe:00:5351349 0 EOF`, split at blanks and colons as lsof does;
            // a waiter's line (`1: -> FLOCK …`) is not a lock held.
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x3A })
            guard fields.count >= 10, !fields[1].elementsEqual("->".utf8) else { continue }
            let write: Bool
            switch fields[3].first {
            case 0x52: write = false  // READ
            case 0x57: write = true  // WRITE
            default: continue
            }
            func text(_ field: ArraySlice<UInt8>) -> String { String(decoding: field, as: UTF8.self) }
            guard let pid = Int32(text(fields[4])), let major = UInt64(text(fields[5]), radix: 16),
                let minor = UInt64(text(fields[6]), radix: 16), let inode = UInt64(text(fields[7])),
                let start = UInt64(text(fields[8]))
            else { continue }
            // lsof's OFFSET_MAX: a lock to EOF from 0 covers the whole file.
            let end: UInt64
            if fields[9].elementsEqual("EOF".utf8) {
                end = 0x7FFF_FFFF
            } else if let value = UInt64(text(fields[9])) {
                end = value
            } else {
                continue
            }
            let whole = start == 0 && end == 0x7FFF_FFFF
            let letter: UInt8 = write ? (whole ? 0x57 : 0x77) : (whole ? 0x52 : 0x72)
            // lsof keeps the last line's lock when a file has several.
            locks[Key(pid: pid, device: FileStatus.makeDevice(major: major, minor: minor), inode: inode)] = letter
        }
    }

    /// The lock letter of `pid` on the file, or nil.
    public func lock(pid: Int32, device: UInt64, inode: UInt64) -> UInt8? {
        locks.isEmpty ? nil : locks[Key(pid: pid, device: device, inode: inode)]
    }
}
