import Glibc
import ProcIndex
import SockPipeline
import SockTestSupport
import Testing

@testable import SockExporter

/// `--by-container`: real processes in containerd- and docker-shaped cgroups; the scrape labels their sockets
/// with container, pod, namespace and unit, caps the workloads, and drops the series of a container gone.
@Suite(.enabled(if: CgroupLab.unavailable == nil, "\(CgroupLab.unavailable ?? "")"), .serialized)
struct ByContainerTests {
    static let dockerID = String(repeating: "d0", count: 32)
    static let containerdID = String(repeating: "c1", count: 32)

    /// The value of the one series of `metric` whose labels include all of `labels`; nil when none.
    static func value(_ text: String, _ metric: String, _ labels: [String: String]) -> [Double] {
        text.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix(metric + "{"), let close = line.lastIndex(of: "}") else { return nil }
            let body = line[line.index(line.startIndex, offsetBy: metric.count + 1)..<close]
            for (name, value) in labels where !body.contains("\(name)=\"\(value)\"") { return nil }
            return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func seriesCarryTheWorkloadAndFollowItsLife() throws {
        let lab = try CgroupLab(tag: "exporter")
        let docker = try lab.start(in: "/system.slice/docker-\(Self.dockerID).scope")
        let pod = try lab.start(
            in: "/kubepods.slice/kubepods-pod11_22.slice/cri-containerd-\(Self.containerdID).scope")
        try lab.writeState("/var/lib/docker/containers/\(Self.dockerID)/config.v2.json", #"{"Name":"/web-1"}"#)
        try lab.writeState(
            "/run/containerd/io.containerd.runtime.v2.task/k8s.io/\(Self.containerdID)/config.json",
            #"{"annotations":{"io.kubernetes.cri.container-name":"app","io.kubernetes.cri.sandbox-name":"cart","io.kubernetes.cri.sandbox-namespace":"shop"}}"#)

        let cgroups = CgroupAttribution(identify: ContainerNaming.identifier(runtimeRoot: lab.stateRoot))
        let collector = try SocketCollector(namespace: try NetworkNamespace.current(), top: 0)
        collector.workloads = WorkloadTally(cgroups: cgroups, limit: 1000)
        let exporter = Exporter(collector: collector)
        var text = String(decoding: try exporter.scrape(), as: UTF8.self)

        let web = ["container": "web-1", "unit": "docker-\(Self.dockerID).scope", "pod": "", "namespace": ""]
        #expect(Self.value(text, "sockwatch_sockets", web.merging(["netid": "tcp", "state": "listen"]) { a, _ in a }) == [1])
        #expect(Self.value(text, "sockwatch_sockets", web.merging(["netid": "udp", "state": "close"]) { a, _ in a }) == [1])
        let app = ["container": "app", "pod": "cart", "namespace": "shop"]
        #expect(Self.value(text, "sockwatch_listen_queue_backlog", app.merging(["port": "\(pod.tcpPort)"]) { a, _ in a }) == [8])
        #expect(Self.value(text, "sockwatch_listen_queue_depth", app.merging(["port": "\(pod.tcpPort)"]) { a, _ in a }) == [0])
        #expect(!Self.value(text, "sockwatch_tcp_retransmits_total", app).isEmpty)

        // The docker container goes away: its series go with it.
        lab.stop(docker)
        text = String(decoding: try exporter.scrape(), as: UTF8.self)
        #expect(Self.value(text, "sockwatch_sockets", ["container": "web-1"]).isEmpty)
        #expect(Self.value(text, "sockwatch_sockets", app.merging(["state": "listen"]) { a, _ in a }) == [1])
    }

    @Test func pastTheLimitWorkloadsAddUpInOther() throws {
        let lab = try CgroupLab(tag: "exporter-cap")
        for i in 0..<3 { _ = try lab.start(in: "/system.slice/swtest-cap-\(i).service") }
        let collector = try SocketCollector(namespace: try NetworkNamespace.current(), top: 0)
        collector.workloads = WorkloadTally(cgroups: CgroupAttribution(), limit: 2)
        let text = String(decoding: try Exporter(collector: collector).scrape(), as: UTF8.self)
        let units = Set(text.split(separator: "\n").filter { $0.hasPrefix("sockwatch_sockets{") }.compactMap { line in
            line.split(separator: ",").first { $0.hasPrefix("container=") }
        })
        #expect(units.count <= 2)
        #expect(Self.value(text, "sockwatch_sockets", ["container": "other"]).reduce(0, +) >= 4)
    }
}
