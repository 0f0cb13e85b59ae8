import Foundation
import GraphWire
import Logging
import PolicyModel

/// A bearer token and when it expires. Its description never shows the token.
public struct AccessToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The token itself: only ever put into an `Authorization` header.
    public let value: String
    /// When the token stops being accepted.
    public let expiresOn: Date

    public init(value: String, expiresOn: Date) {
        self.value = value
        self.expiresOn = expiresOn
    }

    /// The token's claims, read without verification (for `roles` in `entraform doctor`).
    public var claims: UnverifiedJWTClaims? { UnverifiedJWTClaims(token: value) }

    public var description: String { "AccessToken(expires \(expiresOn), redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["expiresOn": expiresOn]) }
}

/// Supplies access tokens to the client.
public protocol TokenProviding: Sendable {
    /// A valid token; `forceRefresh` discards a cached one (after a 401).
    func token(forceRefresh: Bool) async throws(GraphError) -> AccessToken
}

/// Fetches tokens for a ``Credential``: the token endpoint for secrets, certificates and federated
/// assertions, the GitHub/Azure DevOps OIDC endpoints, the Azure CLI, or the device code flow.
public struct TokenAcquirer: Sendable {
    public let credential: Credential
    public let endpoints: GraphEndpoints
    let transport: any HTTPTransport
    let clock: any GraphClock
    let now: @Sendable () -> Date
    let logger: Logger
    let assertionAlgorithm: ClientCertificate.Algorithm
    /// Shows the device code sign-in instructions (stderr in the CLI).
    let prompt: @Sendable (String) -> Void
    let timeout: Swift.Duration

    public init(
        credential: Credential, endpoints: GraphEndpoints, transport: any HTTPTransport,
        clock: any GraphClock = SystemClock(), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "entraform.graph.auth"), assertionAlgorithm: ClientCertificate.Algorithm = .ps256,
        timeout: Swift.Duration = .seconds(60), prompt: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.credential = credential
        self.endpoints = endpoints
        self.transport = transport
        self.clock = clock
        self.now = now
        self.logger = logger
        self.assertionAlgorithm = assertionAlgorithm
        self.timeout = timeout
        self.prompt = prompt
    }

    /// Gets a fresh token.
    public func acquire() async throws(GraphError) -> AccessToken {
        let tenant = credential.tenantId ?? "organizations"
        let clientId = credential.clientId ?? ""
        var context = AADSTSHints.Context(credential: credential.kind.rawValue, clientId: credential.clientId, tenantId: credential.tenantId)
        switch credential.material {
        case .accessToken(let token):
            let expiry = UnverifiedJWTClaims(token: token)?.expiresAt ?? now().addingTimeInterval(3600)
            return AccessToken(value: token, expiresOn: expiry)
        case .clientSecret(let secret):
            return try await tokenRequest(
                tenant: tenant, form: [("client_id", clientId), ("scope", endpoints.scope), ("client_secret", secret), ("grant_type", "client_credentials")],
                context: context)
        case .certificatePath(let path, let password):
            let pem: String
            do { pem = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw .configuration("cannot read AZURE_CLIENT_CERTIFICATE_PATH \(path)")
            }
            let certificate = try ClientCertificate(pem: pem, password: password)
            return try await certificateToken(certificate, tenant: tenant, clientId: clientId, context: context)
        case .certificate(let certificate):
            return try await certificateToken(certificate, tenant: tenant, clientId: clientId, context: context)
        case .federatedTokenFile(let path):
            let assertion: String
            do {
                assertion = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw .configuration("cannot read AZURE_FEDERATED_TOKEN_FILE \(path)")
            }
            return try await federatedToken(assertion, tenant: tenant, clientId: clientId, context: &context)
        case .assertionProvider(let provider):
            let assertion: String
            do { assertion = try await provider() } catch let error as GraphError { throw error } catch {
                throw GraphError(kind: .authentication, message: "getting the federated token failed: \(error)")
            }
            return try await federatedToken(assertion, tenant: tenant, clientId: clientId, context: &context)
        case .githubActions(let requestURL, let requestToken):
            let assertion = try await githubToken(requestURL: requestURL, requestToken: requestToken)
            return try await federatedToken(assertion, tenant: tenant, clientId: clientId, context: &context)
        case .azureDevOps(let requestURI, let accessToken, let connection):
            let assertion = try await azureDevOpsToken(requestURI: requestURI, accessToken: accessToken, serviceConnectionId: connection)
            return try await federatedToken(assertion, tenant: tenant, clientId: clientId, context: &context)
        case .azureCLI(let executable):
            return try await azureCLIToken(executable: executable, tenant: credential.tenantId)
        case .deviceCode:
            return try await deviceCodeToken(tenant: tenant, clientId: clientId, context: context)
        }
    }

    private func certificateToken(
        _ certificate: ClientCertificate, tenant: String, clientId: String, context: AADSTSHints.Context
    ) async throws(GraphError) -> AccessToken {
        let audience = endpoints.tokenEndpoint(tenant: tenant)
        let assertion = try certificate.assertion(clientId: clientId, audience: audience, now: now(), algorithm: assertionAlgorithm)
        return try await tokenRequest(
            tenant: tenant,
            form: [
                ("client_id", clientId), ("scope", endpoints.scope),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion), ("grant_type", "client_credentials"),
            ], context: context)
    }

    private func federatedToken(
        _ assertion: String, tenant: String, clientId: String, context: inout AADSTSHints.Context
    ) async throws(GraphError) -> AccessToken {
        if let claims = UnverifiedJWTClaims(token: assertion) {
            context.federatedSubject = claims.subject
            context.federatedIssuer = claims.issuer
            context.federatedAudience = claims.audiences.first
        }
        return try await tokenRequest(
            tenant: tenant,
            form: [
                ("client_id", clientId), ("scope", endpoints.scope),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion), ("grant_type", "client_credentials"),
            ], context: context)
    }

    /// POSTs a form to the token endpoint, retrying connection failures and 429/5xx a few times.
    private func tokenRequest(
        tenant: String, form: [(String, String)], context: AADSTSHints.Context, url: String? = nil
    ) async throws(GraphError) -> AccessToken {
        let response = try await postForm(url: url ?? endpoints.tokenEndpoint(tenant: tenant), form: form)
        guard response.status == 200 else {
            throw AADSTSHints.error(fromTokenResponse: response, context: context)
        }
        return try parseTokenResponse(response)
    }

    func postForm(url: String, form: [(String, String)]) async throws(GraphError) -> HTTPResponse {
        let body = Data(FormEncoding.encode(form).utf8)
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"), ("client-request-id", UUID().uuidString.lowercased())],
            body: body)
        let path = URLComponents(string: url)?.path ?? url
        var attempt = 0
        while true {
            attempt += 1
            let started = clock.now()
            do throws(TransportError) {
                let response = try await transport.send(request, timeout: timeout)
                logger.debug(
                    "POST \(path) → \(response.status) in \(Self.milliseconds(clock.now() - started)) ms",
                    metadata: ["attempt": "\(attempt)"])
                if [429, 500, 502, 503, 504].contains(response.status), attempt < 3 {
                    try? await clock.sleep(for: .seconds(attempt * 2))
                    continue
                }
                return response
            } catch {
                logger.debug("POST \(path) failed: \(error.message)", metadata: ["attempt": "\(attempt)"])
                if error.kind != .invalidRequest, attempt < 3 {
                    try? await clock.sleep(for: .seconds(attempt * 2))
                    continue
                }
                throw GraphError(kind: .authentication, message: "cannot reach the token endpoint: \(error.message)", method: "POST", path: path, attempts: attempt)
            }
        }
    }

    private func parseTokenResponse(_ response: HTTPResponse) throws(GraphError) -> AccessToken {
        guard let json = try? JSONValue.parse(response.body),
            let token = json["access_token"]?.stringValue
        else {
            throw GraphError(kind: .invalidResponse, status: response.status, message: "the token endpoint answered without an access_token")
        }
        let lifetime = json["expires_in"]?.numberValue ?? json["expires_in"]?.stringValue.flatMap(Double.init) ?? 3599
        return AccessToken(value: token, expiresOn: now().addingTimeInterval(lifetime))
    }

    private func githubToken(requestURL: String, requestToken: String) async throws(GraphError) -> String {
        let separator = requestURL.contains("?") ? "&" : "?"
        let audience = FormEncoding.escape(endpoints.cloud.federatedTokenAudience)
        let request = HTTPRequest(
            method: "GET", url: requestURL + separator + "audience=" + audience,
            headers: [("Authorization", "bearer \(requestToken)"), ("Accept", "application/json")])
        return try await oidcToken(request, field: "value", what: "the GitHub Actions OIDC token")
    }

    private func azureDevOpsToken(requestURI: String, accessToken: String, serviceConnectionId: String) async throws(GraphError) -> String {
        let separator = requestURI.contains("?") ? "&" : "?"
        let request = HTTPRequest(
            method: "POST",
            url: requestURI + separator + "api-version=7.1&serviceConnectionId=" + FormEncoding.escape(serviceConnectionId),
            headers: [("Authorization", "Bearer \(accessToken)"), ("Content-Type", "application/json"), ("Accept", "application/json")],
            body: Data("{}".utf8))
        return try await oidcToken(request, field: "oidcToken", what: "the Azure DevOps OIDC token")
    }

    private func oidcToken(_ request: HTTPRequest, field: String, what: String) async throws(GraphError) -> String {
        let path = URLComponents(string: request.url)?.path ?? ""
        let response: HTTPResponse
        do { response = try await transport.send(request, timeout: timeout) } catch {
            throw GraphError(kind: .authentication, message: "requesting \(what) failed: \(error.message)", method: request.method, path: path)
        }
        guard response.status == 200, let json = try? JSONValue.parse(response.body),
            let token = json[field]?.stringValue
        else {
            var error = GraphError(
                kind: .authentication, status: response.status, message: "requesting \(what) failed", method: request.method, path: path)
            if response.status == 401 || response.status == 403 {
                error.hint = request.method == "GET"
                    ? "the workflow needs `permissions: id-token: write`"
                    : "check SYSTEM_ACCESSTOKEN and that the service connection allows this pipeline"
            }
            throw error
        }
        return token
    }

    private func azureCLIToken(executable: String, tenant: String?) async throws(GraphError) -> AccessToken {
        var arguments = ["account", "get-access-token", "--resource", endpoints.cloud.graphURL, "--output", "json"]
        if let tenant { arguments += ["--tenant", tenant] }
        let result: (status: Int32, stdout: Data, stderr: Data)
        do { result = try await ProcessRunner.run(executable, arguments: arguments) } catch {
            throw GraphError(kind: .authentication, message: "running the Azure CLI failed")
        }
        guard result.status == 0, let json = try? JSONValue.parse(result.stdout),
            let token = json["accessToken"]?.stringValue
        else {
            // stderr of `az` holds messages such as "Please run 'az login'"; it never contains the token.
            let reason = String(decoding: result.stderr, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw GraphError(
                kind: .authentication, message: "`az account get-access-token` failed (exit \(result.status)) \(reason)",
                hint: "run `az login` (add --tenant if needed) or set AZURE_CLIENT_ID and a client credential")
        }
        let expiry: Date
        if let epoch = json["expires_on"]?.numberValue ?? json["expires_on"]?.stringValue.flatMap(Double.init) {
            expiry = Date(timeIntervalSince1970: epoch)
        } else {
            expiry = UnverifiedJWTClaims(token: token)?.expiresAt ?? now().addingTimeInterval(300)
        }
        return AccessToken(value: token, expiresOn: expiry)
    }

    private func deviceCodeToken(tenant: String, clientId: String, context: AADSTSHints.Context) async throws(GraphError) -> AccessToken {
        let scope = endpoints.scope + " offline_access"
        let start = try await postForm(url: endpoints.deviceCodeEndpoint(tenant: tenant), form: [("client_id", clientId), ("scope", scope)])
        guard start.status == 200, let json = try? JSONValue.parse(start.body),
            let deviceCode = json["device_code"]?.stringValue
        else {
            throw AADSTSHints.error(fromTokenResponse: start, context: context)
        }
        let message =
            json["message"]?.stringValue
            ?? "To sign in, open \(json["verification_uri"]?.stringValue ?? "the verification page") and enter the code \(json["user_code"]?.stringValue ?? "")."
        prompt(message)
        var interval = max(1, json["interval"]?.intValue ?? 5)
        let deadline = clock.now() + .seconds(json["expires_in"]?.intValue ?? 900)
        while clock.now() < deadline {
            do { try await clock.sleep(for: .seconds(interval)) } catch {
                throw GraphError(kind: .authentication, message: "device code sign-in was cancelled")
            }
            let response = try await postForm(
                url: endpoints.tokenEndpoint(tenant: tenant),
                form: [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", clientId), ("device_code", deviceCode)])
            if response.status == 200 { return try parseTokenResponse(response) }
            let code = (try? JSONValue.parse(response.body))?["error"]?.stringValue
            switch code {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            default: throw AADSTSHints.error(fromTokenResponse: response, context: context)
            }
        }
        throw GraphError(kind: .authentication, message: "the device code expired before sign-in completed")
    }

    static func milliseconds(_ duration: Swift.Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Caches a token and refreshes it before it expires, one refresh at a time however many requests
/// ask concurrently.
public actor TokenCache: TokenProviding {
    private let acquire: @Sendable () async throws(GraphError) -> AccessToken
    private let now: @Sendable () -> Date
    private let refreshMargin: TimeInterval
    private var cached: (token: AccessToken, fetchedAt: Date)?
    private var inFlight: Task<Result<AccessToken, GraphError>, Never>?
    /// How many tokens were fetched (tests and `--debug`).
    public private(set) var fetchCount = 0

    /// - Parameters:
    ///   - refreshMargin: refresh when fewer than this many seconds remain (default 5 minutes, or
    ///     half the lifetime for short-lived tokens).
    public init(
        refreshMargin: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() },
        acquire: @escaping @Sendable () async throws(GraphError) -> AccessToken
    ) {
        self.acquire = acquire
        self.now = now
        self.refreshMargin = refreshMargin
    }

    /// A cache over `acquirer`.
    public init(acquirer: TokenAcquirer, refreshMargin: TimeInterval = 300) {
        self.init(refreshMargin: refreshMargin, now: acquirer.now) { () async throws(GraphError) -> AccessToken in
            try await acquirer.acquire()
        }
    }

    public func token(forceRefresh: Bool = false) async throws(GraphError) -> AccessToken {
        if !forceRefresh, let cached, isFresh(cached.token, fetchedAt: cached.fetchedAt) { return cached.token }
        if forceRefresh { cached = nil }
        if let inFlight {
            return try await inFlight.value.get()
        }
        let acquire = self.acquire
        let task = Task { () -> Result<AccessToken, GraphError> in
            do throws(GraphError) { return .success(try await acquire()) } catch { return .failure(error) }
        }
        inFlight = task
        fetchCount += 1
        let result = await task.value
        inFlight = nil
        if case .success(let token) = result { cached = (token, now()) }
        return try result.get()
    }

    /// Fresh while more than the refresh margin remains — or, for tokens issued with less than
    /// twice the margin, more than half their lifetime.
    private func isFresh(_ token: AccessToken, fetchedAt: Date) -> Bool {
        let remaining = token.expiresOn.timeIntervalSince(now())
        let lifetime = token.expiresOn.timeIntervalSince(fetchedAt)
        return remaining > min(refreshMargin, lifetime / 2)
    }
}

/// `application/x-www-form-urlencoded` encoding.
enum FormEncoding {
    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

/// Runs a child process and collects its output. Both pipes are drained at once: a child that fills
/// its stderr pipe while entraform is still reading stdout would otherwise block forever.
enum ProcessRunner {
    static func run(_ executable: String, arguments: [String]) async throws -> (status: Int32, stdout: Data, stderr: Data) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let out = Pipe()
                let err = Pipe()
                process.standardOutput = out
                process.standardError = err
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                    let stderrDrained = DispatchGroup()
                    nonisolated(unsafe) var stderr = Data()
                    stderrDrained.enter()
                    DispatchQueue.global().async {
                        stderr = err.fileHandleForReading.readToEndRetryingInterrupts()
                        stderrDrained.leave()
                    }
                    let stdout = out.fileHandleForReading.readToEndRetryingInterrupts()
                    stderrDrained.wait()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, stdout, stderr))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
