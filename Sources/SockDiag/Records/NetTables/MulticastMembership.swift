/// One multicast group joined on an interface: a line of `/proc/net/igmp` or `/proc/net/igmp6`.
public struct MulticastMembership: Sendable, Equatable {
    public var interface: String
    public var group: IPAddress
    /// `Users` (IPv4) or the users count of `/proc/net/igmp6`: how many joined it.
    public var users: Int32

    public init(interface: String, group: IPAddress, users: Int32) {
        self.interface = interface
        self.group = group
        self.users = users
    }
}
