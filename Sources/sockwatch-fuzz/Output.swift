import Glibc

/// Writes `line` and a newline to stdout with `write(2)`: unbuffered, so nothing is lost when a crash follows.
func say(_ line: String) {
    writeAll(1, line + "\n")
}

/// Writes `sockwatch-fuzz: line` to stderr.
func warn(_ line: String) {
    writeAll(2, "sockwatch-fuzz: " + line + "\n")
}

private func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
