import ArgumentParser
import Glibc
import ProcIndex
import SockDiag
import SockPipeline
import SockRender

/// A failure that ends a command with one line on stderr and its own exit status.
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    public var status: Int32

    public init(_ description: String, status: Int32 = 1) {
        self.description = description
        self.status = status
    }
}

/// Lines on stderr, each prefixed with the program's name: the one channel for notes and failures.
public enum Stderr {
    /// Writes `sockwatch: MESSAGE` and a newline on stderr, in one write.
    public static func line(_ message: String) {
        var line = "sockwatch: \(message)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// Writes a note of the pipeline (`sockwatch: note: …`).
    public static func note(_ note: PipelineNote) {
        line(note.description)
    }
}

/// Text written straight to stdout with every error seen, for help that must not claim success on a full disk.
public enum Stdout {
    /// Writes `text` whole to fd 1 and returns the exit status: 0, also when the reader has gone (EPIPE), else 1
    /// after one line naming the errno.
    public static func writeHelp(_ text: String) -> Int32 {
        var text = text
        let failure: Int32 = text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return n < 0 ? errno : EIO }
                offset += n
            }
            return 0
        }
        if failure == 0 || failure == EPIPE { return 0 }
        Stderr.line("cannot write the help to stdout: \(String(cString: strerror(failure)))")
        return 1
    }
}

extension ParsableCommand {
    /// Parses the command line, runs the command and exits: 0 after help and when the reader of stdout has
    /// gone, 2 for bad usage, 1 for any other failure, each failure as one line on stderr.
    public static func runAndExit(_ arguments: [String]? = nil) -> Never {
        ProcessStart.prepare()
        signal(SIGPIPE, SIG_IGN)
        Glibc.exit(status(running: arguments))
    }

    private static func status(running arguments: [String]?) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let failure as CommandFailure {
            Stderr.line(failure.description)
            return failure.status
        } catch is OutputBuffer.Closed {
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch let error as OutOfMemory {
            Stderr.line(error.description)
            return 1
        } catch let error as DiagError {
            Stderr.line(error.errno == .noMemory ? "out of memory (\(error.description))" : error.description)
            return 1
        } catch let error as PipelineError {
            Stderr.line(error.description)
            return error.exitStatus
        } catch let error as NamespaceError {
            Stderr.line(error.description)
            return 1
        } catch let error as OutputBuffer.WriteFailed {
            Stderr.line(error.description)
            return 1
        } catch {
            switch exitCode(for: error) {
            case .success:
                return Stdout.writeHelp(fullMessage(for: error) + "\n")
            case .validationFailure:
                let message = message(for: error)
                    .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "\(error)"
                Stderr.line(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
                return 2
            default:
                Stderr.line("\(error)")
                return 1
            }
        }
    }
}
