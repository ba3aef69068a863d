import ArgumentParser
import SockPipeline

/// lsof's `-d` list: descriptor numbers, ranges (`0-2`) and names (`cwd`, `rtd`, `txt`, `mem`, `DEL`, `NOFD`),
/// all included or all excluded (`^mem`), as lsof's `enter_fd` reads them.
struct LsofDescriptors {
    enum Item: Equatable {
        case name(String)
        case range(Int32, Int32)
    }

    private(set) var items: [Item] = []
    /// True for a list of exclusions (`^…`); nil while empty.
    private(set) var excluding: Bool?

    var isEmpty: Bool { items.isEmpty }

    /// Adds the items of one `-d` argument.
    mutating func add(_ list: String) throws {
        for raw in list.split(separator: ",", omittingEmptySubsequences: true) {
            let excluded = raw.hasPrefix("^")
            let text = excluded ? raw.dropFirst() : raw
            guard !text.isEmpty else { throw ValidationError("missing FD after ^ in -d list: \(list)") }
            if let excluding, excluding != excluded {
                throw ValidationError(
                    excluded ? "exclude in an include -d list: \(raw)" : "include in an exclude -d list: \(raw)")
            }
            excluding = excluded
            let item: Item
            if let dash = text.firstIndex(of: "-"), let low = Int32(text[..<dash]),
                let high = Int32(text[text.index(after: dash)...])
            {
                guard low >= 0, low <= high else { throw ValidationError("illegal -d FD range: \(text)") }
                item = .range(low, high)
            } else if let number = Int32(text), number >= 0 {
                item = .range(number, number)
            } else if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) {
                throw ValidationError("illegal -d FD range: \(text)")
            } else {
                item = .name(String(text))
            }
            if !items.contains(item) { items.append(item) }
        }
    }

    /// Whether the list selects a file in `slot`: one of its items names it, or, for exclusions, none does.
    func selects(_ slot: ProcessFileEntry.Slot) -> Bool {
        let named = items.contains { item in
            switch (item, slot) {
            case let (.range(low, high), .fd(fd)): return low <= fd && fd <= high
            case let (.name(name), _): return name == Self.name(slot)
            default: return false
            }
        }
        return excluding == true ? !named : named
    }

    /// Whether the list selects descriptor `fd` (a socket's).
    func selects(fd: Int32) -> Bool { selects(.fd(fd)) }

    /// lsof's FD names.
    static func name(_ slot: ProcessFileEntry.Slot) -> String? {
        switch slot {
        case .cwd: "cwd"
        case .rtd: "rtd"
        case .txt: "txt"
        case .mem: "mem"
        case .deleted: "DEL"
        case .noFD: "NOFD"
        case .fd: nil
        }
    }
}
