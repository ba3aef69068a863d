import Foundation

/// The executables SwiftPM builds beside the test bundle (`sockwatch`, `sockwatch-exporter`), for end-to-end tests.
public enum TestBinaries {
    /// The build products directory: the one holding this test process's executable or its `.xctest` bundle.
    public static let directory: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        return dir.path
    }()

    /// The path of the built executable `name`.
    public static func path(of name: String) -> String {
        directory + "/" + name
    }

    /// Whether the executable `name` has been built.
    public static func isAvailable(_ name: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path(of: name))
    }
}
