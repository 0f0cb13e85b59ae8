import Foundation
import PolicyModel

/// RSA key generation is slow in debug builds: one pair of signing keys per process serves every
/// emulator instance (tokens still carry and are checked against their tenant id).
enum ProcessSigningKeys {
    static let shared: Result<(token: SigningKey, oidc: SigningKey), any Error> = Result {
        (try SigningKey.generate(keyId: "emulator-\(UUID().uuidString.prefix(8).lowercased())"),
         try SigningKey.generate(keyId: "oidc-\(UUID().uuidString.prefix(8).lowercased())"))
    }
}

/// Everything that answers requests, independent of the HTTP server: token endpoint, Graph,
/// `$batch` and the emulator-only endpoints.
struct EmulatorCore: Sendable {
    let service: GraphService
    let tokens: TokenService
    let configuration: EmulatorConfiguration
    let tenantId: String

    static func make(configuration: EmulatorConfiguration) async throws -> EmulatorCore {
        var state: TenantState
        if let file = configuration.stateFile, FileManager.default.fileExists(atPath: file.path) {
            state = try TenantState(seed: try TenantSeed(contentsOf: file).document)
        } else {
            state = try TenantState(seed: configuration.seed?.document ?? .object([:]))
        }
        state.revision = 0
        let store = TenantStore(initial: state, stateFile: configuration.stateFile, replicationLag: configuration.replicationLag,
                                clock: configuration.clock)
        let keys = try ProcessSigningKeys.shared.get()
        let tokens = TokenService(tokenKey: keys.token, oidcKey: keys.oidc,
                                  store: store, accessTokenLifetime: configuration.accessTokenLifetime,
                                  deviceCodeLifetime: configuration.deviceCodeLifetime, deviceCodeInterval: configuration.deviceCodeInterval,
                                  graphResource: configuration.graphResource)
        let service = GraphService(store: store, tokens: tokens, behaviour: Behaviour(configuration: configuration), configuration: configuration)
        return EmulatorCore(service: service, tokens: tokens, configuration: configuration, tenantId: state.tenantId)
    }

    /// An incoming HTTP request reduced to what the emulator needs.
    struct Incoming: Sendable {
        var method: String
        /// Raw (percent-encoded) path.
        var rawPath: String
        var rawQuery: String?
        var headers: [String: String]
        var body: Data?
        var origin: String
    }

    func respond(_ incoming: Incoming) async -> GraphResponse {
        if configuration.latency > .zero { try? await Task.sleep(for: configuration.latency) }
        let path = incoming.rawPath.removingPercentEncoding ?? incoming.rawPath
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let query = Self.parseQuery(incoming.rawQuery)
        guard let first = segments.first else { return .json(200, ["service": "entraform Graph emulator"]) }

        if first == "_emulator" {
            return await emulatorEndpoint(incoming, segments: Array(segments.dropFirst()), query: query)
        }
        if let version = GraphVersion(segment: first) {
            var request = GraphRequest(method: incoming.method, version: version, path: "/" + segments.dropFirst().joined(separator: "/"),
                                       query: query, headers: incoming.headers, body: incoming.body, origin: incoming.origin)
            let tenantId = self.tenantId
            let principal: Principal
            switch tokens.authenticate(authorization: incoming.headers["authorization"], tenantId: tenantId) {
            case .success(let value): principal = value
            case .failure(let failure): return failure.response(for: request)
            }
            if segments.count == 2, segments[1].lowercased() == "$batch" {
                request.path = "/$batch"
                return Self.withRequestIds(await batch(request, principal: principal), incoming: incoming)
            }
            return Self.withRequestIds(await service.handle(request, principal: principal), incoming: incoming)
        }
        // Identity platform: /{tenant}/oauth2/v2.0/token, discovery documents.
        let rest = segments.dropFirst().map { $0.lowercased() }
        if rest == ["oauth2", "v2.0", "token"] || rest == ["oauth2", "token"] {
            guard incoming.method == "POST" else {
                return tokens.aadError(405, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a \(incoming.method) request.")
            }
            let form = Self.parseQuery(incoming.body.flatMap { String(data: $0, encoding: .utf8) })
            return await tokens.token(tenantSegment: first, form: form, authorization: incoming.headers["authorization"], origin: incoming.origin)
        }
        if rest == ["oauth2", "v2.0", "devicecode"] {
            guard incoming.method == "POST" else {
                return tokens.aadError(405, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a \(incoming.method) request.")
            }
            let form = Self.parseQuery(incoming.body.flatMap { String(data: $0, encoding: .utf8) })
            return await tokens.deviceAuthorization(tenantSegment: first, form: form, origin: incoming.origin)
        }
        if rest == ["discovery", "v2.0", "keys"] || rest == ["discovery", "keys"] {
            return .json(200, ["keys": [tokens.tokenKey.jwk]])
        }
        if rest == ["v2.0", ".well-known", "openid-configuration"] {
            // Entra answers discovery for its tenant id, its verified domains and the multi-tenant
            // aliases; any other tenant is AADSTS90002 (how clients map a domain to a tenant id).
            let domains = (try? await service.store.read { $0.domains }) ?? []
            let known = [tenantId, "organizations", "common"] + domains
            guard known.contains(where: { $0.lowercased() == first.lowercased() }) else {
                return tokens.aadError(400, "invalid_tenant", 90002,
                                       "Tenant '\(first)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
            }
            return .json(200, ["issuer": .string("https://login.microsoftonline.com/\(tenantId)/v2.0"),
                               "token_endpoint": .string("\(incoming.origin)/\(first)/oauth2/v2.0/token"),
                               "jwks_uri": .string("\(incoming.origin)/\(first)/discovery/v2.0/keys"),
                               "id_token_signing_alg_values_supported": ["RS256"],
                               "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"]])
        }
        return GraphFailure(status: 404, code: "NotFound", message: "No route for \(incoming.method) \(path).").response(for: nil)
    }

    /// Graph answers every request with `request-id` and `client-request-id` (echoing the caller's),
    /// successes included: clients log them and put them in audit trails.
    static func withRequestIds(_ response: GraphResponse, incoming: Incoming) -> GraphResponse {
        var response = response
        let names = Set(response.headers.map { $0.0.lowercased() })
        let requestId = response.headers.first { $0.0.lowercased() == "request-id" }?.1 ?? UUID().uuidString.lowercased()
        if !names.contains("request-id") { response.headers.append(("request-id", requestId)) }
        if !names.contains("client-request-id") {
            response.headers.append(("client-request-id", incoming.headers["client-request-id"] ?? requestId))
        }
        return response
    }

    /// Decodes `a=b&c=d` (query strings and form bodies); `+` is a space.
    static func parseQuery(_ raw: String?) -> [String: String] {
        guard let raw, !raw.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in raw.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    // MARK: $batch

    func batch(_ request: GraphRequest, principal: Principal) async -> GraphResponse {
        guard request.method == "POST" else { return GraphFailure.methodNotAllowed().response(for: request) }
        let body: [String: JSONValue]
        do { body = try request.jsonObject() } catch { return error.response(for: request) }
        guard let steps = body["requests"]?.arrayValue else {
            return GraphFailure.badRequest("Invalid batch payload format.", code: "BadRequest").response(for: request)
        }
        guard steps.count <= 20 else {
            return GraphFailure.badRequest("Invalid batch payload: the number of requests (\(steps.count)) exceeds the limit of 20.").response(for: request)
        }
        var seen: Set<String> = []
        for step in steps {
            guard let id = step["id"]?.stringValue, step["method"]?.stringValue != nil, step["url"]?.stringValue != nil else {
                return GraphFailure.badRequest("Invalid batch payload: every request needs id, method and url.").response(for: request)
            }
            guard seen.insert(id.lowercased()).inserted else {
                return GraphFailure.badRequest("Invalid batch payload: request id '\(id)' is not unique.").response(for: request)
            }
        }
        var statuses: [String: Int] = [:]
        var responses: [JSONValue] = []
        for step in steps {
            let id = step["id"]!.stringValue!
            let dependsOn = step["dependsOn"]?.stringArray ?? []
            if let missing = dependsOn.first(where: { statuses[$0.lowercased()] == nil || statuses[$0.lowercased()]! >= 400 }) {
                let code = statuses[missing.lowercased()] == nil ? 400 : 424
                statuses[id.lowercased()] = code
                let failure = code == 424
                    ? GraphFailure(status: 424, code: "FailedDependency", message: "Failed dependency: request '\(missing)' failed.")
                    : GraphFailure.badRequest("Request '\(id)' depends on '\(missing)', which is not an earlier request of this batch.")
                responses.append(Self.batchResponse(id: id, failure.response(for: request)))
                continue
            }
            let sub = subRequest(step, parent: request)
            let response: GraphResponse
            switch sub {
            case .success(let subRequest): response = await service.handle(subRequest, principal: principal)
            case .failure(let failure): response = failure.response(for: request)
            }
            statuses[id.lowercased()] = response.status
            responses.append(Self.batchResponse(id: id, response))
        }
        // Graph answers in any order; reversed order keeps clients honest.
        return .json(200, ["responses": .array(responses.reversed())])
    }

    private func subRequest(_ step: JSONValue, parent: GraphRequest) -> Result<GraphRequest, GraphFailure> {
        var url = step["url"]!.stringValue!
        if let range = url.range(of: "/\(parent.version.rawValue)/", options: .caseInsensitive), url.hasPrefix("http") {
            url = String(url[range.upperBound...])
        }
        if !url.hasPrefix("/") { url = "/" + url }
        let pathPart = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        let queryPart = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init)
        var headers: [String: String] = [:]
        for (key, value) in step["headers"]?.objectValue ?? [:] { headers[key.lowercased()] = value.stringValue ?? "" }
        // Sub-requests inherit the batch's Prefer and authorization context.
        if headers["prefer"] == nil, let prefer = parent.header("prefer") { headers["prefer"] = prefer }
        var body: Data?
        if let value = step["body"], !value.isNull {
            guard headers["content-type"] != nil else {
                return .failure(GraphFailure.badRequest("Content-Type header must be specified for a request with a body."))
            }
            body = JSONWriter.data(value)
        }
        return .success(GraphRequest(method: step["method"]!.stringValue!.uppercased(), version: parent.version,
                                     path: pathPart.removingPercentEncoding ?? pathPart, query: Self.parseQuery(queryPart),
                                     headers: headers, body: body, origin: parent.origin, inBatch: true))
    }

    private static func batchResponse(id: String, _ response: GraphResponse) -> JSONValue {
        var headers: [String: JSONValue] = [:]
        for (name, value) in response.headers where name.lowercased() != "content-length" { headers[name] = .string(value) }
        var entry: [String: JSONValue] = ["id": .string(id), "status": .number(Double(response.status)), "headers": .object(headers)]
        if let body = response.jsonBody { entry["body"] = body }
        return .object(entry)
    }

    // MARK: Emulator-only endpoints

    /// The requests counted since the start or the last reset.
    func requestCounts() async -> EmulatorRequestCounts {
        let snapshot = await service.behaviour.snapshot()
        return EmulatorRequestCounts(byServiceClass: Dictionary(uniqueKeysWithValues: snapshot.byClass.map { ($0.key.rawValue, $0.value) }),
                                     byPath: snapshot.byPath,
                                     throttled: Dictionary(uniqueKeysWithValues: snapshot.throttled.map { ($0.key.rawValue, $0.value) }))
    }

    func emulatorEndpoint(_ incoming: Incoming, segments: [String], query: [String: String]) async -> GraphResponse {
        let route = segments.map { $0.lowercased() }
        switch (incoming.method, route) {
        case ("GET", ["requests"]):
            let counts = await requestCounts()
            func object(_ counts: [String: Int]) -> JSONValue { .object(counts.mapValues { .number(Double($0)) }) }
            return .json(200, ["byServiceClass": object(counts.byServiceClass), "byPath": object(counts.byPath), "throttled": object(counts.throttled)])
        case ("POST", ["reset"]):
            await service.store.reset()
            await service.behaviour.resetCounts()
            await tokens.deviceCodes.reset()
            return .noContent()
        case ("GET", ["state"]):
            let document = await service.store.state.seedDocument()
            return .json(200, document)
        case ("POST", ["riskdetections"]):
            guard let body = incoming.body, let value = try? JSONValue.decode(exportedData: body), case .object = value else {
                return GraphFailure.malformedBody("A risk detection object is required.").response(for: nil)
            }
            do {
                let now = service.emulatorNow()
                let detection = try await service.store.write { state in try state.inject(detection: value, now: now) }
                return .json(201, detection)
            } catch let failure as GraphFailure {
                return failure.response(for: nil)
            } catch {
                return GraphFailure.badRequest("\(error)").response(for: nil)
            }
        case ("POST", ["signins"]):
            return await emulateSignIn(incoming)
        case ("GET", ["credentials"]):
            let applications = await service.store.state.applications
            return .json(200, .array(applications.map { application in
                ["tenantId": .string(tenantId), "clientId": .string(application.clientId),
                 "clientSecret": application.secret.map(JSONValue.string) ?? .null,
                 "permissions": .array(application.permissions.map(JSONValue.string))]
            }))
        case ("GET", ["oidc", "token"]), ("POST", ["oidc", "token"]):
            // Shaped like GitHub's ACTIONS_ID_TOKEN_REQUEST_URL (and answers Azure DevOps' oidcToken too).
            let authorization = incoming.headers["authorization"] ?? ""
            guard authorization.lowercased().hasPrefix("bearer "), authorization.dropFirst(7) == EmulatorDefaults.oidcRequestToken else {
                return GraphResponse.json(401, ["message": "Unauthorized: the request token is missing or wrong."])
            }
            let issuer = query["issuer"] ?? EmulatorDefaults.githubIssuer
            let subject = query["subject"] ?? "repo:contoso/entraform:ref:refs/heads/main"
            let audience = query["audience"] ?? EmulatorDefaults.federationAudience
            guard let token = try? tokens.mintIdentityToken(issuer: issuer, subject: subject, audience: audience) else {
                return GraphResponse.json(500, ["message": "could not sign the token"])
            }
            return .json(200, ["value": .string(token), "oidcToken": .string(token)])
        case ("GET", ["oidc", ".well-known", "openid-configuration"]):
            return .json(200, ["issuer": .string(query["issuer"] ?? EmulatorDefaults.githubIssuer),
                               "jwks_uri": .string("\(incoming.origin)/_emulator/oidc/.well-known/jwks"),
                               "subject_types_supported": ["public", "pairwise"], "response_types_supported": ["id_token"],
                               "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf"],
                               "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": ["openid"]])
        case ("GET", ["devicelogin"]), ("POST", ["devicelogin"]):
            return await deviceLogin(incoming, query: query)
        case ("GET", ["oidc", ".well-known", "jwks"]):
            return .json(200, ["keys": [tokens.oidcKey.jwk]])
        default:
            return GraphFailure(status: 404, code: "NotFound", message: "No emulator endpoint \(incoming.method) /_emulator/\(segments.joined(separator: "/")).")
                .response(for: nil)
        }
    }
}
