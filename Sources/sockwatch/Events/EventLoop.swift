import CommandSupport
import Glibc
import SockDiag
import SockPipeline
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
    /// `--cgroup`/`--containers` on each event, and `--container`/`--pod`/`--unit` selection.
    var cgroups: SocketQuery.CgroupColumns = []
    var workloads: [WorkloadSelector] = []
    var identify: ContainerIdentifier = CgroupPath.identity(of:)

    func run() throws -> Never {
        // Join the groups before the first dump, so no socket dumped can be destroyed unseen.
        let listener: DestroyListener
        do {
            listener = try DestroyListener(netids: netids, families: families)
        } catch let error as DiagError where error.errno == .notPermitted {
            throw CommandFailure(
                "events needs CAP_NET_ADMIN (run it as root) to receive the kernel's destroy notices "
                    + "(sock_diag multicast groups: EPERM)")
        }
        let renderer = EventRenderer(
            out: OutputBuffer(fd: 1), info: info, cgroups: cgroups.contains(.paths),
            containers: cgroups.contains(.containers))
        var tracker = SocketTracker(capacity: capacity)
        var query = SocketQuery(netids: netids, families: families, states: states)
        query.extensions = info ? [.info] : []
        query.expression = expression
        query.kernelFilter = kernelFilter
        query.cgroups = cgroups
        query.workloads = workloads
        let pipeline = try RepeatedPipeline(
            query, identify: identify, report: Stderr.note)
        /// Cgroups of the sockets followed, by cookie: a destroy notice carries no cgroup id.
        var cgroupOf: [UInt64: CgroupInfo] = [:]
        /// The event with its cgroup, when asked for (the dump sends the id with every INET socket).
        func attributed(_ event: SocketEvent) -> SocketEvent {
            guard !cgroups.isEmpty else { return event }
            var event = event
            if event.kind == .destroy {
                event.cgroup = cgroupOf.removeValue(forKey: event.record.cookie)
                    ?? event.record.cgroupID.flatMap(pipeline.cgroups.info(id:))
            } else if let id = event.record.cgroupID {
                event.cgroup = pipeline.cgroups.info(id: id)
                cgroupOf[event.record.cookie] = event.cgroup
            }
            return event
        }
        // A destroy notice passes the same filter, cgroup conditions resolved.
        let expression = pipeline.query.expression
        var warnedFull = false

        func dump(initialDump: Bool) throws {
            tracker.beginDump()
            let seenAt = EventClock.monotonic()
            // Sockets first seen now (and accepted ones that just got a file) wait for their owners in a compact
            // capture of the raw messages, not as records.
            var changes: [SocketEvent] = []
            var ownersOnly: Set<UInt64> = []
            let fresh = try pipeline.runCaptured { record in
                let sighting = tracker.see(record, now: initialDump ? nil : seenAt)
                if let from = sighting.changedFrom {
                    changes.append(SocketEvent(
                        kind: .state, time: EventClock.realtime(), record: copy record, previousState: from,
                        holders: sighting.holders))
                }
                if sighting.needsOwners { ownersOnly.insert(record.cookie) }
                return sighting.isNew || sighting.needsOwners
            }
            tracker.endDump()
            for event in changes { try renderer.render(attributed(event)) }
            // Owners only for the sockets first seen now; the scan stops once each has one.
            try pipeline.forEachJoined(fresh) { record, holders in
                tracker.setHolders(holders, of: record.cookie)
                if (!initialDump || initial) && !ownersOnly.contains(record.cookie) {
                    try renderer.render(attributed(
                        SocketEvent(kind: .new, time: EventClock.realtime(), record: copy record, holders: holders)))
                }
            }
            if tracker.overflowed && !warnedFull {
                warnedFull = true
                Stderr.line(
                    "warning: following \(capacity) sockets (--max-sockets); newer ones get no new/state events "
                        + "until some close")
            }
            try renderer.flush()
        }

        func drain() throws -> Bool {
            let drained = try listener.drain { record in
                let now = EventClock.monotonic()
                if let entry = tracker.destroy(record.cookie) {
                    try renderer.render(attributed(SocketEvent(
                        kind: .destroy, time: EventClock.realtime(), record: copy record, holders: entry.holders,
                        duration: entry.firstSeen.map { now &- $0 })))
                } else if !statesNarrowed, netids.contains(record.netid), families.contains(record.family),
                    expression.matches(record)
                {
                    try renderer.render(attributed(SocketEvent(kind: .destroy, time: EventClock.realtime(), record: copy record)))
                }
            }
            if drained.lost {
                Stderr.line(
                    "warning: the kernel dropped destroy notices (ENOBUFS: the \(listener.receiveBufferSize)-byte "
                        + "queue overflowed); some destroy events are missing")
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
