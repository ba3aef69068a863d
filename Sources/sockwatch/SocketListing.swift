import ProcIndex
import SockDiag
import SockRender

/// The main job: dump the requested sockets, join them with their owners, render them.
struct SocketListing {
    var selection: SelectionOptions
    var output: OutputOptions

    func run() throws {
        let out = OutputBuffer(fd: 1)
        let options = output.renderOptions
        let renderer: any SocketRenderer =
            output.json ? JSONRenderer(out: out, options: options) : TableRenderer(out: out, options: options)

        // Owners are read before the dump, as ss does, and only when asked for.
        let owners = output.processes ? ProcessIndex() : nil
        let client = try DiagClient()
        let states = selection.stateSet
        let extensions = output.extensions
        for netid in selection.netids {
            for family in selection.families {
                let request = InetRequest(netid: netid, family: family, states: states, extensions: extensions)
                do {
                    try client.dump(request) { record in
                        try renderer.render(record, owners: owners)
                    }
                } catch let error as DiagError where error.isUnsupported {
                    _ = Sockwatch.fail("note: \(request.label) skipped: this kernel does not support it (\(error))", status: 0)
                }
            }
        }
        try renderer.finish()
        for warning in client.warnings { _ = Sockwatch.fail(warning, status: 0) }
    }
}
