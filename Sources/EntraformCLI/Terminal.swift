import ArgumentParser
import Foundation

/// When to colour output. Decided once per command: `always`, `never`, or `auto` (a terminal, no
/// `NO_COLOR`, and `TERM` not `dumb`).
public enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never

    /// Whether to colour what is written to `fileDescriptor` (1 stdout, 2 stderr).
    public func useColor(fileDescriptor: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if environment["NO_COLOR"].map({ !$0.isEmpty }) == true { return false }
            if environment["TERM"] == "dumb" { return false }
            return isatty(fileDescriptor) == 1
        }
    }
}

/// Writes to standard output and standard error without buffering surprises.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
