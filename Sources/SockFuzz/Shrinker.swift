/// Shrinks an input while it still fails: whole messages first, then attributes, then runs of bytes, then
/// zeroes what is left.
///
/// Netlink lengths are absolute, so cutting bytes at random mostly breaks the framing and the failure with it.
/// Removing a whole message keeps the walk intact, and removing an attribute keeps it intact once its message's
/// `nlmsg_len` is lowered to match; only then does byte-level removal (ddmin without the complement step) have
/// a small input to work on.
public enum Shrinker {
    /// Returns the smallest input found for which `stillFails` holds, and how many candidates were tried.
    /// `stillFails(input)` must hold to begin with.
    public static func shrink(
        _ input: [UInt8], maxTries: Int = 20_000, stillFails: ([UInt8]) -> Bool
    ) -> (bytes: [UInt8], tries: Int) {
        var best = input
        var tries = 0
        func attempt(_ candidate: [UInt8]) -> Bool {
            guard tries < maxTries, candidate != best else { return false }
            tries += 1
            guard stillFails(candidate) else { return false }
            best = candidate
            return true
        }

        var progress = true
        while progress, tries < maxTries {
            progress = false
            // Whole messages, last first.
            var i = Mutator.messageOffsets(best).count - 1
            while i >= 0 {
                let offsets = Mutator.messageOffsets(best)
                if i < offsets.count, let length = best.load(UInt32.self, at: offsets[i]) {
                    let end = min(best.count, offsets[i] + max(Wire.headerSize, align4(Int(length))))
                    if attempt(Array(best[..<offsets[i]] + best[end...])) { progress = true }
                }
                i -= 1
            }
            // Attributes, with their message's nlmsg_len lowered to match.
            var j = 0
            while j < attributes(best).count {
                let (message, offset, size) = attributes(best)[j]
                var candidate = best
                candidate.removeSubrange(offset..<min(candidate.count, offset + size))
                let length = candidate.load(UInt32.self, at: message) ?? 0
                candidate.store(length >= UInt32(size) ? length - UInt32(size) : 0, at: message)
                if attempt(candidate) { progress = true } else { j += 1 }
            }
            // Runs of bytes, halving the run length.
            var chunk = max(1, best.count / 2)
            while tries < maxTries {
                var start = 0
                while start < best.count, tries < maxTries {
                    var candidate = best
                    candidate.removeSubrange(start..<min(best.count, start + chunk))
                    if attempt(candidate) { progress = true } else { start += chunk }
                }
                if chunk == 1 { break }
                chunk /= 2
            }
        }
        // Zero what is left: the bytes that must stay non-zero are the ones that matter.
        for i in best.indices where best[i] != 0 && tries < maxTries {
            var candidate = best
            candidate[i] = 0
            _ = attempt(candidate)
        }
        return (best, tries)
    }

    /// Every attribute after an `inet_diag_msg`: its message's offset, its own offset, and its padded size.
    static func attributes(_ bytes: [UInt8]) -> [(message: Int, offset: Int, size: Int)] {
        var found: [(message: Int, offset: Int, size: Int)] = []
        for message in Mutator.messageOffsets(bytes) {
            let length = Int(bytes.load(UInt32.self, at: message) ?? 0)
            let end = min(bytes.count, message + length)
            var offset = message + Wire.headerSize + Wire.inetDiagMsgSize
            while end - offset >= Wire.attributeHeaderSize, let length = bytes.load(UInt16.self, at: offset) {
                let size = min(end - offset, max(Wire.attributeHeaderSize, align4(Int(length))))
                found.append((message, offset, size))
                offset += size
            }
        }
        return found
    }
}
