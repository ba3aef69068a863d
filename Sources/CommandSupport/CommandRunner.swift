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

extension ParsableCommand {
    /// Parses the command line, runs the command and exits: 0 after help and when the reader of stdout has
    /// gone, 2 for bad usage, 1 for any other failure, each failure as one line on stderr.
    public static func runAndExit(_ arguments: [String]? = nil) -> Never {
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
        } catch let error as DiagError {
            Stderr.line(error.description)
            return 1
        } catch let error as PipelineError {
            Stderr.line(error.description)
            return 1
        } catch let error as NamespaceError {
            Stderr.line(error.description)
            return 1
        } catch let error as OutputBuffer.WriteFailed {
            Stderr.line(error.description)
            return 1
        } catch {
            switch exitCode(for: error) {
            case .success:
                print(fullMessage(for: error))
                return 0
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
