import Foundation

/// Runs the built `sockwatch` binary (the one next to this test bundle) and captures what it says.
struct BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout split into non-empty lines.
        var lines: [Substring] { stdout.split(separator: "\n") }

        /// stdout parsed as NDJSON; nil when any line is not a JSON object.
        var objects: [[String: Any]]? {
            var out: [[String: Any]] = []
            for line in lines {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                else { return nil }
                out.append(object)
            }
            return out
        }
    }

    /// The path of the `sockwatch` executable built beside the tests.
    static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
        return dir.appendingPathComponent("sockwatch").path
    }()

    static var available: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Runs `sockwatch ARGS` directly.
    static func run(_ arguments: [String]) throws -> Result {
        try exec(binary, arguments)
    }

    /// Runs any program and captures stdout and stderr.
    static func exec(_ program: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // stdout may be large and is drained first; stderr is at most a few lines.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs a shell pipeline; `$SW` names the binary.
    static func shell(_ script: String) throws -> Result {
        try exec("/bin/sh", ["-c", "SW='\(binary)'; \(script)"])
    }
}
