/// What lsof shows of a UNIX socket, from its `/proc/net/unix` line (lsof's `get_unix` and `print_unix`).
public struct LsofUnix: Sendable, Equatable {
    /// The DEVICE column: `0x` and the kernel address as `/proc/net/unix` prints it.
    public var device: String
    /// The name as lsof reads it: the line's eighth field, which ends at a blank or a colon.
    public var path: String?
    /// `STREAM`, `DGRAM`…, or `unknown`.
    public var typeName: String
    /// `LISTEN` for a socket that accepts connections, else the `SS_*` state: `UNCONNECTED`, `CONNECTING`,
    /// `CONNECTED`, `DISCONNECTING` (`UNKNOWN` for others).
    public var stateName: String

    public init(device: String, path: String?, typeName: String, stateName: String) {
        self.device = device
        self.path = path
        self.typeName = typeName
        self.stateName = stateName
    }

    public init(_ line: ProcNetUnixLine) {
        device = "0x" + line.address
        path = line.path.flatMap(Self.field)
        typeName = line.typeName ?? "unknown"
        if line.flags == ProcNetUnixLine.acceptConnections {
            stateName = "LISTEN"
        } else {
            switch line.socketState {
            case 1: stateName = "UNCONNECTED"
            case 2: stateName = "CONNECTING"
            case 3: stateName = "CONNECTED"
            case 4: stateName = "DISCONNECTING"
            default: stateName = "UNKNOWN"
            }
        }
    }

    /// lsof's `get_fields` on the name: leading blanks skipped, then up to a space, tab or colon; nil if empty.
    static func field(_ bytes: [UInt8]) -> String? {
        let word = bytes.drop { $0 == 0x20 || $0 == 0x09 }.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x3A }
        return word.isEmpty ? nil : String(decoding: word, as: UTF8.self)
    }
}
