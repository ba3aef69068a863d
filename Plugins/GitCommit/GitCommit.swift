import Foundation
import PackagePlugin

/// Writes `GitCommit.swift` with the checkout's short commit hash before every build, so `--version` names it.
///
/// The hash comes from `git rev-parse` in a clone, from `Sources/BuildInfo/archive-commit` in a `git archive`
/// tarball (`export-subst` fills it in), and is `unknown` otherwise. The file is rewritten only when the hash
/// changes, so an unchanged checkout recompiles nothing.
@main
struct GitCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "GitCommit")
        let script = #"""
            root="$1"; out="$2"
            hash=
            # Only the checkout's own repository: a tarball unpacked inside another clone is not that commit.
            if [ "$(git -C "$root" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$root" 2>/dev/null && pwd -P)" ]; then
                hash=$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null) || hash=
            fi
            if [ -z "$hash" ]; then
                hash=$(cut -c1-7 "$root/Sources/BuildInfo/archive-commit" 2>/dev/null) || hash=
                case "$hash" in *'$'*|*Format*|'') hash=unknown ;; esac
            fi
            mkdir -p "$out"
            line="let gitCommit = \"$hash\""
            [ "$(cat "$out/GitCommit.swift" 2>/dev/null)" = "$line" ] || printf '%s\n' "$line" > "$out/GitCommit.swift"
            """#
        return [
            .prebuildCommand(
                displayName: "Reading the git commit for --version",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output)
        ]
    }
}
