import Foundation
import GraphWire
import PolicyModel

/// Every failure the Graph client reports: a service answer, a transport failure, an authentication
/// failure, exhausted retries or bad configuration.
///
/// Carries what a person needs to act and to quote to Microsoft support: the request's method and
/// path, the status, Graph's error code and message, and the request ids. It never carries tokens,
/// secrets, assertions or headers. ``description`` is one line.
public struct GraphError: Error, Sendable, CustomStringConvertible, Hashable {
    /// What kind of failure this is.
    public enum Kind: String, Sendable, Hashable {
        /// Graph answered with an error status (4xx/5xx) that is not retried or no longer retried.
        case service
        /// Getting a token failed (token endpoint error, OIDC token request failure, Azure CLI failure),
        /// or Graph answered 401.
        case authentication
        /// No HTTP response arrived (connection refused, dropped, timed out).
        case transport
        /// Retries were exhausted within the bounded total wait; ``status`` is the last response's.
        case retriesExhausted
        /// A create failed ambiguously (the object may or may not exist); callers use
        /// ``GraphClient/createIfAbsent(path:body:displayName:version:)`` to resolve it.
        case ambiguousCreate
        /// The response could not be read (not JSON, missing `value`…).
        case invalidResponse
        /// Options or environment are unusable (missing credentials, bad URL, unreadable certificate…).
        case configuration
    }

    public var kind: Kind
    /// HTTP status of the (last) response, when there was one.
    public var status: Int?
    /// Graph's `error.code`, or the OAuth `error` (e.g. `invalid_client`).
    public var code: String?
    /// Graph's `error.message` (plus `innerError.message` when present), or the first line of the
    /// OAuth `error_description`, or an explanation.
    public var message: String
    /// `request-id` from the response header or error envelope.
    public var requestId: String?
    /// The `client-request-id` the client sent.
    public var clientRequestId: String?
    /// The request's method, e.g. `GET`.
    public var method: String?
    /// The request's path and query relative to the host, e.g. `/beta/identity/conditionalAccess/policies`.
    public var path: String?
    /// AADSTS error number for token endpoint failures, e.g. `7000215`.
    public var aadstsCode: Int?
    /// What to do about it, when known.
    public var hint: String?
    /// How many attempts were made.
    public var attempts: Int

    public init(
        kind: Kind, status: Int? = nil, code: String? = nil, message: String, requestId: String? = nil,
        clientRequestId: String? = nil, method: String? = nil, path: String? = nil, aadstsCode: Int? = nil,
        hint: String? = nil, attempts: Int = 1
    ) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
        self.clientRequestId = clientRequestId
        self.method = method
        self.path = path
        self.aadstsCode = aadstsCode
        self.hint = hint
        self.attempts = attempts
    }

    /// A configuration error with `message`.
    public static func configuration(_ message: String, hint: String? = nil) -> GraphError {
        GraphError(kind: .configuration, message: message, hint: hint, attempts: 0)
    }

    /// One line: `GET /beta/…: 403 Authorization_RequestDenied: Insufficient privileges… (request-id …, client-request-id …)`.
    public var description: String {
        var line = ""
        if let method, let path { line += "\(method) \(path): " }
        switch kind {
        case .configuration: line += "configuration error: "
        case .authentication where status == nil || aadstsCode != nil: line += "authentication failed: "
        case .retriesExhausted: line += "gave up after \(attempts) attempts; last response: "
        case .ambiguousCreate: line += "create outcome unknown: "
        default: break
        }
        var head: [String] = []
        if let status { head.append(String(status)) }
        if let aadstsCode { head.append("AADSTS\(aadstsCode)") }
        if let code, !code.isEmpty { head.append(code) }
        if !head.isEmpty { line += head.joined(separator: " ") + ": " }
        line += Self.oneLine(message)
        var ids: [String] = []
        if let requestId { ids.append("request-id \(requestId)") }
        if let clientRequestId { ids.append("client-request-id \(clientRequestId)") }
        if !ids.isEmpty { line += " (" + ids.joined(separator: ", ") + ")" }
        if let hint { line += " — hint: " + Self.oneLine(hint) }
        return line
    }

    /// True when Graph answered 404 (object missing).
    public var isNotFound: Bool { status == 404 }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension GraphError {
    /// Builds a service error from a Graph response, reading the OData error envelope when present.
    static func fromResponse(
        _ response: HTTPResponse, method: String, path: String, clientRequestId: String?, attempts: Int
    ) -> GraphError {
        let json = try? JSONValue.parse(response.body)
        let envelope = json.flatMap(ODataErrorEnvelope.init(json:))
        var message = envelope?.message ?? ""
        if let inner = envelope?.innerMessage, !inner.isEmpty, inner != message {
            message = message.isEmpty ? inner : "\(message) (\(inner))"
        }
        if message.isEmpty {
            message = HTTPStatusText.text(response.status)
        }
        let status = response.status
        var error = GraphError(
            kind: status == 401 ? .authentication : .service, status: status, code: envelope?.code,
            message: message, requestId: response.header("request-id") ?? envelope?.requestId,
            clientRequestId: envelope?.clientRequestId ?? response.header("client-request-id") ?? clientRequestId,
            method: method, path: path, attempts: attempts
        )
        error.hint = Self.serviceHint(status: status, code: envelope?.code, path: path)
        return error
    }

    static func serviceHint(status: Int, code: String?, path: String) -> String? {
        switch status {
        case 401:
            return "the access token was rejected; check the tenant, the cloud (--cloud) and that the token is for Microsoft Graph"
        case 403 where path.contains("/identityProtection/"):
            return
                "Identity Protection needs an Entra ID P2 licence and the IdentityRiskyUser.*/IdentityRiskEvent.Read.All permissions with admin consent"
        case 403:
            return "the application lacks a permission for this call, or admin consent was not granted; run `entraform doctor`"
        default:
            return nil
        }
    }
}

/// Reason phrases for statuses without a Graph error body.
enum HTTPStatusText {
    static func text(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 413: "Payload Too Large"
        case 424: "Failed Dependency"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "HTTP \(status)"
        }
    }
}

/// Reads OAuth token endpoint errors (`{"error":"invalid_client","error_description":"AADSTS7000215: …","error_codes":[7000215]}`)
/// and explains the common AADSTS codes.
public enum AADSTSHints {
    /// Context that makes a hint specific: the federated assertion's claims (never the assertion itself).
    public struct Context: Sendable, Hashable {
        public var credential: String?
        public var clientId: String?
        public var tenantId: String?
        public var federatedSubject: String?
        public var federatedIssuer: String?
        public var federatedAudience: String?

        public init(
            credential: String? = nil, clientId: String? = nil, tenantId: String? = nil, federatedSubject: String? = nil,
            federatedIssuer: String? = nil, federatedAudience: String? = nil
        ) {
            self.credential = credential
            self.clientId = clientId
            self.tenantId = tenantId
            self.federatedSubject = federatedSubject
            self.federatedIssuer = federatedIssuer
            self.federatedAudience = federatedAudience
        }
    }

    /// The hint for AADSTS `code`, or `nil` when none is known.
    public static func hint(for code: Int, context: Context = Context()) -> String? {
        let subject = context.federatedSubject.map { "`\($0)`" } ?? "of the presented token"
        switch code {
        case 7000215:
            return "invalid client secret: check AZURE_CLIENT_SECRET holds the secret's Value (not its ID) and has not been rotated"
        case 7000222:
            return "the client secret has expired: create a new one and update AZURE_CLIENT_SECRET"
        case 700027:
            return
                "the certificate assertion's signature did not verify: the certificate in AZURE_CLIENT_CERTIFICATE_PATH is not one registered on the app registration (upload its public part under Certificates & secrets)"
        case 700024:
            return "the client assertion is outside its valid time range: check this machine's clock"
        case 700016:
            return
                "application \(context.clientId.map { "`\($0)`" } ?? "") was not found in tenant \(context.tenantId.map { "`\($0)`" } ?? ""): check AZURE_CLIENT_ID and AZURE_TENANT_ID, and that the app has a service principal in that tenant"
        case 90002, 90023:
            return "tenant \(context.tenantId.map { "`\($0)`" } ?? "") was not found: check AZURE_TENANT_ID / --tenant and --cloud"
        case 700213, 70021:
            var text = "no federated credential matches subject \(subject)"
            if let issuer = context.federatedIssuer { text += " (issuer `\(issuer)`)" }
            text += "; add a federated credential on the app registration with exactly this subject"
            return text
        case 700211:
            return "no federated credential matches issuer \(context.federatedIssuer.map { "`\($0)`" } ?? "of the presented token")"
        case 700212:
            return
                "no federated credential matches audience \(context.federatedAudience.map { "`\($0)`" } ?? "of the presented token"); the usual audience is api://AzureADTokenExchange"
        case 700223, 700226:
            return "the federated token is not a valid JWT or could not be verified by its issuer"
        case 70011, 1002012:
            return "invalid scope: app-only tokens need `<graph host>/.default`; check --cloud"
        case 7000218:
            return "the token request carried no client secret or assertion"
        case 65001:
            return "admin consent has not been granted for the requested permissions; run `entraform doctor` for the consent URL"
        case 50034:
            return
                "the account you signed in with does not exist in tenant \(context.tenantId.map { "`\($0)`" } ?? ""): sign in with an account of that tenant (check AZURE_TENANT_ID / --tenant), or invite the account as a guest there"
        case 50076, 50079:
            return "multi-factor authentication is required for this account"
        default:
            return nil
        }
    }

    /// Builds an authentication error from a token endpoint response.
    public static func error(fromTokenResponse response: HTTPResponse, context: Context) -> GraphError {
        let json = try? JSONValue.parse(response.body)
        let oauthCode = json?["error"]?.stringValue
        let descriptionText = json?["error_description"]?.stringValue ?? ""
        let firstLine =
            descriptionText.components(separatedBy: "\r\n").first?
            .components(separatedBy: "\n").first ?? ""
        var aadsts = json?["error_codes"]?.arrayValue?.first?.intValue
        if aadsts == nil, let range = firstLine.range(of: #"AADSTS(\d+)"#, options: .regularExpression) {
            aadsts = Int(firstLine[range].dropFirst(6))
        }
        // Drop the "AADSTS123: " prefix from the message since the code is rendered separately.
        var message = firstLine
        if let range = message.range(of: #"^AADSTS\d+:\s*"#, options: .regularExpression) {
            message.removeSubrange(range)
        }
        if message.isEmpty {
            message = oauthCode ?? HTTPStatusText.text(response.status)
        }
        var error = GraphError(
            kind: .authentication, status: response.status, code: oauthCode, message: message,
            requestId: json?["trace_id"]?.stringValue, clientRequestId: json?["correlation_id"]?.stringValue,
            aadstsCode: aadsts
        )
        if let aadsts { error.hint = hint(for: aadsts, context: context) }
        if error.hint == nil, let credential = context.credential {
            error.hint = "the token request with \(credential) was refused"
        }
        return error
    }
}
