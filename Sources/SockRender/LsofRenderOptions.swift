/// The fields of lsof's `-F` output that sockwatch writes, in the order lsof writes them.
public struct LsofFields: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `p`: the pid (always written).
    public static let pid = LsofFields(rawValue: 1 << 0)
    /// `c`: the command name.
    public static let command = LsofFields(rawValue: 1 << 1)
    /// `u`: the process's uid.
    public static let uid = LsofFields(rawValue: 1 << 2)
    /// `L`: its login name, when the uid has one.
    public static let login = LsofFields(rawValue: 1 << 3)
    /// `f`: the descriptor.
    public static let fd = LsofFields(rawValue: 1 << 4)
    /// `a`: the access mode (`r`, `w`, `u`; a space when unknown).
    public static let access = LsofFields(rawValue: 1 << 5)
    /// `l`: the lock (`r`, `R`, `w`, `W`, or a space).
    public static let lock = LsofFields(rawValue: 1 << 6)
    /// `t`: the TYPE column: `REG`, `DIR`, `CHR`, `FIFO`, `IPv4`, `unix`…
    public static let type = LsofFields(rawValue: 1 << 7)
    /// `d`: the DEVICE column of a socket: an Internet socket's inode, a UNIX socket's kernel address.
    public static let device = LsofFields(rawValue: 1 << 8)
    /// `D`: the device number of a file (not a socket's), in hex: `0xfe00`.
    public static let deviceNumber = LsofFields(rawValue: 1 << 14)
    /// `s`: a file's size (regular files, directories, mapped files).
    public static let size = LsofFields(rawValue: 1 << 15)
    /// `K`: the thread of a thread's set of files.
    public static let taskID = LsofFields(rawValue: 1 << 17)
    /// `k`: a file's link count.
    public static let linkCount = LsofFields(rawValue: 1 << 16)
    /// `o`: the offset: `0t0` for sockets, the position of devices and pipes.
    public static let offset = LsofFields(rawValue: 1 << 9)
    /// `i`: the inode, which only a UNIX socket has in NODE (an Internet socket's NODE is its protocol).
    public static let inode = LsofFields(rawValue: 1 << 13)
    /// `P`: `TCP`, `UDP`.
    public static let protocolName = LsofFields(rawValue: 1 << 10)
    /// `n`: the addresses.
    public static let name = LsofFields(rawValue: 1 << 11)
    /// `T`: `ST=`, `QR=`, `QS=`.
    public static let tcpInfo = LsofFields(rawValue: 1 << 12)

    /// The field a `-F` letter names; nil for letters sockwatch does not write.
    public init?(letter: Character) {
        switch letter {
        case "p": self = .pid
        case "c": self = .command
        case "u": self = .uid
        case "L": self = .login
        case "f": self = .fd
        case "a": self = .access
        case "l": self = .lock
        case "t": self = .type
        case "d": self = .device
        case "D": self = .deviceNumber
        case "s": self = .size
        case "k": self = .linkCount
        case "K": self = .taskID
        case "i": self = .inode
        case "o": self = .offset
        case "P": self = .protocolName
        case "n": self = .name
        case "T": self = .tcpInfo
        default: return nil
        }
    }
}

/// How `sockwatch lsof` writes what it found.
public struct LsofRenderOptions {
    public enum Output: Sendable {
        /// The `COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME` table.
        case table
        /// `-t`: each pid once, ascending.
        case pids
        /// `-F`: one field per line.
        case fields
    }

    /// What SIZE/OFF holds (lsof's `Fsize`, `Foffset`).
    public enum Sizes: Sendable {
        /// Sizes of files, offsets of devices, pipes and sockets.
        case mixed
        /// Sizes only (`-F s` without `o`).
        case sizes
        /// Offsets of every descriptor only (`-F o`).
        case offsets
    }

    public var output: Output = .table
    public var sizes = Sizes.mixed
    /// `-F`: the fields asked for; `p` is written anyway.
    public var fields: LsofFields = []
    /// `-F0`: a NUL after each field, and a newline after each process or file set.
    public var nulTerminated = false
    /// `+c W`: the most COMMAND may take; 0 for all of it. lsof's default is 9.
    public var commandWidth = 9
    /// `-T`: the TCP state after NAME (`(LISTEN)`), and the queues (`QR=0 QS=0`).
    public var tcpState = true
    public var tcpQueues = false
    public var names = LsofNames.numeric
    /// A UTF-8 locale: `-F c` and names keep printable multibyte characters, as lsof does there.
    public var multibyte = false

    public init() {}
}

/// Who holds a selected descriptor: what the USER column and the `u`/`L` fields need.
public struct LsofOwner: Sendable, Equatable {
    public var uid: UInt32
    /// The login name; nil when the uid has none, or with `-l`.
    public var login: String?

    public init(uid: UInt32, login: String?) {
        self.uid = uid
        self.login = login
    }
}
