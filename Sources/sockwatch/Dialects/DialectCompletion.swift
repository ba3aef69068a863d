import ArgumentParser

/// Shell completion for the netstat and lsof dialects, which take their arguments raw and so have no options
/// swift-argument-parser could offer.
///
/// A cluster of short flags being typed (`-t`) completes to itself and to itself plus each letter that may
/// follow (`-ta`, `-tl`, ...); a long prefix (`--li`) to the long flags it begins.
enum DialectCompletion {
    /// netstat's letters (each takes no value) and long flags, as `NetstatFlags` accepts them.
    static let netstatLetters = Array("tuUwxlanpeoW46cVrisgFvN")
    static let netstatLong = [
        "--tcp", "--udp", "--udplite", "--raw", "--unix", "--listening", "--all", "--numeric", "--numeric-hosts",
        "--numeric-ports", "--numeric-users", "--program", "--extend", "--timers", "--wide", "--inet", "--inet6",
        "--continuous", "--route", "--interfaces", "--statistics", "--groups", "--fib", "--verbose", "--symbolic",
        "--version", "--help",
    ]

    /// lsof's letters that take no value and may be clustered, then the ones that take one (offered alone).
    static let lsofLetters = Array("alnPtQUVbOwM")
    static let lsofValued = ["-i", "-s", "-c", "-p", "-u", "-T", "-F", "+c", "-S"]
    static let lsofLong = ["--version", "--help"]

    static var netstat: CompletionKind {
        .custom { _, _, prefix in complete(prefix, letters: netstatLetters, alone: [], long: netstatLong) }
    }

    static var lsof: CompletionKind {
        .custom { _, _, prefix in
            let internet = ["-i", "-i4", "-i6", "-iTCP", "-iUDP", "-i4TCP", "-i6TCP", "-i4UDP", "-i6UDP", "-iUDPLITE"]
                .filter { $0.hasPrefix(prefix) }
            if prefix.hasPrefix("-i") && !internet.isEmpty { return internet }
            return complete(prefix, letters: lsofLetters, alone: lsofValued, long: lsofLong)
        }
    }

    /// The candidates for `prefix` (the word up to the cursor).
    static func complete(_ prefix: String, letters: [Character], alone: [String], long: [String]) -> [String] {
        if prefix.hasPrefix("--") { return long.filter { $0.hasPrefix(prefix) } }
        let singles = letters.map { "-\($0)" } + alone
        if prefix.isEmpty || prefix == "-" { return singles + long }
        guard prefix.hasPrefix("-"), prefix.dropFirst().allSatisfy({ letters.contains($0) }) else {
            return alone.filter { $0.hasPrefix(prefix) }
        }
        let used = Set(prefix.dropFirst())
        return [prefix] + letters.filter { !used.contains($0) }.map { prefix + String($0) }
    }
}
