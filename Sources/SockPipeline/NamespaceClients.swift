import ProcIndex
import SockDiag
import SystemPackage

/// Netlink clients inside network namespaces: the one place that enters them.
public enum NamespaceClients {
    /// A client answering for `namespace`: sockwatch's own needs no setns (and so no CAP_SYS_ADMIN); another
    /// is entered by a short-lived thread (`DiagClient(netns:)`). Rows are tagged with the namespace's inode
    /// when `tag` is set.
    public static func client(for namespace: NetworkNamespace, own: UInt64?, tag: Bool = true) throws -> DiagClient {
        let client: DiagClient
        if namespace.inode == own {
            client = try DiagClient()
        } else {
            let fd = try namespace.open()
            defer { try? fd.close() }
            client = try DiagClient(netns: fd)
        }
        if tag { client.netnsTag = namespace.inode }
        return client
    }

    /// Why `namespace` could not be entered, in one line.
    public static func refusal(_ namespace: NetworkNamespace, _ error: any Error) -> String {
        let errno = (error as? DiagError)?.errno ?? (error as? Errno)
        let reason = errno.map { errnoName($0) } ?? "\(error)"
        return "cannot enter network namespace \(namespace.label): \(reason)"
    }

    /// One client per namespace to list: sockwatch's own (untagged), or each of `namespaces`. With several, one
    /// that cannot be entered gets a note and is skipped; a single one that cannot be entered is an error.
    static func clients(for namespaces: [NetworkNamespace]?, report: (PipelineNote) -> Void) throws -> [DiagClient] {
        guard let namespaces else { return [try DiagClient()] }
        let own = try? NetworkNamespace.current().inode
        var clients: [DiagClient] = []
        for namespace in namespaces {
            do {
                clients.append(try client(for: namespace, own: own))
            } catch {
                let message = refusal(namespace, error)
                if namespaces.count == 1 { throw PipelineError.namespace(message) }
                report(PipelineNote(.note, "\(message); skipped"))
            }
        }
        return clients
    }
}
