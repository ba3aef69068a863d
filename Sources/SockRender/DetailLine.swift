import SockDiag

/// Writes the indented second line of `-i` and `-m`, in `ss`'s words (`cubic wscale:7,7 rto:204 rtt:0.05/0.025 …`
/// and `skmem:(r0,rb131072,…)`).
enum DetailLine {
    /// Appends the details of `record` that `options` asks for; returns false when there was nothing to say.
    static func append(_ record: borrowing SocketRecord, options: RenderOptions, to out: OutputBuffer) -> Bool {
        var wrote = false
        func separator() {
            if wrote { out.append(0x20) }
            wrote = true
        }
        if options.memory, let mem = record.skMemInfo {
            separator()
            out.append("skmem:(")
            for (i, counter) in SkMemInfo.counters.enumerated() {
                guard let value = mem[i] else { break }
                if i > 0 { out.append(0x2C) }
                out.append(counter.tag)
                out.append(decimal: UInt64(value))
            }
            out.append(0x29)
        }
        guard options.info else { return wrote }
        if let cong = record.congestion {
            separator()
            out.append(cong)
        }
        guard let info = record.tcpInfo else { return wrote }
        func field(_ label: StaticString, _ id: TCPInfo.Field, skipZero: Bool = false) {
            guard let value = info[id], !(skipZero && value == 0) else { return }
            separator()
            out.append(label)
            out.append(0x3A)
            out.append(decimal: value)
        }
        func millis(_ label: StaticString, _ id: TCPInfo.Field, skipZero: Bool = true) {
            guard let micros = info[id], !(skipZero && micros == 0) else { return }
            separator()
            out.append(label)
            out.append(0x3A)
            out.append(trimmed: micros, scale: 3)
        }
        if let snd = info[.sndWscale], let rcv = info[.rcvWscale],
            let options = info[.options], options & 4 != 0
        {
            separator()
            out.append("wscale:", decimal: snd)
            out.append(0x2C)
            out.append(decimal: rcv)
        }
        millis("rto", .rto)
        if let rtt = info[.rtt], let rttvar = info[.rttvar] {
            separator()
            out.append("rtt:")
            out.append(trimmed: rtt, scale: 3)
            out.append(0x2F)
            out.append(trimmed: rttvar, scale: 3)
        }
        millis("ato", .ato)
        field("mss", .sndMss)
        field("pmtu", .pmtu)
        field("rcvmss", .rcvMss)
        field("advmss", .advmss)
        field("cwnd", .sndCwnd)
        if let ssthresh = info[.sndSsthresh], ssthresh < 0xFFFF {
            field("ssthresh", .sndSsthresh)
        }
        field("bytes_sent", .bytesSent, skipZero: true)
        field("bytes_retrans", .bytesRetrans, skipZero: true)
        field("bytes_acked", .bytesAcked, skipZero: true)
        field("bytes_received", .bytesReceived, skipZero: true)
        field("segs_out", .segsOut, skipZero: true)
        field("segs_in", .segsIn, skipZero: true)
        field("data_segs_out", .dataSegsOut, skipZero: true)
        field("data_segs_in", .dataSegsIn, skipZero: true)
        field("lastsnd", .lastDataSent, skipZero: true)
        field("lastrcv", .lastDataRecv, skipZero: true)
        field("lastack", .lastAckRecv, skipZero: true)
        field("pacing_rate", .pacingRate, skipZero: true)
        field("delivery_rate", .deliveryRate, skipZero: true)
        field("delivered", .delivered, skipZero: true)
        field("unacked", .unacked, skipZero: true)
        field("retrans", .totalRetrans, skipZero: true)
        field("lost", .lost, skipZero: true)
        millis("rcv_rtt", .rcvRtt)
        field("rcv_space", .rcvSpace, skipZero: true)
        field("rcv_ssthresh", .rcvSsthresh, skipZero: true)
        millis("minrtt", .minRtt)
        field("snd_wnd", .sndWnd, skipZero: true)
        return wrote
    }
}
