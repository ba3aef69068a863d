import Glibc
import SockDiag
import SockPipeline
import SockRender
import SystemPackage

/// The full-screen live view: samples every `delay`, redraws, and answers keys and signals between samples.
///
/// One thread, one `poll` on the keyboard and the signal pipe with the time left until the next sample as
/// its timeout. The keys are listed by `?` (`WatchDetailsText.help`); `q` (or Ctrl-C, or SIGTERM) leaves the
/// terminal as it was found; SIGWINCH redraws at the new size; Ctrl-Z restores the terminal before stopping.
struct LiveWatch {
    var sampler: WatchSampler
    var view: WatchView
    /// Nanoseconds between samples.
    let period: UInt64
    let delayText: String
    /// Colours on (decided from `--color`, `NO_COLOR` and the terminal).
    let colour: Bool
    /// The query without a filter expression: what a live filter is added to.
    let baseQuery: SocketQuery
    /// The filter typed on the command line, as the prompt starts with it.
    var filterText: String

    /// The part of a live filter applied to rows after the dump (a process or container name).
    private var nameFilter: LiveFilter?
    private var tracker = RateTracker()
    /// The rows of the last sample, after the name filter.
    private var rows: [WatchRow] = []
    private var frame: WatchFrame
    /// The socket the details screen shows.
    private var detailCookie: UInt64?
    private var detailScroll = 0
    private var details: WatchDetails?
    private var helpShown = false
    /// The prompt's text while it is open.
    private var prompt: String?
    /// The prompt's bytes as typed (`prompt` is their decoding).
    private var promptBytes: [UInt8] = []
    private var promptError: String?

    init(
        sampler: WatchSampler, view: WatchView, period: UInt64, delayText: String, colour: Bool,
        baseQuery: SocketQuery, filterText: String
    ) {
        self.sampler = sampler
        self.view = view
        self.period = period
        self.delayText = delayText
        self.colour = colour
        self.baseQuery = baseQuery
        self.filterText = filterText
        frame = WatchFrame(width: 80, height: 24, view: view, delay: delayText)
    }

    mutating func run() throws {
        let signals = try SignalPipe()
        signals.catchSignals([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGTSTP])
        let terminal = Terminal()
        terminal.enter()
        defer { terminal.leave() }
        let out = OutputBuffer(fd: 1)
        var size = terminal.size()
        var keyboard = terminal.input >= 0
        var next = WatchSampler.now()
        var now = next

        func draw(_ this: inout LiveWatch) throws {
            this.frame.width = size.width
            this.frame.height = size.height
            this.frame.now = now
            this.compose()
            let listing = this.view.listing(this.rows)
            this.frame.cursor.place(in: listing, page: WatchFrame.page(height: size.height))
            this.frame.render(listing, this.rows, to: out)
            try out.flush()
        }

        while true {
            now = WatchSampler.now()
            if now >= next {
                var all: [WatchRow] = []
                let time = try sampler.sample(into: &all)
                _ = sampler.takeNotes()  // stderr is the screen: notes would tear it
                tracker.update(&all, at: time)
                frame.sparkline.add(all.reduce(0) { $0 + $1.totalRate }, at: time)
                if !frame.paused {
                    rows = nameFilter.map { filter in all.filter(filter.keeps) } ?? all
                    frame.hostSent = tracker.hostSent
                    frame.hostReceived = tracker.hostReceived
                    refreshDetails()
                    try draw(&self)
                }
                next = time + period
                now = WatchSampler.now()
                if next <= now { next = now + period }  // a slow sample: keep the period between samples
            }
            var fds = [pollfd(fd: signals.readFD, events: Int16(POLLIN), revents: 0)]
            if keyboard { fds.append(pollfd(fd: terminal.input, events: Int16(POLLIN), revents: 0)) }
            now = WatchSampler.now()
            let wait = next > now ? min(Int((next - now + 999_999) / 1_000_000), 60_000) : 0
            if poll(&fds, nfds_t(fds.count), Int32(wait)) < 0 && errno != EINTR {
                throw Errno(rawValue: errno)
            }
            for signo in signals.drain() {
                switch signo {
                case SIGWINCH:
                    size = terminal.size()
                    try draw(&self)
                case SIGTSTP:
                    // Stop with the terminal as the shell expects it; redraw when continued.
                    terminal.leave()
                    signal(SIGTSTP, SIG_DFL)
                    raise(SIGTSTP)
                    signals.catchSignals([SIGTSTP])
                    terminal.enter()
                    size = terminal.size()
                    try draw(&self)
                default:
                    // SIGINT, SIGTERM, SIGHUP, SIGQUIT: restore, then die of the signal as the caller expects.
                    terminal.leave()
                    signal(signo, SIG_DFL)
                    raise(signo)
                    return
                }
            }
            if keyboard, fds.count > 1, fds[1].revents != 0 {
                let bytes = terminal.readKeys()
                if bytes.isEmpty { keyboard = false }  // end of input: keep watching, Ctrl-C still works
                var resample = false
                for key in Key.decode(bytes) {
                    switch handle(key, page: WatchFrame.page(height: size.height)) {
                    case .quit: return
                    case .resample: resample = true
                    case .redraw: break
                    }
                }
                if resample { next = WatchSampler.now() }
                now = WatchSampler.now()
                try draw(&self)
            }
        }
    }

    /// What a key asks of the loop after the state changed.
    enum Outcome {
        case redraw
        /// Sample now (a new filter, the details of another socket).
        case resample
        case quit
    }

    /// Applies one key to the view's state.
    mutating func handle(_ key: Key, page: Int) -> Outcome {
        frame.message = nil
        if prompt != nil { return handlePrompt(key) }
        if helpShown {
            helpShown = false
            return key == .character(UInt8(ascii: "q")) ? .quit : .redraw
        }
        let listing = view.listing(rows)
        let inDetails = detailCookie != nil
        switch key {
        case .character(UInt8(ascii: "q")), .character(UInt8(ascii: "Q")), .character(0x03): return .quit
        case .up, .character(UInt8(ascii: "k")):
            if inDetails { detailScroll = max(0, detailScroll - 1) } else { frame.cursor.move(-1, in: listing, page: page) }
        case .down, .character(UInt8(ascii: "j")):
            if inDetails { detailScroll += 1 } else { frame.cursor.move(1, in: listing, page: page) }
        case .pageUp:
            if inDetails { detailScroll = max(0, detailScroll - page) } else { frame.cursor.move(-page, in: listing, page: page) }
        case .pageDown:
            if inDetails { detailScroll += page } else { frame.cursor.move(page, in: listing, page: page) }
        case .home, .character(UInt8(ascii: "g")):
            if inDetails { detailScroll = 0 } else { frame.cursor.jump(toEnd: false, in: listing, page: page) }
        case .end, .character(UInt8(ascii: "G")):
            if !inDetails { frame.cursor.jump(toEnd: true, in: listing, page: page) }
        case .escape, .backspace, .left:
            closeDetails()
        case .enter:
            if inDetails {
                closeDetails()
            } else if view.grouping != .sockets {
                frame.message = "details are per socket: p or c goes back to the socket rows"
            } else if let row = listing.socket(at: frame.cursor.index) {
                detailCookie = row.sample.cookie
                detailScroll = 0
                sampler.detailCookie = row.sample.cookie
                details = WatchDetails(row: row, tcpInfo: nil)
                return .resample  // the whole tcp_info comes with the next dump
            }
        case .character(UInt8(ascii: "?")), .character(UInt8(ascii: "h")):
            helpShown = true
        case .character(UInt8(ascii: "/")):
            prompt = filterText
            promptBytes = Array(filterText.utf8)
            promptError = nil
        case .character(UInt8(ascii: "s")), .character(UInt8(ascii: "S")):
            view.sort = view.sort.next
        case .character(UInt8(ascii: "p")), .character(UInt8(ascii: "P")):
            closeDetails()
            view.toggle(.process)
        case .character(UInt8(ascii: "c")), .character(UInt8(ascii: "C")):
            closeDetails()
            view.toggle(.container)
        case .character(UInt8(ascii: "b")), .character(UInt8(ascii: "B")):
            view.bits.toggle()
        case .character(UInt8(ascii: "t")), .character(UInt8(ascii: "T")):
            view.totals.toggle()
        case .character(UInt8(ascii: " ")):
            frame.paused.toggle()
            if !frame.paused { return .resample }
        default: break
        }
        return .redraw
    }

    private mutating func handlePrompt(_ key: Key) -> Outcome {
        guard var text = prompt else { return .redraw }
        switch key {
        case .escape:
            prompt = nil
            return .redraw
        case .enter:
            switch LiveFilter.parse(text) {
            case .failure(let error):
                promptError = error.description  // the old filter stays
                return .redraw
            case .success(let filter):
                do {
                    try apply(filter)
                } catch {
                    promptError = "\(error)"
                    return .redraw
                }
                filterText = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                prompt = nil
                return .resample
            }
        case .backspace:
            // Drop the last character: a whole UTF-8 sequence (continuation bytes, then their lead byte).
            while let last = promptBytes.last, last & 0xC0 == 0x80 { promptBytes.removeLast() }
            if !promptBytes.isEmpty { promptBytes.removeLast() }
            text = String(decoding: promptBytes, as: UTF8.self)
        case .clearLine:
            promptBytes = []
            text = ""
        case .character(let byte) where byte >= 0x20 && byte != 0x7F:
            // Bytes are kept as typed: a character of several bytes arrives one byte at a time.
            promptBytes.append(byte)
            text = String(decoding: promptBytes, as: UTF8.self)
        default: break
        }
        prompt = text
        promptError = nil
        return .redraw
    }

    /// Runs `filter` from the next sample on: an expression becomes the dump's kernel bytecode; a name is
    /// matched on the rows, with the command line's expression dropped.
    private mutating func apply(_ filter: LiveFilter) throws {
        var query = baseQuery
        switch filter {
        case .expression(let parsed):
            query.expression = parsed.expression
            if let states = parsed.states { query.states = states }
            nameFilter = nil
        case .name:
            nameFilter = filter
        }
        try sampler.refilter(query)
    }

    private mutating func closeDetails() {
        detailCookie = nil
        details = nil
        sampler.detailCookie = nil
    }

    /// Reads the details of the selected socket again from the latest sample.
    private mutating func refreshDetails() {
        guard let cookie = detailCookie else { return }
        if let row = rows.first(where: { $0.sample.cookie == cookie }) {
            details = WatchDetails(row: row, tcpInfo: sampler.detailInfo)
        }
    }

    /// Copies the view's state into the frame before a draw.
    private mutating func compose() {
        frame.view = view
        frame.colour = colour
        frame.filter = filterText
        if let prompt {
            frame.overlay = .prompt(text: prompt, error: promptError)
        } else if helpShown {
            frame.overlay = .help
        } else if let details {
            frame.overlay = .details(details, scroll: detailScroll)
        } else {
            frame.overlay = .none
        }
    }
}
