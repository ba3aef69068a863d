import Glibc

/// The controlling terminal in the live view's mode: no echo, keys read one by one (termios without `ICANON`,
/// `ECHO`, `IEXTEN`), the alternate screen (`CSI ?1049h`) and a hidden cursor (`CSI ?25l`).
///
/// `ISIG` stays on, so Ctrl-C still raises SIGINT, which the caller catches to leave the screen as it was.
final class Terminal {
    /// Where keys come from: stdin when it is a terminal, else /dev/tty; -1 when there is none.
    let input: Int32
    private let ownsInput: Bool
    private let output: Int32 = 1
    private var saved: termios?
    private(set) var active = false

    init() {
        if isatty(0) == 1 {
            input = 0
            ownsInput = false
        } else {
            input = open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY)
            ownsInput = input >= 0
        }
    }

    deinit {
        leave()
        if ownsInput { close(input) }
    }

    /// Switches to the live view's mode.
    func enter() {
        guard !active else { return }
        if input >= 0 {
            var mode = termios()
            if tcgetattr(input, &mode) == 0 {
                saved = mode
                mode.c_lflag &= ~tcflag_t(ICANON | ECHO | IEXTEN)
                withUnsafeMutableBytes(of: &mode.c_cc) { cc in
                    cc[Int(VMIN)] = 1
                    cc[Int(VTIME)] = 0
                }
                _ = tcsetattr(input, TCSANOW, &mode)
            }
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
        active = true
    }

    /// Puts the terminal back as it was: cursor shown, main screen, the saved termios.
    func leave() {
        guard active else { return }
        active = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        if var mode = saved { _ = tcsetattr(input, TCSANOW, &mode) }
    }

    /// The window size from `TIOCGWINSZ` (columns, rows); 80×24 when the terminal does not say.
    func size() -> (width: Int, height: Int) {
        var size = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (80, 24)
    }

    /// Reads the keys typed so far (never blocks long: called after poll said so).
    func readKeys() -> [UInt8] {
        guard input >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(output, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
