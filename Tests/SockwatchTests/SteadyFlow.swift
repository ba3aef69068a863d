import Foundation
import SockTestSupport
import Synchronization

/// One loopback TCP connection carrying a known, steady rate: a writer thread sends `chunk` bytes every
/// `period` on an absolute schedule (a late wake-up catches up, so the average holds), a reader thread drains
/// the other end. Idle connections to the same listener can be opened beside it.
final class SteadyFlow: Sendable {
    let listener = LiveSocket.tcpListener(v6: false)
    let client: LiveSocket
    let server: LiveSocket
    /// Connections that carry nothing, both ends kept.
    let idle: [(client: LiveSocket, server: LiveSocket)]
    let chunk: Int
    let period: Double
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Bytes per second the writer sends.
    var rate: Double { Double(chunk) / period }

    init(chunk: Int = 32 * 1024, period: Double = 0.02, idleConnections: Int = 0) {
        self.chunk = chunk
        self.period = period
        let connection = LiveSocket.tcpConnection(to: listener)
        client = connection.client
        server = connection.server
        var idle: [(client: LiveSocket, server: LiveSocket)] = []
        for _ in 0..<idleConnections { idle.append(LiveSocket.tcpConnection(to: listener)) }
        self.idle = idle
        start()
    }

    private func start() {
        Thread.detachNewThread { [self] in write() }
        Thread.detachNewThread { [self] in drain() }
    }

    /// Stops the writer and waits for both threads.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
        shutdown(client.fd, Int32(SHUT_WR))
        finished.wait()
    }

    private func write() {
        let buffer = [UInt8](repeating: 0x61, count: chunk)
        let start = Self.now()
        var sent = 0
        while !stopping.load(ordering: .relaxed) {
            var offset = 0
            while offset < chunk {
                let n = buffer.withUnsafeBytes { send(client.fd, $0.baseAddress! + offset, chunk - offset, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
            sent += 1
            var deadline = timespec()
            let at = start + Double(sent) * period
            deadline.tv_sec = Int(at)
            deadline.tv_nsec = Int((at - Double(Int(at))) * 1e9)
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
        }
        finished.signal()
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(server.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
        }
        finished.signal()
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// One row of `watch`'s table, split into its cells (the owner, last, may hold spaces).
struct WatchTableRow {
    var cells: [Substring]

    init?(_ line: Substring) {
        cells = line.split(separator: " ", maxSplits: 10, omittingEmptySubsequences: true)
        guard cells.count == 11, cells[0].hasPrefix("tcp") || cells[0].hasPrefix("udp") else { return nil }
    }

    var local: Substring { cells[2] }
    var peer: Substring { cells[3] }
    var sendRate: Double? { Self.rate(cells[4]) }
    var receiveRate: Double? { Self.rate(cells[5]) }
    var owner: Substring { cells[10] }
    /// The Age cell (`3s`, `1m05s`) in seconds.
    var ageSeconds: Int? {
        let age = cells[9]
        if age.hasSuffix("s"), !age.contains("m") { return Int(age.dropLast()) }
        return age.contains("m") || age.contains("h") || age.contains("d") ? 60 : nil
    }

    /// `812`, `12.3k`, `1.64M` as bytes per second; nil for `-`.
    static func rate(_ text: Substring) -> Double? {
        let multipliers: [Character: Double] = ["k": 1e3, "M": 1e6, "G": 1e9]
        if let last = text.last, let multiplier = multipliers[last] {
            return Double(text.dropLast()).map { $0 * multiplier }
        }
        return Double(text)
    }
}
