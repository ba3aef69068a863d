import SockDiag

/// What `-i` options select, together: lsof's `Fnet`/`FnetTy` (bare `-i`, `-i4`, `-i6`) and its list of
/// address specifications.
struct LsofNetwork: Equatable {
    /// A bare `-i`, `-i4` or `-i6` was given: every Internet socket (of `allFamily`) is selected.
    var all = false
    /// 4 or 6 after `-i4`/`-i6`, 0 for both. Later specifications without a version inherit it.
    var allVersion = 0
    /// `-i [46][protocol][@host][:ports]`, in the order given.
    var specs: [LsofNetworkSpec] = []

    /// Takes one `-i` argument, as lsof's `enter_network_address` does; nil is a bare `-i`.
    mutating func add(_ argument: String?, resolver: some LsofResolver) throws {
        guard let argument else {
            all = true
            allVersion = 0
            return
        }
        if let spec = try LsofNetworkSpec.parse(argument, network: &self, resolver: resolver) { specs.append(spec) }
    }

    /// Whether a bare `-i`/`-i4`/`-i6` selects a socket of `family` (by the socket's own family).
    func allSelects(_ family: IPAddress.Family) -> Bool {
        all && (allVersion == 0 || (allVersion == 4) == (family == .inet))
    }
}
