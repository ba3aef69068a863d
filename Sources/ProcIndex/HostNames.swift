import Glibc
import SockDiag

/// Host names of the addresses a listing shows, looked up through the system resolver many at a time.
///
/// Each address is looked up once, with `getnameinfo(NI_NAMEREQD)`: NSS decides where from (`/etc/hosts`, DNS,
/// whatever `nsswitch.conf` names). Up to `parallel` worker threads drain the queue while the listing goes on.
/// `finish()` waits for the answers, but never past the deadlines: a lookup that takes longer than
/// `Deadlines.lookup` is given up (its thread, stuck in glibc, is left to end on its own and replaced), and
/// nothing is waited for once `Deadlines.total` has passed since the first lookup. Addresses without a name in
/// time print numeric; `finish()` says how many.
public final class HostNames: @unchecked Sendable {
    /// How long a listing waits for names.
    public struct Deadlines: Sendable, Equatable {
        /// Seconds one lookup may take before its address prints numeric.
        public var lookup: Double
        /// Seconds all lookups together may take, from the first one.
        public var total: Double

        public init(lookup: Double, total: Double) {
            self.lookup = lookup
            self.total = total
        }

        /// One second a lookup, two for the whole listing.
        public static let standard = Deadlines(lookup: 1, total: 2)
    }

    public let deadlines: Deadlines
    /// The most lookups in flight at once.
    public let parallel: Int
    private let resolve: @Sendable (IPAddress) -> String?

    // MARK: - State shared with the workers, under `mutex`

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [IPAddress] = []
    private var head = 0
    private var seen: Set<IPAddress> = []
    private var answers: [IPAddress: String] = [:]
    /// One per worker ever started: when its current lookup began (0: none), and whether it is gone (ended, or
    /// given up while stuck in a lookup).
    private var slots: [(started: UInt64, gone: Bool)] = []
    /// Workers running and not given up.
    private var live = 0
    /// Of those, the ones inside a lookup.
    private var busy = 0
    private var firstLookup: UInt64 = 0
    private var closed = false
    /// Addresses whose name did not arrive in time.
    private var late = 0
    /// The names, fixed by `finish()`; read without the lock afterwards.
    private var table: [IPAddress: String] = [:]

    /// - Parameters:
    ///   - resolve: the lookup of one address (tests give their own); by default `getnameinfo`.
    public init(
        deadlines: Deadlines = .standard, parallel: Int = 128,
        resolve: @escaping @Sendable (IPAddress) -> String? = HostNames.systemName(of:)
    ) {
        self.deadlines = deadlines
        self.parallel = max(1, parallel)
        self.resolve = resolve
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// The name found for `address`; nil when it has none, it came late, or `finish()` has not run.
    public subscript(address: IPAddress) -> String? { table[address] }

    /// Every name found, after `finish()`.
    public var names: [IPAddress: String] { table }

    /// Queues `address` for a lookup, once; the unspecified addresses are never looked up.
    public func lookUp(_ address: IPAddress) {
        guard !address.isUnspecified else { return }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed, seen.insert(address).inserted else { return }
        if firstLookup == 0 { firstLookup = Self.now() }
        queue.append(address)
        if live < parallel && queue.count - head > idleWorkers { startWorker() }
    }

    /// Waits for the queued lookups within the deadlines, fixes the names; returns how many came too late.
    @discardableResult
    public func finish() -> Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return late }
        let lookupLimit = UInt64(deadlines.lookup * 1e9)
        let end = firstLookup &+ UInt64(deadlines.total * 1e9)
        while true {
            if queue.count == head && busy == 0 { break }
            let now = Self.now()
            if now >= end { break }
            var wake = end
            for i in slots.indices where slots[i].started != 0 && !slots[i].gone {
                if now - slots[i].started >= lookupLimit {
                    // Given up: its thread is left in glibc; a new one takes the rest of the queue.
                    slots[i].gone = true
                    live -= 1
                    busy -= 1
                    late += 1
                } else {
                    wake = min(wake, slots[i].started + lookupLimit)
                }
            }
            while live < parallel && queue.count - head > idleWorkers && slots.count < parallel * 4 {
                guard startWorker() else { break }
            }
            if live == 0 && queue.count > head { break }  // no thread can be started
            if queue.count == head && busy == 0 { break }  // the last lookups in flight were given up
            var deadline = timespec(tv_sec: Int(wake / 1_000_000_000), tv_nsec: Int(wake % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &deadline)
        }
        late += queue.count - head
        late += busy
        closed = true
        table = answers
        return late
    }

    /// Addresses that had no name in time, once `finish()` has run.
    public var lateCount: Int { late }

    // MARK: - Workers

    /// Workers started and about to take an address.
    private var idleWorkers: Int { live - busy }

    /// Starts one worker; called with the lock held.
    @discardableResult
    private func startWorker() -> Bool {
        let index = slots.count
        slots.append((0, false))
        live += 1
        guard WorkerThread.start({ [self] in work(slot: index) }) != nil else {
            slots[index].gone = true
            live -= 1
            return false
        }
        return true
    }

    /// A worker's loop: take the next address, look it up without the lock, keep the answer.
    private func work(slot: Int) {
        pthread_mutex_lock(mutex)
        while !closed && head < queue.count && !slots[slot].gone {
            let address = queue[head]
            head += 1
            slots[slot].started = Self.now()
            busy += 1
            pthread_mutex_unlock(mutex)
            let name = resolve(address)
            pthread_mutex_lock(mutex)
            // Given up meanwhile: `finish` counted it late and took it off `live` and `busy`.
            if slots[slot].gone { break }
            slots[slot].started = 0
            busy -= 1
            if let name, !closed { answers[address] = name }
            pthread_cond_signal(condition)
        }
        if !slots[slot].gone {
            slots[slot].gone = true  // ended: no longer live
            live -= 1
        }
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    // MARK: - The system resolver

    /// The name NSS gives `address` (`getnameinfo` with `NI_NAMEREQD`); nil when it has none.
    public static func systemName(of address: IPAddress) -> String? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let rc: Int32
        switch address.family {
        case .inet:
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_addr.s_addr = UInt32(truncatingIfNeeded: address.high)
            rc = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
        case .inet6:
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            var raw = (address.high, address.low)
            withUnsafeBytes(of: &raw) { bytes in
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyMemory(from: bytes) }
            }
            rc = withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, socklen_t(MemoryLayout<sockaddr_in6>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
        }
        guard rc == 0 else { return nil }
        let length = host.firstIndex(of: 0) ?? host.count
        return String(decoding: host[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
