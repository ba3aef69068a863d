import ArgumentParser

/// `sockwatch lsof [options]`: the network part of lsof, line for line, on sockwatch's engine.
struct LsofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsof", abstract: "lsof -i compatible listing (work in progress).")

    @Argument(parsing: .allUnrecognized) var arguments: [String] = []

    func run() throws {
        throw ValidationError("sockwatch lsof is not implemented yet")
    }
}
