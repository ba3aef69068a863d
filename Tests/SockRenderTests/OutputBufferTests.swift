import Foundation
import Testing
import SockDiag
@testable import SockRender

/// The number formatting and escaping every renderer builds on.
@Suite struct OutputBufferTests {
    /// Runs `body` on an in-memory buffer and returns its text.
    static func text(_ body: (OutputBuffer) -> Void) -> String {
        let out = OutputBuffer(fd: nil)
        body(out)
        return out.text
    }

    // MARK: - Numbers

    @Test(arguments: [
        (UInt64(0), "0"), (9, "9"), (10, "10"), (99, "99"), (100, "100"), (1_000_000_007, "1000000007"),
        (UInt64(UInt32.max), "4294967295"), (UInt64.max, "18446744073709551615"),
        (101, "101"), (110, "110"), (999, "999"), (1000, "1000"), (1009, "1009"), (65535, "65535"),
        (10_000_000_000_000_000_000, "10000000000000000000"),
    ])
    func decimal(value: UInt64, expected: String) {
        #expect(Self.text { $0.append(decimal: value) } == expected)
    }

    @Test func everyDecimalUpToAMillionMatchesDescription() {
        let out = OutputBuffer(fd: nil)
        var expected = ""
        for value in stride(from: UInt64(0), through: 1_000_000, by: 7) {
            out.append(decimal: value)
            out.append(0x20)
            expected += "\(value) "
        }
        #expect(out.text == expected)
    }

    @Test func signedDecimal() {
        #expect(Self.text { $0.append(decimal: Int32(-42)) } == "-42")
        #expect(Self.text { $0.append(decimal: Int32.min) } == "-2147483648")
        #expect(Self.text { $0.append(decimal: Int64.max) } == "9223372036854775807")
        #expect(Self.text { $0.append(decimal: UInt8(255)) } == "255")
    }

    /// `Int64.min` has no positive counterpart: the magnitude is printed, nothing traps.
    @Test func int64MinDoesNotTrap() {
        #expect(Self.text { $0.append(decimal: Int64.min) } == "-9223372036854775808")
    }

    @Test(arguments: [
        (UInt64(1234), 3, "1.234"), (5, 3, "0.005"), (0, 3, "0.000"), (1000, 3, "1.000"), (999, 3, "0.999"),
        (7, 0, "7"), (12345, 2, "123.45"), (10, 1, "1.0"), (UInt64.max, 3, "18446744073709551.615"),
    ])
    func fixed(value: UInt64, scale: Int, expected: String) {
        #expect(Self.text { $0.append(fixed: value, scale: scale) } == expected)
    }

    /// `%g`-like: trailing zeros of the fraction go, and the point with them (`ss`'s `rto:204`, `rtt:0.05`).
    @Test(arguments: [
        (UInt64(204_000), 3, "204"), (29, 3, "0.029"), (50, 3, "0.05"), (1500, 3, "1.5"), (0, 3, "0"),
        (1001, 3, "1.001"), (7, 0, "7"), (100, 2, "1"),
    ])
    func trimmed(value: UInt64, scale: Int, expected: String) {
        #expect(Self.text { $0.append(trimmed: value, scale: scale) } == expected)
    }

    @Test(arguments: [
        (UInt64(0), "0"), (9, "9"), (0xA, "a"), (0xFF, "ff"), (0x100, "100"), (0xDEAD_BEEF, "deadbeef"),
        (0x1000_0000_0000_0000, "1000000000000000"), (UInt64.max, "ffffffffffffffff"),
    ])
    func hex(value: UInt64, expected: String) {
        #expect(Self.text { $0.append(hex: value) } == expected)
    }

    @Test func spacesAndText() {
        #expect(Self.text { $0.append("a"); $0.appendSpaces(3); $0.appendSpaces(0); $0.appendSpaces(-2); $0.append("b") }
            == "a   b")
        #expect(Self.text { $0.append(String("héllo")); $0.append(0x21) } == "héllo!")
    }

    // MARK: - Table escaping

    @Test func tableEscapingKeepsOneLine() {
        let escaped = Self.text { $0.appendEscaped("a\nb\tc\\d\u{1}") }
        #expect(escaped == #"a\nb\tc\\d\x01"#)
    }

    @Test(arguments: [
        ("\r", #"\r"#), ("\u{0}", #"\x00"#), ("\u{1f}", #"\x1f"#), ("\u{7f}", #"\x7f"#), ("\u{1b}[31m", #"\x1b[31m"#),
        ("plain text", "plain text"), ("é✓🚀", "é✓🚀"), ("", ""),
    ])
    func tableEscaping(input: String, expected: String) {
        let escaped = Self.text { $0.appendEscaped(input) }
        #expect(escaped == expected)
        #expect(!escaped.utf8.contains { $0 < 0x20 || $0 == 0x7F })
    }

    // MARK: - JSON strings

    @Test(arguments: [
        "", "plain", "say \"hi\"", "back\\slash", "new\nline", "tab\tcr\rbs\u{8}ff\u{c}",
        "\u{0}\u{1}\u{1f}\u{7f}", "héllo ✓ 🚀 日本", "\"}\n{\"netid\":\"fake\"}", "/\u{2028}\u{2029}",
    ])
    func jsonStringRoundTrips(input: String) throws {
        let out = OutputBuffer(fd: nil)
        out.appendJSONString(input)
        #expect(out.bytes.first == 0x22 && out.bytes.last == 0x22)
        #expect(!out.bytes.contains { $0 < 0x20 }, "raw control byte in \(out.text)")
        let parsed = try JSONSerialization.jsonObject(with: Data(out.bytes), options: .fragmentsAllowed)
        #expect(parsed as? String == input)
    }

    @Test func jsonEscapesAreTheShortOnes() {
        let out = OutputBuffer(fd: nil)
        out.appendJSONString("\"\\\n\t\r\u{8}\u{c}\u{1}")
        #expect(out.text == #""\"\\\n\t\r\b\f\u0001""#)
    }

    // MARK: - Flushing

    @Test func inMemoryBufferKeepsEverything() throws {
        let out = OutputBuffer(fd: nil, flushThreshold: 4)
        out.append("0123456789")
        try out.flushIfFull()
        try out.flush()
        #expect(out.text == "0123456789")
        out.reset()
        #expect(out.bytes.isEmpty)
    }

    @Test func flushWritesToTheDescriptor() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let out = OutputBuffer(fd: fds[1], flushThreshold: 8)
        out.append("abc")
        try out.flushIfFull()
        #expect(out.text == "abc")  // under the threshold: held
        out.append("defghij")
        try out.flushIfFull()
        #expect(out.bytes.isEmpty)
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self) == "abcdefghij")
    }

    @Test func flushToAClosedPipeThrowsClosed() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        // As the CLI does; left ignored, since restoring it could kill a parallel test writing to a pipe.
        signal(SIGPIPE, SIG_IGN)
        let out = OutputBuffer(fd: fds[1])
        out.append("gone")
        #expect(throws: OutputBuffer.Closed.self) { try out.flush() }
    }

    /// Only a gone reader is a quiet `Closed`; a full disk or a bad descriptor is a real error.
    @Test func otherWriteErrorsAreNotClosed() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let out = OutputBuffer(fd: fd)
        out.append("no space")
        let error = #expect(throws: (any Error).self) { try out.flush() }
        #expect(!(error is OutputBuffer.Closed), "ENOSPC reported as a closed pipe")
        #expect((error as? OutputBuffer.WriteFailed)?.errno == ENOSPC)
    }

    // MARK: - Names that are not text

    @Test(arguments: [
        ([0x62, 0x61, 0x64, 0xFF], #"bad\xff"#, "626164ff"),  // an invalid byte
        ([0xC3, 0x28], #"\xc3("#, "c328"),  // a lead byte without its continuation
        ([0xF4, 0x8F, 0xBF, 0xBF], #"\xf4\x8f\xbf\xbf"#, "f48fbfbf"),  // U+10FFFF itself: kept as its four bytes
        ([0xC2, 0x9B, 0x31, 0x6D], #"\u009b1m"#, nil),  // CSI (C1), valid UTF-8
        ([0xE2, 0x80, 0xAE, 0x61], #"\u202ea"#, nil),  // RLO
        ([0xE2, 0x81, 0xA9], #"\u2069"#, nil),  // PDI
        ([0xC3, 0xA9, 0xE2, 0x9C, 0x93], "é✓", nil),  // ordinary text is left alone
    ] as [([UInt8], String, String?)])
    func rawBytesRoundTripAndEscape(bytes: [UInt8], table: String, hex: String?) {
        let name = String(rawBytes: bytes)
        #expect(name.rawBytes == bytes)
        #expect(Self.text { $0.appendEscaped(name) } == table)
        let json = Self.text {
            $0.appendJSONString(name)
            $0.appendJSONRawBytes(key: "path", of: name)
        }
        if let hex {
            #expect(json.hasSuffix(",\"path_hex\":\"\(hex)\""), "\(json)")
        } else {
            #expect(!json.contains("_hex"), "\(json)")
        }
        // Whatever the name, the JSON is valid UTF-8 with no raw C1 or bidi character.
        #expect(String(validating: Array(json.utf8), as: UTF8.self) != nil)
        #expect(!json.unicodeScalars.contains { (0x80...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value) })
    }
}
