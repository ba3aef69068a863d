import Glibc
import SockPipeline
import SockRender
import SystemPackage

/// The full-screen live view: samples every `delay`, redraws, and answers keys and signals between samples.
///
/// One thread, one `poll` on the keyboard and the signal pipe with the time left until the next sample as
/// its timeout. `s` cycles the sort, `p` toggles the per-process rows, `q` (or Ctrl-C, or SIGTERM) leaves the
/// terminal as it was found; SIGWINCH redraws at the new size; Ctrl-Z restores the terminal before stopping.
struct LiveWatch {
    var sampler: WatchSampler
    var view: WatchView
    /// Nanoseconds between samples.
    let period: UInt64
    let delayText: String

    mutating func run() throws {
        let signals = try SignalPipe()
        signals.catchSignals([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP])
        let terminal = Terminal()
        terminal.enter()
        defer { terminal.leave() }
        let out = OutputBuffer(fd: 1)
        var tracker = RateTracker()
        var rows: [WatchRow] = []
        var size = terminal.size()
        var keyboard = terminal.input >= 0
        var next = WatchSampler.now()

        func draw() throws {
            WatchFrame(width: size.width, height: size.height, view: view, delay: delayText).render(rows, to: out)
            try out.flush()
        }

        while true {
            if WatchSampler.now() >= next {
                let (samples, time) = try sampler.sample()
                _ = sampler.takeNotes()  // stderr is the screen: notes would tear it
                rows = tracker.update(samples, at: time)
                try draw()
                next = time + period
                let now = WatchSampler.now()
                if next <= now { next = now + period }  // a slow sample: keep the period between samples
            }
            var fds = [pollfd(fd: signals.readFD, events: Int16(POLLIN), revents: 0)]
            if keyboard { fds.append(pollfd(fd: terminal.input, events: Int16(POLLIN), revents: 0)) }
            let now = WatchSampler.now()
            let wait = next > now ? min(Int((next - now + 999_999) / 1_000_000), 60_000) : 0
            if poll(&fds, nfds_t(fds.count), Int32(wait)) < 0 && errno != EINTR {
                throw Errno(rawValue: errno)
            }
            for signo in signals.drain() {
                switch signo {
                case SIGWINCH:
                    size = terminal.size()
                    try draw()
                case SIGTSTP:
                    // Stop with the terminal as the shell expects it; redraw when continued.
                    terminal.leave()
                    signal(SIGTSTP, SIG_DFL)
                    raise(SIGTSTP)
                    signals.catchSignals([SIGTSTP])
                    terminal.enter()
                    size = terminal.size()
                    try draw()
                default:
                    // SIGINT, SIGTERM, SIGHUP, SIGQUIT: restore, then die of the signal as the caller expects.
                    terminal.leave()
                    signal(signo, SIG_DFL)
                    raise(signo)
                    return
                }
            }
            if keyboard, fds.count > 1, fds[1].revents != 0 {
                let keys = terminal.readKeys()
                if keys.isEmpty { keyboard = false }  // end of input: keep watching, Ctrl-C still works
                for key in keys {
                    switch key {
                    case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03: return
                    case UInt8(ascii: "s"), UInt8(ascii: "S"):
                        view.sort = view.sort.next
                        try draw()
                    case UInt8(ascii: "p"), UInt8(ascii: "P"):
                        view.byProcess.toggle()
                        try draw()
                    default: break
                    }
                }
            }
        }
    }
}
