/// Reads a cgroup v2 path the way each init system and container runtime lays it out.
///
/// The layouts, outermost first:
/// - systemd units: `system.slice/nginx.service`, `user.slice/user-1000.slice/session-3.scope`;
/// - docker: `docker-<id>.scope` (systemd driver) or `/docker/<id>` (cgroupfs driver);
/// - containerd's CRI plugin: `cri-containerd-<id>.scope`; CRI-O: `crio-<id>.scope`; podman: `libpod-<id>.scope`
///   or `/libpod_parent/libpod-<id>` (their `…-conmon-<id>.scope` siblings hold the monitor, not the container);
/// - systemd-nspawn: `machine-<name>.scope`, the name escaped as systemd escapes unit names; LXC:
///   `lxc.payload.<name>` (LXC 4+) or `/lxc/<name>`;
/// - Kubernetes pods: `kubepods[-burstable|-besteffort]-pod<UID>.slice` with `_` for `-` in the UID (systemd
///   driver), or `/kubepods[/burstable|/besteffort]/pod<UID>/<container id>` (cgroupfs driver, whose container
///   directory does not say which runtime made it).
public enum CgroupPath {
    /// What `path` says about its workload; nil for the root cgroup and for paths no layout above matches.
    public static func identity(of path: String) -> ContainerIdentity? {
        var identity = ContainerIdentity()
        var matched = false
        var parent: Substring = ""
        var inKubepods = false
        for component in path.split(separator: "/") {
            defer { parent = component }
            if component.hasSuffix(".service") || component.hasSuffix(".scope") {
                identity.unit = String(component)
                matched = true
            }
            if component.hasPrefix("kubepods") {
                inKubepods = true
                if component.hasSuffix(".slice"), let marker = component.firstRange(of: "-pod") {
                    let uid = component[marker.upperBound..<component.index(component.endIndex, offsetBy: -6)]
                    identity.podUID = uid.replacingUnderscores()
                    matched = true
                }
                continue
            }
            if inKubepods, !component.hasSuffix(".slice"), !component.hasSuffix(".scope") {
                if component.hasPrefix("pod"), identity.podUID == nil {
                    identity.podUID = String(component.dropFirst(3))
                    matched = true
                    continue
                }
                if identity.podUID != nil, !["burstable", "besteffort"].contains(component) {
                    // cgroupfs driver: the container's directory is its id, from whichever runtime.
                    identity.id = String(component)
                    identity.runtime = nil
                    continue
                }
            }
            if let (runtime, id) = scope(component) {
                identity.runtime = runtime
                identity.id = id
                matched = true
            } else if parent == "docker", isContainerID(component) {
                identity.runtime = .docker
                identity.id = String(component)
                matched = true
            } else if parent == "libpod_parent", component.hasPrefix("libpod-"), !component.hasPrefix("libpod-conmon-") {
                identity.runtime = .podman
                identity.id = String(component.dropFirst("libpod-".count))
                matched = true
            } else if parent == "lxc" || component.hasPrefix("lxc.payload.") {
                let name = component.hasPrefix("lxc.payload.") ? component.dropFirst("lxc.payload.".count) : component
                guard !name.isEmpty else { continue }
                identity.runtime = .lxc
                identity.id = String(name)
                identity.name = String(name)
                matched = true
            }
        }
        return matched ? identity : nil
    }

    /// A container scope unit: `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`,
    /// `libpod-<id>.scope`, `machine-<name>.scope`; nil for any other component (conmon scopes included).
    static func scope(_ component: Substring) -> (ContainerIdentity.Runtime, String)? {
        guard component.hasSuffix(".scope") else { return nil }
        let stem = component.dropLast(".scope".count)
        let prefixes: [(String, ContainerIdentity.Runtime)] = [
            ("docker-", .docker), ("cri-containerd-", .containerd), ("crio-", .crio), ("libpod-", .podman),
            ("machine-", .nspawn),
        ]
        for (prefix, runtime) in prefixes where stem.hasPrefix(prefix) {
            let id = stem.dropFirst(prefix.count)
            if id.hasPrefix("conmon-") || id.isEmpty { return nil }
            return (runtime, runtime == .nspawn ? unescapedUnitName(id) : String(id))
        }
        return nil
    }

    /// 64 lowercase hex digits, as docker, containerd, CRI-O and podman write container ids.
    static func isContainerID(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Undoes systemd's unit name escaping (`\x2d` for `-` and other bytes).
    static func unescapedUnitName(_ text: Substring) -> String {
        ByteEscapes.decode(Array(text.utf8)[...], marker: [0x5C, 0x78], digits: 2, radix: 16)
    }
}

/// Decodes backslash escapes of one byte each in names the kernel and systemd write.
enum ByteEscapes {
    /// `bytes` with each `marker` followed by `digits` digits in `radix` replaced by that byte; anything else,
    /// malformed escapes included, is kept as it is.
    static func decode(_ bytes: ArraySlice<UInt8>, marker: [UInt8], digits: Int, radix: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        let width = marker.count + digits
        while i < bytes.endIndex {
            if bytes.endIndex - i >= width, bytes[i..<(i + marker.count)].elementsEqual(marker),
                let value = UInt8(String(decoding: bytes[(i + marker.count)..<(i + width)], as: UTF8.self), radix: radix)
            {
                out.append(value)
                i += width
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ContainerIdentity {
    /// How a row names the workload: `docker:web-1`, `k8s:shop/cart-7f9c/app`, `nginx.service`; nil when the
    /// path named neither a container nor a unit.
    public var label: String? {
        let container = containerName
        if podUID != nil || namespace != nil || pod != nil {
            let podPart = [namespace, pod ?? podUID].compactMap { $0 }.joined(separator: "/")
            return "k8s:" + podPart + (container.map { "/" + $0 } ?? "")
        }
        if let runtime, let container { return "\(runtime.rawValue):\(container)" }
        return unit
    }

    /// The container's name, else its id (12 digits of a 64-digit one); nil for a unit or pod alone.
    public var containerName: String? { name ?? id.map(Self.shortened) }

    /// The first 12 digits of a 64-digit id, as `docker ps` shows it; other ids whole.
    static func shortened(_ id: String) -> String {
        CgroupPath.isContainerID(Substring(id)) ? String(id.prefix(12)) : id
    }
}

extension Substring {
    fileprivate func replacingUnderscores() -> String {
        String(decoding: utf8.map { $0 == 0x5F ? 0x2D : $0 }, as: UTF8.self)
    }
}
