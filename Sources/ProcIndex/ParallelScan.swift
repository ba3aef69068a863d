import Glibc
import Synchronization

/// Reads many processes' fd tables on several threads; each thread builds its own partial index.
///
/// Pids are handed out in ascending order from a shared cursor. With a wanted set, a thread that finishes a
/// process removes that process's inodes from the set under a lock, and every thread stops once it is empty.
/// A process with many descriptors can be cut into ranges of descriptor numbers, read by different threads
/// (`split`): one process holding tens of thousands of sockets is then not one thread's work. The cut is
/// decided by the thread that opens the process's table (its size costs an fstat there, not a stat per
/// process up front); the ranges go to a shared queue that every thread takes from before the next pid.
final class ParallelScan: @unchecked Sendable {
    /// One process, or one range of its descriptor numbers.
    struct Task {
        var pid: Int32
        var fds: Range<Int32>
    }

    /// Descriptors per range when a process is split.
    static let rangeSize = 1024

    /// What one thread found.
    final class Partial: @unchecked Sendable {
        var entries: [ProcessIndex.Entry] = []
        var commands: [String] = []
        var skipped = 0
        var denied = 0
        var exhausted = 0
        var scanned = 0
    }

    let scanner: Scanner
    let tasks: [Task]
    /// Ranges of split processes, not yet taken.
    private let ranges = Mutex<[Task]>([])
    /// How many `ranges` hold, read without the lock (almost always 0).
    private let queued = Atomic<Int>(0)
    /// Tables of more descriptors than this are cut into ranges (nil: never).
    private let splitAbove: Int?
    private let cursor = Atomic<Int>(0)
    private let stop = Atomic<Bool>(false)
    private let missing: Mutex<Set<UInt64>>
    private let tracking: Bool

    /// - Parameter split: cut processes with more than twice `rangeSize` descriptors into ranges.
    init(root: String, pids: [Int32], wanted: Set<UInt64>?, split: Bool = false) {
        scanner = Scanner(root: root)
        tasks = pids.map { Task(pid: $0, fds: 0..<Int32.max) }
        splitAbove = split ? 2 * Self.rangeSize : nil
        missing = Mutex(wanted ?? [])
        tracking = wanted != nil
        if let wanted, wanted.isEmpty { stop.store(true, ordering: .relaxed) }
    }

    /// The ranges a table of `count` descriptors is cut into: about `rangeSize` each, from 0. Descriptors are
    /// numbered lowest-free first, so cutting 0..<count evenly cuts the table evenly; the last range is
    /// open-ended, so a sparser table is still read whole.
    static func ranges(count: Int) -> [Range<Int32>] {
        let pieces = max(1, count / rangeSize)
        let bounds = (0...pieces).map { Int32(truncatingIfNeeded: count * $0 / pieces) }
        return (0..<pieces).map { i in bounds[i]..<(i == pieces - 1 ? Int32.max : bounds[i + 1]) }
    }

    /// The next task: a range of a split process first, else the next pid.
    private func next() -> Task? {
        if queued.load(ordering: .acquiring) > 0, let task = ranges.withLock({ $0.popLast() }) {
            queued.subtract(1, ordering: .releasing)
            return task
        }
        let i = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        return i < tasks.count ? tasks[i] : nil
    }

    /// True when the wanted set was completed before every pid was read.
    var stoppedEarly: Bool { stop.load(ordering: .acquiring) && cursor.load(ordering: .relaxed) < tasks.count }

    /// Starts `workers - 1` threads, runs `work` here, then scans here too; returns every partial.
    func run(workers: Int, alongside work: () throws -> Void) rethrows -> [Partial] {
        start(workers: workers)
        do {
            try work()
        } catch {
            cancel()
            throw error
        }
        return finish()
    }

    private var partials: [Partial] = []
    private var threads: [WorkerThread] = []

    /// Starts `workers - 1` threads on the scan; the caller's share waits for `finish`.
    func start(workers: Int) {
        partials = (0..<max(1, workers)).map { _ in Partial() }
        for partial in partials.dropFirst() {
            // Not started: the finishing thread does its share.
            if let thread = WorkerThread.start({ [self] in scan(into: partial) }) { threads.append(thread) }
        }
    }

    /// Scans on the calling thread until no task is left, waits for the workers; returns every partial.
    func finish() -> [Partial] {
        scan(into: partials[0])
        for thread in threads { thread.join() }
        threads = []
        return partials
    }

    /// Stops the workers after their current process and waits for them.
    func cancel() {
        stop.store(true, ordering: .releasing)
        for thread in threads { thread.join() }
        threads = []
    }

    /// Takes tasks from the cursor until they run out or the wanted set is complete.
    func scan(into partial: Partial) {
        while !stop.load(ordering: .relaxed) {
            guard let task = next() else { return }
            let pid = task.pid
            // A split process counts once, by its first range.
            let first = task.fds.lowerBound == 0
            let before = partial.entries.count
            let processNumber = Int32(partial.commands.count)
            let access = scanner.forEachSocket(pid: pid, fds: task.fds, splitAbove: splitAbove) { fd, inode in
                guard let inode = UInt32(exactly: inode) else { return }
                partial.entries.append(ProcessIndex.Entry(inode: inode, pid: pid, fd: fd, process: processNumber))
            }
            if case .large(let count) = access {
                let pieces = Self.ranges(count: count).map { Task(pid: pid, fds: $0) }
                ranges.withLock { $0 += pieces.reversed() }  // popped from the end: the first range first
                queued.add(pieces.count, ordering: .releasing)
                continue
            }
            guard access == .read else {
                if first {
                    partial.skipped += 1
                    if access == .denied { partial.denied += 1 }
                    if access == .exhausted { partial.exhausted += 1 }
                }
                continue
            }
            if first { partial.scanned += 1 }
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
