/// What only a vsock socket has: context ids and ports on both ends.
///
/// The kernel struct is `vsock_diag_msg`.
public struct VsockDetails: Sendable, Equatable {
    public var localCID: UInt32
    public var localPort: UInt32
    public var peerCID: UInt32
    public var peerPort: UInt32

    public init(localCID: UInt32, localPort: UInt32, peerCID: UInt32, peerPort: UInt32) {
        self.localCID = localCID
        self.localPort = localPort
        self.peerCID = peerCID
        self.peerPort = peerPort
    }
}
