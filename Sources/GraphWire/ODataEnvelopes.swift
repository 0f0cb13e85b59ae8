import Foundation
import PolicyModel

// Graph's OData envelopes, shared by the client and the emulator: the collection page, the error
// envelope and the JSON batch request/response (reference §3.1–§3.3). Bodies stay `JSONValue` so
// nothing the service sends is lost.

/// One page of a Graph collection: `{"@odata.context":…, "value":[…], "@odata.nextLink":"…"}`.
public struct ODataPage: Sendable, Hashable {
    /// The items of this page.
    public var value: [JSONValue]
    /// The absolute URL of the next page, to be requested verbatim; `nil` on the last page.
    public var nextLink: String?
    /// `@odata.context`, when present.
    public var context: String?
    /// `@odata.count`, only present when `$count=true` was requested.
    public var count: Int?

    public init(value: [JSONValue], nextLink: String? = nil, context: String? = nil, count: Int? = nil) {
        self.value = value
        self.nextLink = nextLink
        self.context = context
        self.count = count
    }

    /// Reads a page from a decoded response body; `nil` when the body has no `value` array.
    public init?(json: JSONValue) {
        guard let items = json["value"]?.arrayValue else { return nil }
        self.value = items
        self.nextLink = json["@odata.nextLink"]?.stringValue
        self.context = json["@odata.context"]?.stringValue
        self.count = json["@odata.count"]?.intValue
    }

    /// The page as Graph sends it.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["value": .array(value)]
        if let nextLink { members["@odata.nextLink"] = .string(nextLink) }
        if let context { members["@odata.context"] = .string(context) }
        if let count { members["@odata.count"] = .number(Double(count)) }
        return .object(members)
    }
}

/// Graph's error envelope:
/// `{"error":{"code":"…","message":"…","innerError":{"date":"…","request-id":"…","client-request-id":"…"}}}`.
public struct ODataErrorEnvelope: Sendable, Hashable {
    /// `error.code`, e.g. `BadRequest`, `Request_ResourceNotFound`, `TooManyRequests`.
    public var code: String
    /// `error.message`.
    public var message: String
    /// `error.innerError.message`, which carries CA validation reasons (`1032: ConditionalActionPolicy validation failed due to …`).
    public var innerMessage: String?
    /// `error.innerError.request-id`.
    public var requestId: String?
    /// `error.innerError.client-request-id`.
    public var clientRequestId: String?
    /// `error.innerError.date`.
    public var date: String?

    public init(
        code: String, message: String, innerMessage: String? = nil, requestId: String? = nil,
        clientRequestId: String? = nil, date: String? = nil
    ) {
        self.code = code
        self.message = message
        self.innerMessage = innerMessage
        self.requestId = requestId
        self.clientRequestId = clientRequestId
        self.date = date
    }

    /// Reads the envelope from a decoded body; `nil` when the body is not a Graph error.
    public init?(json: JSONValue) {
        guard let error = json["error"], case .object = error else { return nil }
        self.code = error["code"]?.stringValue ?? ""
        self.message = error["message"]?.stringValue ?? ""
        let inner = error["innerError"] ?? error["innererror"]
        self.innerMessage = inner?["message"]?.stringValue
        self.requestId = inner?["request-id"]?.stringValue
        self.clientRequestId = inner?["client-request-id"]?.stringValue
        self.date = inner?["date"]?.stringValue
    }

    /// The envelope as Graph sends it.
    public var json: JSONValue {
        var inner: [String: JSONValue] = [:]
        if let innerMessage { inner["message"] = .string(innerMessage) }
        if let requestId { inner["request-id"] = .string(requestId) }
        if let clientRequestId { inner["client-request-id"] = .string(clientRequestId) }
        if let date { inner["date"] = .string(date) }
        return ["error": ["code": .string(code), "message": .string(message), "innerError": .object(inner)]]
    }
}

/// One request inside a `POST /$batch` body.
public struct BatchRequestItem: Sendable, Hashable {
    /// Unique (case-insensitively) within the batch.
    public var id: String
    public var method: String
    /// Relative to the version root, e.g. `/users?$filter=…`.
    public var url: String
    public var headers: [String: String]
    public var body: JSONValue?
    public var dependsOn: [String]

    public init(
        id: String, method: String, url: String, headers: [String: String] = [:], body: JSONValue? = nil,
        dependsOn: [String] = []
    ) {
        self.id = id
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.dependsOn = dependsOn
    }

    /// The request as it appears in the batch body (adds `Content-Type` when a body is present).
    public var json: JSONValue {
        var members: [String: JSONValue] = ["id": .string(id), "method": .string(method), "url": .string(url)]
        var allHeaders = headers
        if body != nil, !allHeaders.keys.contains(where: { $0.lowercased() == "content-type" }) {
            allHeaders["Content-Type"] = "application/json"
        }
        if !allHeaders.isEmpty { members["headers"] = .object(allHeaders.mapValues { .string($0) }) }
        if let body { members["body"] = body }
        if !dependsOn.isEmpty { members["dependsOn"] = .array(dependsOn.map { .string($0) }) }
        return .object(members)
    }

    /// Reads a batch step; `nil` when `id`, `method` or `url` is missing.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let method = json["method"]?.stringValue,
            let url = json["url"]?.stringValue
        else { return nil }
        self.id = id
        self.method = method
        self.url = url
        self.headers = (json["headers"]?.objectValue ?? [:]).compactMapValues { $0.stringValue }
        self.body = json["body"]
        self.dependsOn = json["dependsOn"]?.stringArray ?? []
    }
}

/// One response inside a `$batch` answer (`{"responses":[…]}`, in any order).
public struct BatchResponseItem: Sendable, Hashable {
    public var id: String
    public var status: Int
    public var headers: [String: String]
    public var body: JSONValue?

    public init(id: String, status: Int, headers: [String: String] = [:], body: JSONValue? = nil) {
        self.id = id
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Reads a batch response; `nil` when `id` or `status` is missing.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let status = json["status"]?.intValue else { return nil }
        self.id = id
        self.status = status
        self.headers = (json["headers"]?.objectValue ?? [:]).compactMapValues { $0.stringValue }
        self.body = json["body"]
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["id": .string(id), "status": .number(Double(status))]
        if !headers.isEmpty { members["headers"] = .object(headers.mapValues { .string($0) }) }
        if let body { members["body"] = body }
        return .object(members)
    }
}
