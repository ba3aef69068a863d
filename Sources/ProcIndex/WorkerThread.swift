import Glibc

/// A POSIX thread that runs one closure, started with every signal blocked.
///
/// Signals stay with the threads that were already running: a closed pipe or Ctrl-C is handled where the
/// listing runs, not on a worker. Used for the /proc scan's workers and the `--pid` lookups' helpers.
public struct WorkerThread {
    private let thread: pthread_t

    /// Starts `body` on a new thread; nil when none could be started (the caller then does the work itself).
    /// `body` is sent to the thread: what it captures is the thread's from then on (the compiler checks).
    public static func start(_ body: sending @escaping () -> Void) -> WorkerThread? {
        let job = Unmanaged.passRetained(WorkerJob(body)).toOpaque()
        var all = sigset_t()
        var saved = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            Unmanaged<WorkerJob>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, job)
        guard rc == 0 else {
            Unmanaged<WorkerJob>.fromOpaque(job).release()
            return nil
        }
        return WorkerThread(thread: thread)
    }

    /// Waits until the thread has finished.
    public func join() { pthread_join(thread, nil) }
}

/// The closure a `WorkerThread` runs, carried through pthread_create's `void *`.
private final class WorkerJob {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
