import Glibc
import SockDiag
import Synchronization

/// The addresses a host name has, IPv4 and IPv6, from the system resolver (`getaddrinfo`), within a deadline.
///
/// For names in selections (`dst HOST`, `lsof -i@HOST`): NSS decides where they come from (`/etc/hosts`, DNS…).
/// The lookup runs on its own thread; past the deadline the caller gets `.timedOut` and the thread is left to end
/// on its own inside glibc.
public enum HostAddresses {
    /// Why a name gave no address.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The resolver answered: no such name, or no address (`gai_strerror`'s words).
        case unknown(name: String, reason: String)
        /// No answer within the deadline.
        case timedOut(name: String, seconds: Double)

        public var description: String {
            switch self {
            case .unknown(let name, let reason): "host name '\(name)' does not resolve: \(reason)"
            case .timedOut(let name, let seconds):
                "host name '\(name)' did not resolve within \(seconds.formatted) s"
            }
        }
    }

    /// Every distinct address of `name`, in the resolver's order.
    public static func lookUp(_ name: String, timeout: Double = HostNames.Deadlines.standard.total) throws(Failure)
        -> [IPAddress]
    {
        let answer = Answer()
        let started = WorkerThread.start { answer.value.withLock { $0 = resolve(name) } }
        if started == nil { answer.value.withLock { $0 = resolve(name) } }
        var waited = 0.0
        while true {
            if let result = answer.value.withLock({ $0 }) { return try result.get() }
            if waited >= timeout { throw .timedOut(name: name, seconds: timeout) }
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
            waited += 0.001
        }
    }

    /// Where the lookup thread leaves its result; shared, since the thread may outlive the wait.
    private final class Answer: Sendable {
        let value = Mutex<Result<[IPAddress], Failure>?>(nil)
    }

    /// `getaddrinfo` for any family, one entry per address.
    static func resolve(_ name: String) -> Result<[IPAddress], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(name, nil, &hints, &list)
        guard rc == 0 else { return .failure(.unknown(name: name, reason: String(cString: gai_strerror(rc)))) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var entry = list
        while let info = entry {
            if let address = info.pointee.ai_addr.flatMap(IPAddress.init(socketAddress:)), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = info.pointee.ai_next
        }
        if addresses.isEmpty { return .failure(.unknown(name: name, reason: "no address")) }
        return .success(addresses)
    }
}

extension IPAddress {
    /// The address of a `sockaddr_in` or `sockaddr_in6`; nil for other families.
    init?(socketAddress: UnsafeMutablePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in.self)
            self.init(family: .inet, high: UInt64(sin.sin_addr.s_addr), low: 0)
        case AF_INET6:
            let sin6 = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in6.self)
            var raw = (UInt64(0), UInt64(0))
            withUnsafeBytes(of: sin6.sin6_addr) { address in
                withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: address) }
            }
            self.init(family: .inet6, high: raw.0, low: raw.1)
        default:
            return nil
        }
    }
}

extension Double {
    /// `2`, `0.5`: seconds as a person writes them.
    var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
