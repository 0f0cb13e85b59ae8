import Foundation
import PolicyModel

/// One logical Graph call. The client adds authentication, pacing, retries and ids.
public struct GraphRequest: Sendable {
    /// What a retry of this request can do, which decides how failures are retried.
    public enum Semantics: Sendable, Hashable {
        /// Reads (GET, and POST functions like `getByIds`): always safe to repeat.
        case read
        /// Idempotent writes (PATCH, DELETE, PUT, actions such as `dismiss`): repeating has the same effect.
        case write
        /// A POST that creates an object: never repeated after an ambiguous failure (see
        /// ``GraphClient/createIfAbsent(path:body:displayName:version:)``).
        case create
    }

    public var method: String
    /// Path relative to the version root, starting with `/`, with an already-encoded query
    /// (build it with ``GraphQuery``).
    public var path: String
    public var version: GraphVersion
    public var body: JSONValue?
    /// Extra headers (e.g. `ConsistencyLevel: eventual`).
    public var headers: [(String, String)]
    public var semantics: Semantics
    /// Retry a 404 for a while: the object was just created and may not have replicated yet.
    public var retryNotFound: Bool
    /// An absolute URL to request verbatim instead of `path` (an `@odata.nextLink`).
    public var absoluteURL: String?

    public init(
        method: String, path: String, version: GraphVersion, body: JSONValue? = nil, headers: [(String, String)] = [],
        semantics: Semantics? = nil, retryNotFound: Bool = false, absoluteURL: String? = nil
    ) {
        self.method = method.uppercased()
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.version = version
        self.body = body
        self.headers = headers
        self.semantics = semantics ?? (self.method == "GET" ? .read : self.method == "POST" ? .create : .write)
        self.retryNotFound = retryNotFound
        self.absoluteURL = absoluteURL
    }

    /// `GET path`.
    public static func get(_ path: String, version: GraphVersion, headers: [(String, String)] = []) -> GraphRequest {
        GraphRequest(method: "GET", path: path, version: version, headers: headers)
    }
}

/// A successful Graph answer.
public struct GraphResponse: Sendable {
    public var status: Int
    /// The decoded body; `nil` for an empty body (204).
    public var body: JSONValue?
    /// The `request-id` Graph assigned (quote it to Microsoft support).
    public var requestId: String?
    /// The `client-request-id` the client sent.
    public var clientRequestId: String
    /// How many attempts it took.
    public var attempts: Int
    /// Response headers.
    public var headers: [(String, String)]

    public init(status: Int, body: JSONValue?, requestId: String?, clientRequestId: String, attempts: Int, headers: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.requestId = requestId
        self.clientRequestId = clientRequestId
        self.attempts = attempts
        self.headers = headers
    }
}

/// OData query options, encoded the way Graph wants them (spaces as `%20`, values percent-encoded).
public struct GraphQuery: Sendable, Hashable {
    public var filter: String?
    public var select: [String]
    public var top: Int?
    public var expand: String?
    public var orderBy: String?
    public var count: Bool
    /// Other parameters, in order.
    public var extra: [(String, String)]

    public init(
        filter: String? = nil, select: [String] = [], top: Int? = nil, expand: String? = nil, orderBy: String? = nil,
        count: Bool = false, extra: [(String, String)] = []
    ) {
        self.filter = filter
        self.select = select
        self.top = top
        self.expand = expand
        self.orderBy = orderBy
        self.count = count
        self.extra = extra
    }

    public static func == (lhs: GraphQuery, rhs: GraphQuery) -> Bool { lhs.encoded == rhs.encoded }
    public func hash(into hasher: inout Hasher) { hasher.combine(encoded) }

    /// The encoded query without the leading `?`; empty when there are no options.
    public var encoded: String {
        var pairs: [(String, String)] = []
        if let filter { pairs.append(("$filter", filter)) }
        if !select.isEmpty { pairs.append(("$select", select.joined(separator: ","))) }
        if let top { pairs.append(("$top", String(top))) }
        if let expand { pairs.append(("$expand", expand)) }
        if let orderBy { pairs.append(("$orderby", orderBy)) }
        if count { pairs.append(("$count", "true")) }
        pairs += extra
        return pairs.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
    }

    /// `path` with this query appended.
    public func apply(to path: String) -> String {
        let query = encoded
        guard !query.isEmpty else { return path }
        return path + (path.contains("?") ? "&" : "?") + query
    }

    /// An OData string literal: `'O''Brien'`.
    public static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `property in ('a','b')`.
    public static func inList(_ property: String, _ values: [String]) -> String {
        "\(property) in (\(values.map(quote).joined(separator: ",")))"
    }

    private static let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~$,'()*:")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
