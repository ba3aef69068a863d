import Glibc
import Testing

@testable import ProcIndex

@Suite struct ProcessNamesTests {
    @Test func programIsTheBasenameOfArgvZero() {
        let argv0 = CommandLine.arguments[0]
        let expected = argv0.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? argv0
        #expect(ProcessNames().program(pid: getpid()) == expected)
        #expect(ProcessNames().program(pid: Int32.max - 1) == "")
    }
}
