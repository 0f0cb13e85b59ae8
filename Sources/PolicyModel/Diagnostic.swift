/// A position in a configuration file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The file's path as the user gave it (relative paths stay relative).
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the form editors and CI annotate.
    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A problem found in the configuration or the tenant, as a value: gathered, sorted and rendered,
/// never thrown at the first one.
public struct Diagnostic: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
        case note
    }

    public var severity: Severity
    /// One sentence, lower-case start, no trailing full stop: `unknown key 'grantControl'`.
    public var message: String
    /// Where the problem is, when it has a place in a file.
    public var location: SourceLocation?
    /// A fix to offer: `did you mean 'grantControls'?`.
    public var suggestion: String?
    /// The rule that found it, for findings of a named rule (`EF203`).
    public var code: String?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation? = nil, suggestion: String? = nil, code: String? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
        self.suggestion = suggestion
        self.code = code
    }

    public static func error(_ message: String, at location: SourceLocation? = nil, suggestion: String? = nil) -> Diagnostic {
        Diagnostic(.error, message, at: location, suggestion: suggestion)
    }

    public static func warning(_ message: String, at location: SourceLocation? = nil, suggestion: String? = nil) -> Diagnostic {
        Diagnostic(.warning, message, at: location, suggestion: suggestion)
    }

    /// The message with its suggestion: `unknown key 'grantControl'; did you mean 'grantControls'?`.
    public var fullMessage: String {
        guard let suggestion else { return message }
        return "\(message); \(suggestion)"
    }
}

extension Diagnostic: CustomStringConvertible {
    /// `file:line:column: error: message`, or `error: message` without a location; a rule's finding
    /// ends in its id: `… [EF203]`.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(fullMessage)\(code.map { " [\($0)]" } ?? "")"
    }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error.
    public var containsErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file and position; diagnostics without a location come first, in their original order.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            switch (lhs.element.location, rhs.element.location) {
            case (nil, nil): return lhs.offset < rhs.offset
            case (nil, _): return true
            case (_, nil): return false
            case let (l?, r?): return l == r ? lhs.offset < rhs.offset : l < r
            }
        }.map(\.element)
    }
}
