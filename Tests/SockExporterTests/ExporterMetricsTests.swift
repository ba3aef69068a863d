import ProcIndex
import SockTestSupport
import Testing

@testable import SockExporter

/// The exposition text `ExporterMetrics` writes for a given snapshot.
@Suite struct ExporterMetricsTests {
    static func text(_ snapshot: SocketSnapshot) -> String {
        let metrics = ExporterMetrics()
        metrics.publish(snapshot, trackedSockets: 0)
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// A literal backslash, a real newline and a double quote in a comm: escaped as the exposition format says
    /// (backslash first), so the first two stay distinct.
    @Test func commandLabelsAreEscapedOnce() throws {
        var snapshot = SocketSnapshot(namespace: try NetworkNamespace.current())
        snapshot.processes = [
            .init(pid: 1, command: #"lit\nesc"#, sockets: 1),
            .init(pid: 2, command: "lit\nesc", sockets: 1),
            .init(pid: 3, command: #"say "hi""#, sockets: 1),
        ]
        let text = Self.text(snapshot)
        #expect(text.contains(#"pid="1",command="lit\\nesc"}"#))
        #expect(text.contains(#"pid="2",command="lit\nesc"}"#))
        #expect(text.contains(#"pid="3",command="say \"hi\""}"#))
        #expect(!text.contains("lit\nesc"))
    }

    /// The count of processes that could not be read is one gauge, without labels.
    @Test func unreadableProcessesGauge() throws {
        var snapshot = SocketSnapshot(namespace: try NetworkNamespace.current())
        snapshot.unreadableProcesses = 3
        func value(_ text: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix("sockwatch_unreadable_processes ") }
                .flatMap { Double($0.dropFirst("sockwatch_unreadable_processes ".count)) }
        }
        #expect(value(Self.text(snapshot)) == 3)
        snapshot.reset()
        #expect(value(Self.text(snapshot)) == 0)
    }
}
