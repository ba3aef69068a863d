import CommandSupport
import SockDiag
import SockPipeline

/// `--all-netns`: one collector per network namespace of the host, found again before each scrape.
///
/// The exporter's own namespace keeps the collector it started with; another is read through a netlink socket
/// opened inside it (`NamespaceClients`). A namespace that cannot be entered gets one note on stderr, once.
public final class NamespaceCollectors: @unchecked Sendable {
    let own: SocketCollector
    let top: Int
    let workers: Int
    private var refused: Set<UInt64> = []
    /// `--by-container`: a tally for each new namespace's collector.
    public var makeTally: (() -> WorkloadTally)?

    public init(own: SocketCollector, top: Int, workers: Int) {
        self.own = own
        self.top = top
        self.workers = workers
    }

    /// The collectors for the namespaces there now, reusing `current`'s where the namespace is the same.
    public func refresh(_ current: [SocketCollector]) -> [SocketCollector] {
        let known = Dictionary(current.map { ($0.namespace.inode, $0) }, uniquingKeysWith: { a, _ in a })
        var next: [SocketCollector] = []
        for namespace in NetworkNamespace.all() {
            if namespace.inode == own.namespace.inode {
                next.append(own)
            } else if let collector = known[namespace.inode], collector.namespace.label == namespace.label {
                next.append(collector)
            } else if !refused.contains(namespace.inode) {
                do {
                    let client = try NamespaceClients.client(for: namespace, own: own.namespace.inode, tag: false)
                    let collector = try SocketCollector(namespace: namespace, client: client, top: top, workers: workers)
                    collector.workloads = makeTally?()
                    next.append(collector)
                } catch {
                    refused.insert(namespace.inode)
                    Stderr.note(PipelineNote(.note, "\(NamespaceClients.refusal(namespace, error)); left out"))
                }
            }
        }
        return next
    }
}
