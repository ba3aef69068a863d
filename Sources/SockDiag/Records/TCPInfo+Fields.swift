/// The `tcp_info` fields sockwatch reads by name. Each is looked up once in the C shim's table.
extension TCPInfo.Field {
    public static let state = Self(named: "state")
    public static let options = Self(named: "options")
    public static let sndWscale = Self(named: "snd_wscale")
    public static let rcvWscale = Self(named: "rcv_wscale")
    public static let rto = Self(named: "rto")
    public static let ato = Self(named: "ato")
    public static let sndMss = Self(named: "snd_mss")
    public static let rcvMss = Self(named: "rcv_mss")
    public static let unacked = Self(named: "unacked")
    public static let lost = Self(named: "lost")
    public static let lastDataSent = Self(named: "last_data_sent")
    public static let lastDataRecv = Self(named: "last_data_recv")
    public static let lastAckRecv = Self(named: "last_ack_recv")
    public static let pmtu = Self(named: "pmtu")
    public static let rcvSsthresh = Self(named: "rcv_ssthresh")
    public static let rtt = Self(named: "rtt")
    public static let rttvar = Self(named: "rttvar")
    public static let sndSsthresh = Self(named: "snd_ssthresh")
    public static let sndCwnd = Self(named: "snd_cwnd")
    public static let advmss = Self(named: "advmss")
    public static let rcvRtt = Self(named: "rcv_rtt")
    public static let rcvSpace = Self(named: "rcv_space")
    public static let totalRetrans = Self(named: "total_retrans")
    public static let pacingRate = Self(named: "pacing_rate")
    public static let bytesAcked = Self(named: "bytes_acked")
    public static let bytesReceived = Self(named: "bytes_received")
    public static let segsOut = Self(named: "segs_out")
    public static let segsIn = Self(named: "segs_in")
    public static let minRtt = Self(named: "min_rtt")
    public static let dataSegsIn = Self(named: "data_segs_in")
    public static let dataSegsOut = Self(named: "data_segs_out")
    public static let deliveryRate = Self(named: "delivery_rate")
    public static let delivered = Self(named: "delivered")
    public static let bytesSent = Self(named: "bytes_sent")
    public static let bytesRetrans = Self(named: "bytes_retrans")
    public static let sndWnd = Self(named: "snd_wnd")
}

extension TCPInfo {
    /// Smoothed round-trip time in microseconds (`tcpi_rtt`).
    public var rtt: UInt64? { self[.rtt] }
    /// Congestion window in segments (`tcpi_snd_cwnd`).
    public var sendCongestionWindow: UInt64? { self[.sndCwnd] }
    /// Retransmitted segments over the connection's life (`tcpi_total_retrans`).
    public var totalRetransmits: UInt64? { self[.totalRetrans] }
    /// Bytes the peer acknowledged (`tcpi_bytes_acked`).
    public var bytesAcked: UInt64? { self[.bytesAcked] }
    /// Bytes received (`tcpi_bytes_received`).
    public var bytesReceived: UInt64? { self[.bytesReceived] }
}
