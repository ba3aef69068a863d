import Glibc

/// The options of the procfs mounted at a given point, read from `/proc/self/mountinfo`.
public enum ProcMount {
    /// True when the proc mount at `procRoot` hides other users' processes from this one: mounted with
    /// `hidepid=2` (the kernel now shows `hidepid=invisible`) or `hidepid=4` (`ptraceable`), and this process
    /// is not root. Such processes are absent from the listing of /proc, so no "not permitted" count sees them.
    public static func hidesOtherUsers(procRoot: String = "/proc", mountinfo: String = "/proc/self/mountinfo") -> Bool {
        guard geteuid() != 0, let bytes = try? WholeFile.read(mountinfo) else { return false }
        guard let options = superOptions(of: procRoot, in: String(decoding: bytes, as: UTF8.self)) else { return false }
        return options.contains { option in
            ["hidepid=2", "hidepid=invisible", "hidepid=4", "hidepid=ptraceable"].contains(option)
        }
    }

    /// The super options (after ` - proc SOURCE `) of the last proc mount at `mountPoint` in a mountinfo text;
    /// the last one is the one on top.
    static func superOptions(of mountPoint: String, in mountinfo: String) -> [Substring]? {
        var found: [Substring]?
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count > 4, fields[4] == mountPoint,
                let dash = fields.firstIndex(of: "-"), dash + 3 < fields.count, fields[dash + 1] == "proc"
            else { continue }
            found = fields[dash + 3].split(separator: ",")
        }
        return found
    }
}
