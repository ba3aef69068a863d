import Glibc

/// The command line, parsed by hand: the fuzzer links nothing but the decoder.
struct Options {
    enum Mode {
        case loop
        case replay(Int)
        case one([UInt8])
        case minimize([UInt8])
        case writeCorpus(String)
        case asanCanary
    }

    var mode = Mode.loop
    var iterations = 1_000_000
    var seed: UInt64 = 1
    var from = 0
    var progress: Int?
    /// With `--replay`: also write the input's bytes here.
    var save: String?

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init() {}

    init(parsing arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let value = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return value
        }
        func number<T: FixedWidthInteger>(_ flag: String) throws -> T {
            let text = try value(flag)
            let parsed = text.hasPrefix("0x") ? T(text.dropFirst(2), radix: 16) : T(text)
            guard let parsed, parsed >= 0 else { throw UsageError(description: "\(flag) takes a number, not \(text)") }
            return parsed
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--iterations": iterations = try number(flag)
            case "--seed": seed = try number(flag)
            case "--from": from = try number(flag)
            case "--progress": progress = max(1, try number(flag) as Int)
            case "--replay": mode = .replay(try number(flag))
            case "--save": save = try value(flag)
            case "--hex": mode = .one(try Hex.decode(try value(flag)))
            case "--input": mode = .one(try Self.read(try value(flag)))
            case "--minimize":
                let source = try value(flag)
                mode = .minimize(access(source, F_OK) == 0 ? try Self.read(source) : try Hex.decode(source))
            case "--write-corpus": mode = .writeCorpus(try value(flag))
            case "--asan-canary": mode = .asanCanary
            case "-h", "--help":
                throw UsageError(description: """
                    usage: sockwatch-fuzz [--iterations N] [--seed S] [--from I] [--progress N]
                           sockwatch-fuzz [--seed S] --replay I [--save FILE] | --hex HEX | --input FILE | --minimize HEX|FILE
                           sockwatch-fuzz [--seed S] --write-corpus DIR | --asan-canary
                    """)
            default:
                throw UsageError(description: "unknown option \(flag) (try --help)")
            }
        }
    }

    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw UsageError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return bytes
    }
}

/// Inputs as hex, for crash reports and `--hex`.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [UInt8] {
        let digits = text.utf8.filter { !$0.isASCIIWhitespace }
        guard digits.count % 2 == 0 else { throw Options.UsageError(description: "odd number of hex digits") }
        var bytes: [UInt8] = []
        var i = 0
        while i < digits.count {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else {
                throw Options.UsageError(description: "not hex: \(text.prefix(40))")
            }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension UInt8 {
    fileprivate var isASCIIWhitespace: Bool {
        self == UInt8(ascii: " ") || self == UInt8(ascii: "\n") || self == UInt8(ascii: "\t") || self == UInt8(ascii: "\r")
    }
}
