#if LIBFUZZER
import SockFuzz

/// libFuzzer's side: the entry point it calls per input, and its driver.
///
/// SwiftPM builds an executable target's `@main` as `sockwatch_fuzz_main` and links with
/// `--defsym main=sockwatch_fuzz_main`, so libFuzzer's own `main` (in `libclang_rt.fuzzer`) is never the one
/// that runs. `FuzzMain.main` hands over to the driver instead, which `libclang_rt.fuzzer` exports for this.
enum LibFuzzer {
    static func runDriver() -> Int32 {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        return llvmFuzzerRunDriver(&argc, &argv) { data, size in
            fuzzTestOneInput(data, size)
        }
    }
}

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size))`.
@_extern(c, "LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// libFuzzer calls this for every input it makes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size))
    return 0
}
#endif
