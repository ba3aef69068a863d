import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockRender

/// `sockwatch events`: one thread that dumps the table every interval and, in between, waits in `poll` for
/// the kernel's destroy notices, writing each change as one NDJSON line.
///
/// Order per socket: "new" (from the dump that first shows it), then "state" for each change seen by later
/// dumps, then "destroy" (from the kernel's notice). A socket opened and closed between two dumps has only
/// its "destroy".
struct EventLoop {
    var netids: [NetID]
    var families: [IPAddress.Family]
    var states: StateSet
    /// The user narrowed the states: destroy notices are then shown only for sockets seen in those states.
    var statesNarrowed: Bool
    var expression: FilterExpression
    var kernelFilter: Bool
    /// Nanoseconds between dumps.
    var interval: UInt64
    /// Report the sockets open at start as "new".
    var initial: Bool
    /// `tcp_info` on new and state events.
    var info: Bool
    var capacity: Int

    func run() throws -> Never {
        // Join the groups before the first dump, so no socket dumped can be destroyed unseen.
        let listener: DestroyListener
        do {
            listener = try DestroyListener(netids: netids, families: families)
        } catch let error as DiagError where error.errno == .notPermitted {
            _ = Sockwatch.fail(
                "events needs CAP_NET_ADMIN (run it as root) to receive the kernel's destroy notices "
                    + "(sock_diag multicast groups: EPERM)", status: 1)
            throw ExitCode(1)
        }
        var client = try DiagClient()
        let renderer = EventRenderer(out: OutputBuffer(fd: 1), info: info)
        var tracker = SocketTracker(capacity: capacity)
        var query = SocketQuery(netids: netids, families: families, states: states)
        query.extensions = info ? [.info] : []
        query.expression = expression
        query.kernelFilter = kernelFilter
        let plan = query.plan
        var requests = query.requests
        var warnedFull = false

        func dump(initialDump: Bool) throws {
            tracker.beginDump()
            let seenAt = EventClock.monotonic()
            // Sockets first seen now (and accepted ones that just got a file) wait for their owners in a compact
            // capture of the raw messages, not as records.
            var fresh = SocketCapture(keeping: info ? [.info] : [])
            var changes: [SocketEvent] = []
            var ownersOnly: Set<UInt64> = []
            let unsupported = try DiagRequest.forEach(requests) { request in
                try client.capture(request, into: &fresh) { record in
                    guard plan.residual.matches(record) else { return false }
                    let sighting = tracker.see(record, now: initialDump ? nil : seenAt)
                    if let from = sighting.changedFrom {
                        changes.append(SocketEvent(
                            kind: .state, time: EventClock.realtime(), record: copy record, previousState: from,
                            holders: sighting.holders))
                    }
                    if sighting.needsOwners { ownersOnly.insert(record.cookie) }
                    return sighting.isNew || sighting.needsOwners
                }
            } unsupported: { netid, errno in
                _ = Sockwatch.fail(
                    "note: no \(netid.rawValue) events from dumps: this kernel cannot report them (\(errnoName(errno)))",
                    status: 0)
            }
            if !unsupported.isEmpty { requests.removeAll { unsupported.contains($0.netid) } }
            tracker.endDump()
            for event in changes { try renderer.render(event) }
            if fresh.count > 0 {
                // Owners only for the sockets first seen now; the scan stops once each has one.
                let owners = ProcessIndex(until: Set(fresh.inodes.lazy.map(UInt64.init)), workers: SocketEngine.workers)
                try fresh.forEach { record in
                    let holders = owners.holders(of: UInt64(record.inode))
                    tracker.setHolders(holders, of: record.cookie)
                    if (!initialDump || initial) && !ownersOnly.contains(record.cookie) {
                        try renderer.render(
                            SocketEvent(kind: .new, time: EventClock.realtime(), record: copy record, holders: holders))
                    }
                }
            }
            if !client.warnings.isEmpty {
                for warning in client.warnings { _ = Sockwatch.fail(warning, status: 0) }
                client = try DiagClient()  // a fresh client: its warnings must not pile up over a long run
            }
            if tracker.overflowed && !warnedFull {
                warnedFull = true
                _ = Sockwatch.fail(
                    "warning: following \(capacity) sockets (--max-sockets); newer ones get no new/state events "
                        + "until some close", status: 0)
            }
            try renderer.flush()
        }

        func drain() throws -> Bool {
            let drained = try listener.drain { record in
                let now = EventClock.monotonic()
                if let entry = tracker.destroy(record.cookie) {
                    try renderer.render(SocketEvent(
                        kind: .destroy, time: EventClock.realtime(), record: copy record, holders: entry.holders,
                        duration: entry.firstSeen.map { now &- $0 }))
                } else if !statesNarrowed, netids.contains(record.netid), families.contains(record.family),
                    expression.matches(record)
                {
                    try renderer.render(SocketEvent(kind: .destroy, time: EventClock.realtime(), record: copy record))
                }
            }
            if drained.lost {
                _ = Sockwatch.fail(
                    "warning: the kernel dropped destroy notices (ENOBUFS: the \(listener.receiveBufferSize)-byte "
                        + "queue overflowed); some destroy events are missing", status: 0)
            }
            try renderer.flush()
            return drained.more
        }

        try dump(initialDump: true)
        var nextDump = EventClock.monotonic() &+ interval
        while true {
            let now = EventClock.monotonic()
            if now >= nextDump {
                // Every notice queued so far first: the dump forgets sockets it no longer shows, and a notice
                // still queued for one of them would lose its owner and age.
                while try drain() {}
                try dump(initialDump: false)
                nextDump = max(nextDump &+ interval, EventClock.monotonic())
                continue
            }
            var pfd = pollfd(fd: listener.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let wait = Int32(clamping: (nextDump - now + 999_999) / 1_000_000)
            let ready = poll(&pfd, 1, wait)
            if ready < 0 && errno != EINTR {
                throw DiagError.system(.init(rawValue: errno), operation: "poll")
            }
            if ready > 0 { _ = try drain() }
        }
    }
}
