/// Runs a dump again when the kernel says it was inconsistent, delivering each socket once.
///
/// A dump is inconsistent when a message carries `NLM_F_DUMP_INTR` (the table changed under the dump) or the
/// receive queue overflowed (`ENOBUFS`: messages were lost). The dump is then run again, up to `retries`
/// more times; sockets already delivered (by cookie) are skipped on the later runs. The delivered cookies
/// take bounded memory (`DeliveredCookies`).
struct DumpRetry {
    var retries: Int

    struct Result: Equatable {
        /// Distinct sockets delivered over all runs.
        var delivered: Int
        /// Every run was inconsistent: the caller should warn that sockets may be missing.
        var gaveUp: Bool
        var runs: Int
    }

    /// `once(deliver)` runs the dump one time, calls `deliver(cookie)` for each socket and hands the socket
    /// on only when it returns true, and returns whether the run was interrupted.
    func run(_ once: ((UInt64) -> Bool) throws -> Bool) throws -> Result {
        var delivered = DeliveredCookies()
        var restarted = false
        var runs = 0
        while true {
            runs += 1
            let interrupted: Bool
            do {
                interrupted = try once { cookie in
                    if restarted && delivered.contains(cookie) { return false }
                    delivered.insert(cookie)
                    return true
                }
            } catch DiagError.system(.noBufferSpace, _) {
                interrupted = true
            }
            guard interrupted else { return Result(delivered: delivered.count, gaveUp: false, runs: runs) }
            if runs > retries { return Result(delivered: delivered.count, gaveUp: true, runs: runs) }
            delivered.freeze()
            restarted = true
        }
    }
}
