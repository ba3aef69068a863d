import Glibc
import SockDiag

/// Names of IPv4 networks, as netstat -r shows a route's destination: `getnetbyaddr`, which reads
/// `/etc/networks` (the `networks` line of `nsswitch.conf`).
public enum NetworkNames {
    /// The name of the network `address` (in network order, as routes hold it); nil when it has none.
    /// `getnetbyaddr` is not thread-safe: call it from one thread.
    public static func name(of address: IPAddress) -> String? {
        guard address.family == .inet else { return nil }
        let network = UInt32(bigEndian: UInt32(truncatingIfNeeded: address.high))
        guard let entry = getnetbyaddr(network, AF_INET), let name = entry.pointee.n_name else { return nil }
        return String(cString: name)
    }
}
