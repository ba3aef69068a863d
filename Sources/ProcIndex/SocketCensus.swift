/// How many sockets a full dump would walk, from `/proc/net/sockstat`.
///
/// inet_diag walks the kernel's global hash tables and skips other namespaces' sockets, so the cost of a dump
/// follows TCP's `alloc` (every TCP socket on the host) plus its time-wait count and UDP's `inuse`.
public enum SocketCensus {
    /// The estimate, or nil when the file cannot be read.
    public static func dumpSize(path: String = "/proc/net/sockstat") -> Int? {
        guard let bytes = try? WholeFile.read(path) else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses the text of `/proc/net/sockstat`.
    static func parse(_ text: String) -> Int? {
        var total = 0
        var found = false
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let kind = words.first, kind == "TCP:" || kind == "UDP:" else { continue }
            // Pairs of name and value follow the kind.
            var i = 1
            while i + 1 < words.count {
                let name = words[i], value = Int(words[i + 1]) ?? 0
                if (kind == "TCP:" && (name == "alloc" || name == "tw")) || (kind == "UDP:" && name == "inuse") {
                    total += value
                    found = true
                }
                i += 2
            }
        }
        return found ? total : nil
    }
}
