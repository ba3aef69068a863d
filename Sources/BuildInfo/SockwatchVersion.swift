/// sockwatch's release number and the commit it was built from, as `--version` prints them.
public enum SockwatchVersion {
    /// The release: bump it with each tagged release (the .deb takes its version from here).
    public static let number = "0.2.0"

    /// The short commit hash baked in at build time by the GitCommit plugin, or `unknown`.
    public static let commit = gitCommit

    /// `sockwatch 0.2.0 (git abc1234)`.
    public static var line: String { "sockwatch \(number) (git \(commit))" }
}
