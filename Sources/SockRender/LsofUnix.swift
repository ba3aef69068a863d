import SockDiag

/// What lsof shows of a UNIX socket, from its `/proc/net/unix` line (lsof's `get_unix` and `print_unix`).
///
/// A class, so that an `LsofSocket` of an Internet socket carries one empty reference, not four strings.
public final class LsofUnix: Sendable, Equatable {
    /// The DEVICE column: `0x` and the kernel address as `/proc/net/unix` prints it.
    public let device: String
    /// The name as lsof reads it: the line's eighth field, which ends at a blank or a colon.
    public let path: String?
    /// `STREAM`, `DGRAM`…, or `unknown`.
    public let typeName: String
    /// `LISTEN` for a socket that accepts connections, else the `SS_*` state: `UNCONNECTED`, `CONNECTING`,
    /// `CONNECTED`, `DISCONNECTING` (`UNKNOWN` for others).
    public let stateName: String

    public static func == (a: LsofUnix, b: LsofUnix) -> Bool {
        (a.device, a.path, a.typeName, a.stateName) == (b.device, b.path, b.typeName, b.stateName)
    }

    public init(device: String, path: String?, typeName: String, stateName: String) {
        self.device = device
        self.path = path
        self.typeName = typeName
        self.stateName = stateName
    }

    public convenience init(_ line: ProcNetUnixLine) {
        let state: String
        if line.flags == ProcNetUnixLine.acceptConnections {
            state = "LISTEN"
        } else {
            switch line.socketState {
            case 1: state = "UNCONNECTED"
            case 2: state = "CONNECTING"
            case 3: state = "CONNECTED"
            case 4: state = "DISCONNECTING"
            default: state = "UNKNOWN"
            }
        }
        self.init(
            device: "0x" + line.address, path: line.path.flatMap(Self.field), typeName: line.typeName ?? "unknown",
            stateName: state)
    }

    /// lsof's `get_fields` on the name: leading blanks skipped, then up to a space, tab or colon; nil if empty.
    static func field(_ bytes: [UInt8]) -> String? {
        let word = bytes.drop { $0 == 0x20 || $0 == 0x09 }.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x3A }
        return word.isEmpty ? nil : String(decoding: word, as: UTF8.self)
    }
}
