import SockFuzz

#if LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzInput.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
@main
struct FuzzMain {
    static func main() {}
}
#endif
