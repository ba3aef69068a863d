import Glibc

/// The network interfaces of the caller's namespace by index, for naming a packet socket's bound interface.
///
/// The C call is `if_nameindex(3)`: read once per run, not once per socket.
public enum InterfaceNames {
    public static func load() -> [UInt32: String] {
        var names: [UInt32: String] = [:]
        guard let list = if_nameindex() else { return names }
        defer { if_freenameindex(list) }
        var entry = list
        while entry.pointee.if_index != 0, let name = entry.pointee.if_name {
            names[entry.pointee.if_index] = String(cString: name)
            entry += 1
        }
        return names
    }
}
