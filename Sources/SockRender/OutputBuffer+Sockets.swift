import SockDiag

extension OutputBuffer {
    /// Appends `address:port` as netstat writes it, with IPv6 in brackets (`[::1]:443`) and port 0 as `*`.
    @inline(__always)
    public func append(endpoint: InetEndpoint) {
        append(bracketed: endpoint.address)
        append(0x3A)
        if endpoint.port == 0 { append(0x2A) } else { append(decimal: UInt64(endpoint.port)) }
    }

    /// The address, IPv6 in brackets.
    @inline(__always)
    func append(bracketed address: IPAddress) {
        if address.family == .inet6 {
            append(0x5B)
            append(address: address)
            append(0x5D)
        } else {
            append(address: address)
        }
    }
}

extension OutputBuffer {
    /// Appends `name:service` as `ss -r` writes it: the host's name where it has one (else the address, IPv6 in
    /// brackets), the service's where it has one (else the port, 0 as `*`).
    public func append(endpoint: InetEndpoint, netid: NetID, names: LsofNames) {
        if !endpoint.address.isUnspecified, let host = names.host(endpoint.address) {
            appendEscaped(host)
        } else {
            append(bracketed: endpoint.address)
        }
        append(0x3A)
        if endpoint.port == 0 {
            append(0x2A)
        } else if let service = names.service(endpoint.port, netid) {
            appendEscaped(service)
        } else {
            append(decimal: UInt64(endpoint.port))
        }
    }
}
