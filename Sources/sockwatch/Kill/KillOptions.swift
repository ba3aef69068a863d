import ArgumentParser

/// `--kill` and `--yes`: destroy the listed TCP sockets (as `ss -K` does), after confirmation.
struct KillOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Destroy the matching TCP sockets (SOCK_DESTROY, as ss -K). Needs a filter and CAP_NET_ADMIN.",
            discussion: "Lists them first and asks on the terminal unless --yes; prints one result line per socket."))
    var kill = false

    @Flag(name: .long, help: "With --kill: do not ask for confirmation.")
    var yes = false

    func validate() throws {
        if yes && !kill { throw ValidationError("--yes goes with --kill") }
    }
}
