import SockDiag

extension OutputBuffer {
    /// Appends `address:port` as netstat writes it, with IPv6 in brackets (`[::1]:443`) and port 0 as `*`.
    @inline(__always)
    public func append(endpoint: InetEndpoint) {
        if endpoint.address.family == .inet6 {
            append(0x5B)
            append(address: endpoint.address)
            append(0x5D)
        } else {
            append(address: endpoint.address)
        }
        append(0x3A)
        if endpoint.port == 0 { append(0x2A) } else { append(decimal: UInt64(endpoint.port)) }
    }
}
