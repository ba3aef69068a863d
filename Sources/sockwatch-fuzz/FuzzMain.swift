import SockFuzz

@main
struct FuzzMain {
    static func main() {}
}
