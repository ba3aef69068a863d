import SockDiag

/// Feeds one input to the netlink decoder the way a received batch is fed (placeholder; the fuzz helper fills it).
public enum FuzzInput {
    public static func run(_ bytes: UnsafeRawBufferPointer) {
        _ = try? NetlinkBatch.walk(bytes) { message in
            _ = try InetDiagDecoder.decode(message.payload, netid: .tcp)
        }
    }
}
