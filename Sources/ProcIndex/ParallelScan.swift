import Glibc
import Synchronization

/// Reads many processes' fd tables on several threads; each thread builds its own partial index.
///
/// Pids are handed out in ascending order from a shared cursor. With a wanted set, a thread that finishes a
/// process removes that process's inodes from the set under a lock, and every thread stops once it is empty.
final class ParallelScan: @unchecked Sendable {
    /// What one thread found.
    final class Partial: @unchecked Sendable {
        var entries: [ProcessIndex.Entry] = []
        var commands: [String] = []
        var skipped = 0
        var denied = 0
        var scanned = 0
    }

    let scanner: Scanner
    let pids: [Int32]
    private let cursor = Atomic<Int>(0)
    private let stop = Atomic<Bool>(false)
    private let missing: Mutex<Set<UInt64>>
    private let tracking: Bool

    init(root: String, pids: [Int32], wanted: Set<UInt64>?) {
        scanner = Scanner(root: root)
        self.pids = pids
        missing = Mutex(wanted ?? [])
        tracking = wanted != nil
        if let wanted, wanted.isEmpty { stop.store(true, ordering: .relaxed) }
    }

    /// True when the wanted set was completed before every pid was read.
    var stoppedEarly: Bool { stop.load(ordering: .acquiring) && cursor.load(ordering: .relaxed) < pids.count }

    /// Starts `workers - 1` threads, runs `work` here, then scans here too; returns every partial.
    func run(workers: Int, alongside work: () throws -> Void) rethrows -> [Partial] {
        let partials = (0..<workers).map { _ in Partial() }
        var threads: [pthread_t] = []
        for partial in partials.dropFirst() {
            let job = Job(scan: self, partial: partial)
            var thread = pthread_t()
            if pthread_create(&thread, nil, { raw in
                let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                job.scan.scan(into: job.partial)
                return nil
            }, Unmanaged.passRetained(job).toOpaque()) == 0 {
                threads.append(thread)
            } else {
                _ = Unmanaged.passUnretained(job)  // not started: this thread will do its share
            }
        }
        defer { for thread in threads { pthread_join(thread, nil) } }
        do {
            try work()
        } catch {
            stop.store(true, ordering: .releasing)
            throw error
        }
        scan(into: partials[0])
        return partials
    }

    private final class Job {
        let scan: ParallelScan
        let partial: Partial
        init(scan: ParallelScan, partial: Partial) {
            self.scan = scan
            self.partial = partial
        }
    }

    /// Takes pids from the cursor until they run out or the wanted set is complete.
    func scan(into partial: Partial) {
        while !stop.load(ordering: .relaxed) {
            let i = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < pids.count else { return }
            let pid = pids[i]
            let before = partial.entries.count
            let processNumber = Int32(partial.commands.count)
            let access = scanner.forEachSocket(pid: pid) { fd, inode in
                guard let inode = UInt32(exactly: inode) else { return }
                partial.entries.append(ProcessIndex.Entry(inode: inode, pid: pid, fd: fd, process: processNumber))
            }
            guard access == .read else {
                partial.skipped += 1
                if access == .denied { partial.denied += 1 }
                continue
            }
            partial.scanned += 1
            guard partial.entries.count > before else { continue }
            partial.commands.append(scanner.command(pid: pid) ?? "")
            if tracking {
                let done = missing.withLock { set in
                    for entry in partial.entries[before...] { set.remove(UInt64(entry.inode)) }
                    return set.isEmpty
                }
                if done { stop.store(true, ordering: .releasing) }
            }
        }
    }
}
