import ArgumentParser
import Glibc
import SockRender

/// Parses lsof's command line the way lsof does (its `GetOpt`): options start with `-` or `+`, letters combine
/// (`-nPi`), a value follows its letter or comes from the next argument (`-iTCP:80`, `-i TCP:80`), and an
/// option whose value is optional gives back a following `-x`/`+x` to be read as options (`-i -n`).
///
/// Options sockwatch cannot honour are refused with one line naming what to use instead; nothing is ignored
/// except lsof's performance knobs that have no meaning here (`-b`, `-O`, `-S`, `-w`).
struct LsofArguments {
    /// Letters that take a value (lsof 4.95's rule string on Linux).
    static let valueLetters = Set("cDdeFfgiKLmoprsSTuxZ".utf8)
    /// Letters that stand alone.
    static let flagLetters = Set("?abEhlMnNOPQRtUvVwX".utf8)
    /// `-F` letters accepted although sockwatch has nothing to print for them (lsof prints nothing either for
    /// the files it lists here).
    static let emptyFieldLetters = Set("MS")

    private let arguments: [[UInt8]]
    private var index = 0
    private var offset = 0
    private var prefix: UInt8 = 0x2D
    /// Where the last value started, to give it back.
    private var valueStart = (0, 0)
    private var terse = false
    private var fieldsGiven = false

    private init(_ arguments: [String]) {
        self.arguments = arguments.map { Array($0.utf8) }
    }

    /// Parses `arguments` (what follows `lsof`); throws `ValidationError` with one line. `resolver` is asked
    /// for host and service names in `-i` arguments.
    static func parse(_ arguments: [String], resolver: any LsofResolver) throws -> LsofOptions {
        var parser = LsofArguments(arguments)
        var options = LsofOptions()
        while let (prefix, letter, value) = try parser.next() {
            try parser.handle(prefix, letter, value, into: &options, resolver: resolver)
        }
        if parser.index < parser.arguments.count {
            let name = String(decoding: parser.arguments[parser.index], as: UTF8.self)
            throw ValidationError(
                "file arguments are not supported ('\(name)'): select processes with -p, -c or -u "
                    + "(and sockets with -i or -U), then grep the NAME column")
        }
        try options.commands.validate()
        try options.states.validate()
        if parser.terse && parser.fieldsGiven { throw ValidationError("-F and -t are mutually exclusive") }
        options.output = parser.terse ? .pids : parser.fieldsGiven ? .fields : .table
        if options.and && !options.hasSelection { throw ValidationError("no select options to AND via -a") }
        return options
    }

    // MARK: - Reading options

    /// The next option: its prefix (`-` or `+`), letter and possible value; nil after the last option.
    private mutating func next() throws -> (UInt8, UInt8, String?)? {
        if offset == 0 {
            guard index < arguments.count, let first = arguments[index].first, first == 0x2D || first == 0x2B,
                arguments[index].count > 1
            else { return nil }
            if arguments[index] == Array("--".utf8) || arguments[index] == Array("++".utf8) {
                index += 1
                return nil
            }
            prefix = first
            offset = 1
        }
        let argument = arguments[index]
        let letter = argument[offset]
        if letter == 0x3A { throw ValidationError("colon is an illegal option character.") }
        if Self.valueLetters.contains(letter) {
            var value: String?
            if offset + 1 < argument.count {
                valueStart = (index, offset + 1)
                value = String(decoding: argument[(offset + 1)...], as: UTF8.self)
                index += 1
            } else {
                index += 1
                if index < arguments.count {
                    valueStart = (index, 0)
                    let next = String(decoding: arguments[index], as: UTF8.self)
                    if next != "--" {
                        value = next
                        index += 1
                    }
                }
            }
            offset = 0
            return (prefix, letter, value)
        }
        guard Self.flagLetters.contains(letter) else {
            throw ValidationError("illegal option character: \(Character(Unicode.Scalar(letter)))")
        }
        offset += 1
        if offset == argument.count {
            offset = 0
            index += 1
        }
        return (prefix, letter, nil)
    }

    /// Reads the last value again as options, after its first `skip` bytes (lsof's `GOx1 = GObk[0]` dance).
    private mutating func giveBack(skipping skip: Int = 0) {
        (index, offset) = valueStart
        if offset > 0 || skip > 0 { offset += skip }
        if offset > 0 && offset >= arguments[index].count {
            offset = 0
            index += 1
        }
    }

    /// Whether an optional value is absent, or really the next option.
    private static func isOption(_ value: String?) -> Bool {
        guard let value else { return true }
        guard let first = value.utf8.first else { return false }
        return first == 0x2D || first == 0x2B
    }

    // MARK: - Options

    private mutating func handle(
        _ prefix: UInt8, _ letter: UInt8, _ value: String?, into options: inout LsofOptions,
        resolver: any LsofResolver
    ) throws {
        let plus = prefix == 0x2B
        let sign = plus ? "+" : "-"
        let name = "\(sign)\(Character(Unicode.Scalar(letter)))"
        func refuse(_ why: String) -> ValidationError { ValidationError("\(name) \(why)") }
        func optional() -> String? {
            if Self.isOption(value) {
                if value != nil { giveBack() }
                return nil
            }
            return value
        }

        switch Character(Unicode.Scalar(letter)) {
        case "a": options.and = true
        case "b", "O", "w": break  // avoid kernel blocks, overhead, warnings: nothing here blocks or warns
        case "S":
            // The stat timeout takes an optional number; sockwatch never stats files.
            guard let value, !Self.isOption(value) else {
                if value != nil { giveBack() }
                return
            }
            let digits = value.utf8.prefix { (0x30...0x39).contains($0) }.count
            if digits < value.utf8.count { giveBack(skipping: digits) }
        case "c":
            if plus {
                guard let value, let first = value.utf8.first, (0x30...0x39).contains(first) else {
                    throw ValidationError("+c not followed by width number")
                }
                let width = Int(value.prefix { $0.isASCII && $0.isNumber }) ?? 0
                guard width <= LsofCommandPatterns.longestName else {
                    throw ValidationError("+c \(width) > what system provides (\(LsofCommandPatterns.longestName))")
                }
                options.commandWidth = width
            } else {
                guard let value else { throw ValidationError("missing command name after -c") }
                try options.commands.add(value)
            }
        case "F":
            try fields(value, into: &options)
        case "h", "?": options.help = true
        case "i":
            guard let spec = optional() else {
                try options.network.add(nil, resolver: resolver)
                return
            }
            try options.network.add(spec, resolver: resolver)
        case "l": options.numericUsers = true
        case "M":
            if plus { throw refuse("(portmapper registrations) is not supported; use 'rpcinfo -p'") }
        case "n": options.numericHosts = !plus
        case "P": options.numericPorts = !plus
        case "p":
            guard let value else { throw ValidationError("no process ID specified") }
            try Self.pids(value, into: &options)
        case "Q": options.ignoreFailedSearch = true
        case "s":
            guard let spec = optional() else {
                throw ValidationError(
                    "-s without PROTOCOL:STATES (sizes only) is not supported: SIZE/OFF shows file sizes; "
                        + "to select states use -sTCP:LISTEN or -sTCP:^CLOSE_WAIT")
            }
            try options.states.add(spec)
        case "t": terse = true
        case "T":
            guard let letters = optional() else {
                // -T alone: nothing after NAME; +T: the state.
                options.tcpState = plus
                options.tcpQueues = false
                return
            }
            options.tcpState = false
            options.tcpQueues = false
            for letter in letters {
                switch letter {
                case "s": options.tcpState = true
                case "q": options.tcpQueues = true
                case "f": throw ValidationError("-Tf (socket options and flags) is not supported; use -Tqs for queues and state")
                default: throw ValidationError("unsupported TCP/TPI info selection: \(letter)")
                }
            }
        case "u":
            guard let value else { throw ValidationError("missing user list after -u") }
            try Self.users(value, into: &options)
        case "V": options.verbose = true

        // What sockwatch does not do, and what to use instead.
        case "d":
            if plus {
                throw refuse("(files in a directory) is not supported; use -p, -c or -u and grep the NAME column")
            }
            guard let value, !Self.isOption(value) else { throw ValidationError("no file descriptor specified") }
            try options.descriptors.add(value)
        case "D":
            if plus {
                throw refuse("(files under a directory) is not supported; use -p, -c or -u and grep the NAME column")
            }
            throw refuse("(device cache) is not supported: sockwatch lsof reads no device table")
        case "U": options.unix = true
        case "r": throw refuse("(repeat mode) is not supported; use 'watch -n SECONDS sockwatch lsof …' or a loop")
        case "N": throw refuse("(NFS files) is not supported; grep the NAME column")
        case "X": throw refuse("(skip TCP and UDP files) is not supported; -U lists the UNIX sockets alone")
        case "K": throw refuse("(task rows) is not supported: files are listed per process, as lsof does without -K")
        case "R": throw refuse("(PPID column) is not supported; use 'ps -o ppid= -p PID'")
        case "g": throw refuse("(process groups) is not supported; select processes with -p, -c or -u")
        case "o": throw refuse("(offsets only) is not supported: SIZE/OFF shows the offset of devices, pipes and sockets")
        case "L": throw refuse("(link counts) is not supported; -F k writes each file's link count")
        case "f": throw refuse("(file system names) is not supported; grep the NAME column")
        case "E": throw refuse("(endpoint information) is not supported; 'sockwatch -p' shows both ends of local connections")
        case "e": throw refuse("(exempt file systems) is not supported")
        case "x": throw refuse("(cross over with +d/+D) is not supported: +d and +D are refused")
        case "Z": throw refuse("(SELinux contexts) is not supported")
        case "m": throw refuse("(mount supplement) is not supported: sockwatch lsof reads no mount table")
        case "v": throw refuse("(version information) is not supported; use 'sockwatch --version'")
        default:
            throw ValidationError("illegal option character: \(Character(Unicode.Scalar(letter)))")
        }
    }

    /// `-F FIELDS`.
    private mutating func fields(_ value: String?, into options: inout LsofOptions) throws {
        if Self.isOption(value) || value == "0" {
            throw ValidationError(
                "-F without field letters (lsof's full set) is not supported: name the fields, e.g. -F pcfn "
                    + "(fields: p c u L K f a l t d D s o i k P n T, and 0 for NUL terminators)")
        }
        guard let value else { return }
        if value == "?" {
            options.fieldHelp = true
            return
        }
        fieldsGiven = true
        for letter in value {
            if letter == "0" {
                options.nulTerminated = true
            } else if let field = LsofFields(letter: letter) {
                options.fields.insert(field)
                if field == .tcpInfo {
                    options.tcpState = true
                    options.tcpQueues = true
                }
            } else if Self.emptyFieldLetters.contains(letter) {
                continue
            } else if "gRGZmr".contains(letter) {
                throw ValidationError(
                    "-F \(letter): this field is not written (fields: p c u L K f a l t d D s o i k P n T, and 0 for NUL terminators)")
            } else {
                throw ValidationError("unknown field: \(letter)")
            }
        }
    }

    /// `-p 1,2,^3` (lsof's `enter_id`): an empty item is pid 0, as in lsof.
    private static func pids(_ list: String, into options: inout LsofOptions) throws {
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let excluded = item.hasPrefix("^")
            let digits = excluded ? item.dropFirst() : item
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidationError("illegal process ID: \(list)")
            }
            guard let pid = digits.isEmpty ? 0 : Int32(digits) else {
                throw ValidationError("illegal process ID: \(list)")
            }
            if let known = options.pids.first(where: { $0.pid == pid }) {
                if known.excluded != excluded { throw ValidationError("PID \(pid) has been included and excluded.") }
                continue
            }
            options.pids.append((pid, excluded))
        }
    }

    /// `-u root,^1000` (lsof's `enter_uid`): login names or uids.
    private static func users(_ list: String, into options: inout LsofOptions) throws {
        for item in list.split(separator: ",") {
            let excluded = item.hasPrefix("^")
            let name = String(excluded ? item.dropFirst() : item)
            let uid: UInt32
            if !name.isEmpty, name.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt32(name) {
                uid = number
            } else if let entry = getpwnam(name) {
                uid = entry.pointee.pw_uid
            } else {
                throw ValidationError("can't get UID for \(name)")
            }
            if let known = options.users.first(where: { $0.uid == uid }) {
                if known.excluded != excluded { throw ValidationError("UID \(uid) has been included and excluded.") }
                continue
            }
            options.users.append((uid, excluded))
        }
    }
}
