import SockDiag
import SockPipeline

/// The live view's colours as SGR parameters: states by kind, rates shaded by magnitude.
///
/// Used only when colour is on (`--color`, `NO_COLOR`, the terminal); attributes that are not colours
/// (reverse video for the header and the selection, bold for the title) are drawn either way.
public enum WatchPalette {
    /// The colour of a state cell: established green, listening cyan, opening yellow, closing magenta,
    /// unconnected or closed blue.
    public static func state(_ state: SocketState, datagram: Bool) -> String {
        switch state {
        case .established: "32"
        case .listen: "36"
        case .synSent, .synRecv, .newSynRecv: "33"
        case .finWait1, .finWait2, .timeWait, .closeWait, .lastAck, .closing: "35"
        case .close: datagram ? "34" : "31"
        }
    }

    /// The shade of a rate (bytes per second, or bytes since start): nothing grey, up to 1 kB default, up to
    /// 100 kB green, up to 10 MB yellow, beyond bold red.
    public static func magnitude(_ bytes: Double?) -> String? {
        guard let bytes else { return nil }
        if bytes <= 0 { return "90" }
        if bytes < 1e3 { return nil }
        if bytes < 1e5 { return "32" }
        if bytes < 1e7 { return "33" }
        return "1;31"
    }

    /// The sparkline's colour.
    public static let sparkline = "36"
}
