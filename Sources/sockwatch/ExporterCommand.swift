import ArgumentParser
import CommandSupport
import ExporterArguments
import Glibc

/// `sockwatch exporter`: checks the options, then runs the `sockwatch-exporter` binary installed beside this one.
///
/// The server (swift-nio, swift-prometheus) lives in that binary so plain listings do not load it.
struct ExporterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "Serve the host's socket metrics to Prometheus on /metrics (loopback unless told otherwise).",
        discussion: """
            Metrics: sockwatch_sockets{netid,state,netns}, sockwatch_listen_queue_depth and \
            sockwatch_listen_queue_backlog{netns,port}, sockwatch_process_sockets{netns,pid,command} (top N), \
            sockwatch_tcp_retransmits_total, sockwatch_tcp_rtt_seconds (histogram), \
            sockwatch_scrape_duration_seconds. See docs/exporter.md.
            """)

    @OptionGroup var options: ExporterOptions

    func run() throws {
        let path = Self.serverPath()
        let argv = [path] + options.arguments
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(path, cArgs)
        let reason = String(cString: strerror(errno))
        throw CommandFailure("cannot run \(path): \(reason) (it is built beside sockwatch: swift build)")
    }

    /// `sockwatch-exporter` in the directory of the running binary (`/proc/self/exe`).
    static func serverPath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let directory = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (directory.isEmpty ? "." : directory) + "/sockwatch-exporter"
    }
}
