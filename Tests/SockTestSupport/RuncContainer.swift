import Foundation
import Glibc

/// A real container started by Debian's `runc` for the tests: a busybox-static rootfs, its own network namespace
/// and cgroup, and a TCP listener (busybox `httpd`) on a given port inside it.
///
/// Nothing is installed here: `runc` and `busybox-static` come from Debian, installed by `Scripts/setup-deps`
/// (and `.ci/run`). `start` throws `RuncError.unavailable` when they are missing or the test is not root, so the
/// caller can skip with that reason.
///
/// On a hybrid cgroup host (v1 controllers, cgroup2 at `/sys/fs/cgroup/unified`) runc 1.1 puts the container in
/// `cgroupsPath` in every v1 hierarchy and in the cgroup2 one, so `/proc/PID/cgroup`'s `0::` line and
/// `ss --cgroup` show `cgroupsPath`.
public struct RuncContainer: Sendable {
    /// The container id, which is also runc's only name for it.
    public let id: String
    /// The container's init process (busybox httpd), as the host sees it.
    public let pid: pid_t
    /// The port its listener is bound to, on every address of its own network namespace.
    public let port: UInt16
    /// `linux.cgroupsPath` as given: the cgroup path relative to each hierarchy's root.
    public let cgroupsPath: String
    /// runc's state root (`runc --root`): the state is `<root>/<id>/state.json`.
    public let root: String
    /// The bundle directory (config.json, rootfs), removed by `stop`.
    public let bundle: String

    /// The container's network namespace, for `nsenter --net=`.
    public var netnsPath: String { "/proc/\(pid)/ns/net" }

    /// Starts container `id` in cgroup `cgroupsPath` (absolute, e.g. `/sockwatch-runc-123/web`) listening on TCP
    /// `port` in its own network namespace, and returns once the listener is up. `annotations` go into the OCI
    /// spec, which runc keeps as `config.labels` (`key=value`) in its state.json.
    ///
    /// The port may be fixed: the namespace is the container's alone.
    public static func start(
        id: String, cgroupsPath: String, port: UInt16, annotations: [String: String] = [:],
        root: String = "/run/runc"
    ) throws(RuncError) -> RuncContainer {
        guard geteuid() == 0 else { throw .unavailable("runc containers need root") }
        guard let runc = executable("runc") else { throw .unavailable("runc is not installed (Debian package runc)") }
        let busybox = "/bin/busybox"
        guard isStaticExecutable(busybox) else {
            throw .unavailable("no static /bin/busybox (Debian package busybox-static)")
        }
        guard cgroupsPath.hasPrefix("/") else { throw .failed("cgroupsPath must be absolute: \(cgroupsPath)") }

        let bundle = "/tmp/sockwatch-runc-\(id)"
        let files = FileManager.default
        try? files.removeItem(atPath: bundle)
        var started: RuncContainer?
        defer {
            if started == nil {
                removeCgroups(cgroupsPath)
                try? files.removeItem(atPath: bundle)
            }
        }
        do {
            try files.createDirectory(atPath: bundle + "/rootfs/bin", withIntermediateDirectories: true)
            try files.copyItem(atPath: busybox, toPath: bundle + "/rootfs/bin/busybox")
            for applet in ["sh", "nc", "httpd"] {
                try files.createSymbolicLink(atPath: bundle + "/rootfs/bin/" + applet, withDestinationPath: "busybox")
            }
        } catch {
            throw .failed("cannot build the rootfs in \(bundle): \(error)")
        }

        let spec = try run(runc, ["spec", "--bundle", bundle])
        guard spec.status == 0 else { throw .failed("runc spec: \(text(spec.stderr))") }
        try editSpec(
            bundle + "/config.json", id: id, cgroupsPath: cgroupsPath, port: port, annotations: annotations)

        // Detached: the container keeps runc's stdio, so they go to a file, not to a pipe nobody drains.
        let log = bundle + "/stdio.log"
        let out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(out)
            close(null)
        }
        guard out >= 0, null >= 0 else { throw .failed("cannot open \(log): errno \(errno)") }
        let arguments = [
            runc, "--root", root, "run", "--detach", "--bundle", bundle, "--pid-file", bundle + "/pid", id,
        ]
        let status: Int32
        do {
            let child = try ChildProcess.spawn(runc, arguments, holding: [(null, 0), (out, 1), (out, 2)])
            status = ChildProcess.wait(child)
        } catch {
            throw .failed("cannot start runc: \(error)")
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0,
            let pidText = try? String(contentsOfFile: bundle + "/pid", encoding: .utf8),
            let pid = pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            _ = try? run(runc, ["--root", root, "delete", "--force", id])
            throw .failed("runc run exited \(status): \(output)")
        }
        let container = RuncContainer(
            id: id, pid: pid, port: port, cgroupsPath: cgroupsPath, root: root, bundle: bundle)
        started = container
        do {
            try container.waitForListener()
        } catch {
            container.stop()
            throw error
        }
        return container
    }

    /// Kills and deletes the container, then removes its bundle and the cgroup directories of `cgroupsPath`
    /// that are empty (runc removes the leaf; its parents are the caller's).
    public func stop() {
        if let runc = Self.executable("runc") {
            _ = try? Self.run(runc, ["--root", root, "delete", "--force", id])
        }
        Self.removeCgroups(cgroupsPath)
        try? FileManager.default.removeItem(atPath: bundle)
    }

    /// Polls the container's own TCP tables (`/proc/PID/net/tcp{,6}` show its network namespace) until the
    /// listener on `port` is there; bounded by 20 s.
    func waitForListener() throws(RuncError) {
        let needle = String(format: ":%04X", port)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            for table in ["tcp", "tcp6"] {
                let text = (try? String(contentsOfFile: "/proc/\(pid)/net/\(table)", encoding: .utf8)) ?? ""
                // Local address column, state 0A (TCP_LISTEN).
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: " ")
                    if fields.count > 3, fields[1].hasSuffix(needle), fields[3] == "0A" { return }
                }
            }
            guard kill(pid, 0) == 0 else {
                let output = (try? String(contentsOfFile: bundle + "/stdio.log", encoding: .utf8)) ?? ""
                throw .failed("container \(id) exited before listening: \(output)")
            }
            usleep(20_000)
        }
        throw .failed("container \(id) did not listen on \(port) within 20 s")
    }

    // MARK: - Helpers

    /// The OCI spec from `runc spec`, changed to run the listener without a terminal in `cgroupsPath`. The spec
    /// already asks for new pid, network, ipc, uts and mount namespaces (a network namespace without `path` is
    /// created by runc, with only `lo`, which runc brings up).
    static func editSpec(
        _ path: String, id: String, cgroupsPath: String, port: UInt16, annotations: [String: String]
    ) throws(RuncError) {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard var spec = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                var process = spec["process"] as? [String: Any], var linux = spec["linux"] as? [String: Any]
            else { throw RuncError.failed("runc spec wrote an unexpected \(path)") }
            process["terminal"] = false
            process["args"] = ["/bin/busybox", "httpd", "-f", "-p", String(port), "-h", "/"]
            spec["process"] = process
            linux["cgroupsPath"] = cgroupsPath
            spec["linux"] = linux
            spec["hostname"] = id
            if !annotations.isEmpty { spec["annotations"] = annotations }
            try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]).write(
                to: URL(fileURLWithPath: path))
        } catch let error as RuncError {
            throw error
        } catch {
            throw .failed("cannot edit \(path): \(error)")
        }
    }

    /// Removes `path`'s directories, deepest first, in every cgroup hierarchy mounted here; a directory still in
    /// use (EBUSY, ENOTEMPTY) stays.
    static func removeCgroups(_ path: String) {
        let components = path.split(separator: "/")
        guard !components.isEmpty else { return }
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        for line in mountinfo.split(separator: "\n") {
            // "… mountpoint options - fstype source superoptions"
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, let fstype = halves[1].split(separator: " ").first,
                fstype == "cgroup" || fstype == "cgroup2"
            else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count > 4 else { continue }
            let mountpoint = String(fields[4])
            for depth in stride(from: components.count, to: 0, by: -1) {
                rmdir(mountpoint + "/" + components.prefix(depth).joined(separator: "/"))
            }
        }
    }

    /// The first executable `name` on PATH or in the sbin and bin directories (root's tools live in sbin).
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        return directories.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }

    /// Whether `path` is an ELF executable without a program interpreter (PT_INTERP), which can run alone in an
    /// empty rootfs.
    static func isStaticExecutable(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 64 else { return false }
        let bytes = [UInt8](data.prefix(64 * 1024))
        guard bytes.count >= 64, bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46], bytes[4] == 2 else { return false }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let phoff = u32(0x20) | u32(0x24) << 32
        let phentsize = u16(0x36)
        let phnum = u16(0x38)
        for i in 0..<phnum {
            let at = phoff + i * phentsize
            guard at + 4 <= bytes.count else { return false }
            if u32(at) == 3 { return false }  // PT_INTERP
        }
        return true
    }

    static func run(_ program: String, _ arguments: [String]) throws(RuncError) -> ChildProcess.Output {
        do {
            return try ChildProcess.run(program, arguments)
        } catch {
            throw .failed("cannot run \(program): \(error)")
        }
    }

    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Why a runc container could not be had: `unavailable` means skip (not root, runc or busybox-static missing),
/// `failed` is a real failure.
public enum RuncError: Error, CustomStringConvertible {
    case unavailable(String)
    case failed(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): return "unavailable: \(reason)"
        case .failed(let reason): return "failed: \(reason)"
        }
    }
}
