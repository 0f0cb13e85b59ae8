import Foundation
import PolicyModel

/// The Graph API version a request addressed.
enum GraphVersion: String, Sendable {
    case v1 = "v1.0"
    case beta = "beta"

    /// The version a path segment names. Graph reads it case-insensitively (`/V1.0/`, `/BETA/`),
    /// like every other segment.
    init?(segment: String) {
        self.init(rawValue: segment.lowercased())
    }
}

/// A Graph request, independent of the HTTP server so `$batch` steps run through the same code.
struct GraphRequest: Sendable {
    var method: String
    var version: GraphVersion
    /// Path below the version root, percent-decoded, without a trailing slash (`/users/abc`).
    var path: String
    /// Query options, percent-decoded; keys as sent (`$filter`, `$top`, …).
    var query: [String: String]
    /// Header fields with lowercased names.
    var headers: [String: String]
    var body: Data?
    /// `scheme://host[:port]` the client used, for absolute `@odata.nextLink` and `@odata.context` URLs.
    var origin: String
    /// Whether this request arrived inside a `$batch`.
    var inBatch: Bool = false

    var segments: [String] { path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// `Prefer: include-unknown-enum-members` asks for evolvable enum members instead of `unknownFutureValue`.
    var includesUnknownEnumMembers: Bool {
        (header("prefer") ?? "").lowercased().contains("include-unknown-enum-members")
    }

    /// The version root URL, e.g. `http://127.0.0.1:8080/v1.0` — used in `@odata.context`.
    var serviceRoot: String { "https://graph.microsoft.com/\(version.rawValue)" }
}

/// A Graph response before it becomes an HTTP response.
struct GraphResponse: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: Data?
    /// Set when the failure should drop the connection instead of answering.
    var dropConnection = false

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> GraphResponse {
        GraphResponse(status: status, headers: [("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")] + headers,
                      body: JSONWriter.data(value))
    }

    static func noContent() -> GraphResponse { GraphResponse(status: 204) }

    /// Graph's OData error envelope: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`.
    static func error(_ status: Int, code: String, message: String, innerMessage: String? = nil,
                      request: GraphRequest? = nil, headers: [(String, String)] = []) -> GraphResponse {
        let requestId = UUID().uuidString.lowercased()
        var inner: [String: JSONValue] = [
            "date": .string(String(GraphTimestamp.now().prefix(19))),
            "request-id": .string(requestId),
            "client-request-id": .string(request?.header("client-request-id") ?? requestId),
        ]
        if let innerMessage { inner["message"] = .string(innerMessage) }
        let body: JSONValue = ["error": ["code": .string(code), "message": .string(message), "innerError": .object(inner)]]
        return .json(status, body, headers: [("request-id", requestId)] + headers)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var jsonBody: JSONValue? {
        guard let body, !body.isEmpty else { return nil }
        return try? JSONValue.decode(exportedData: body)
    }
}

/// A request-handling failure that maps to a Graph error response.
struct GraphFailure: Error {
    var status: Int
    var code: String
    var message: String
    var innerMessage: String?
    var headers: [(String, String)] = []

    func response(for request: GraphRequest?) -> GraphResponse {
        .error(status, code: code, message: message, innerMessage: innerMessage, request: request, headers: headers)
    }

    static func notFound(_ id: String) -> GraphFailure {
        GraphFailure(status: 404, code: "Request_ResourceNotFound",
                     message: "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    static func badRequest(_ message: String, code: String = "BadRequest", inner: String? = nil) -> GraphFailure {
        GraphFailure(status: 400, code: code, message: message, innerMessage: inner)
    }

    static func noRoute(_ request: GraphRequest) -> GraphFailure {
        GraphFailure(status: 400, code: "BadRequest",
                     message: "Resource not found for the segment '\(request.segments.last ?? "")'.")
    }

    static func methodNotAllowed() -> GraphFailure {
        GraphFailure(status: 405, code: "Request_BadRequest",
                     message: "Specified HTTP method is not allowed for the request target.")
    }

    /// `400` for a body that is not JSON.
    static func malformedBody(_ detail: String) -> GraphFailure {
        GraphFailure(status: 400, code: "BadRequest", message: "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
                     innerMessage: detail)
    }
}

extension GraphRequest {
    /// The body as a JSON object, or a 400 failure.
    func jsonObject() throws(GraphFailure) -> [String: JSONValue] {
        guard let body, !body.isEmpty else {
            throw GraphFailure.malformedBody("The request body is empty.")
        }
        let value: JSONValue
        do { value = try JSONValue.decode(exportedData: body) } catch { throw GraphFailure.malformedBody(error.description) }
        guard case .object(let members) = value else {
            throw GraphFailure.malformedBody("The request body must be a JSON object.")
        }
        return members
    }
}
