import ArgumentParser
import Glibc
import SockDiag

/// Shell completion of option values: comma lists of names, and the network namespaces in `/run/netns`.
enum ValueCompletion {
    /// Completes the last entry of a comma list (`listen,est` -> `listen,established`) from `names`.
    static func commaList(_ names: [String]) -> CompletionKind {
        .custom { _, _, prefix in
            let head = prefix.lastIndex(of: ",").map { String(prefix[...$0]) } ?? ""
            let entry = prefix.dropFirst(head.count)
            let bare = entry.hasPrefix("!") ? "!" : ""
            return names.filter { $0.hasPrefix(entry.dropFirst(bare.count)) }.map { head + bare + $0 }
        }
    }

    /// `--state` and `--exclude-state`: every state name and group.
    static var states: CompletionKind { commaList(StateSet.acceptedNames) }

    /// `-A/--query`: every family and transport name (`!NAME` leaves one out).
    static var families: CompletionKind { commaList(FamilyList.names.map(\.name)) }

    /// `--netns`: the names `ip netns add` made, which are the files in `/run/netns`.
    static var namespaces: CompletionKind {
        .custom { _, _, _ in directoryEntries("/run/netns") }
    }

    /// The names in `path`, without `.` and `..`; none when it cannot be opened.
    static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
