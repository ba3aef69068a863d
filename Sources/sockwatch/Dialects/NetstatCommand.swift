import ArgumentParser

/// `sockwatch netstat [flags]`: net-tools netstat's socket listing, line for line, on sockwatch's engine.
struct NetstatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netstat", abstract: "netstat-compatible listing (work in progress).")

    @Argument(parsing: .allUnrecognized) var arguments: [String] = []

    func run() throws {
        throw ValidationError("sockwatch netstat is not implemented yet")
    }
}
