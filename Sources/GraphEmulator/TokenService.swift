import Foundation
import GraphWire
import PolicyModel
import Synchronization

/// The caller of a Graph request, from its access token.
struct Principal: Sendable {
    var appId: String
    /// The service principal's object id (app-only tokens) or the user's (delegated tokens): `oid`.
    var objectId: String
    var roles: Set<String>
    /// The application's display name (`app_displayname`).
    var displayName: String
    /// The signed-in user of a delegated token (`idtyp: user`, or scopes in `scp`); nil for app-only tokens.
    var user: SignedInUser? = nil

    /// The user a delegated token acts for, from its `oid`, `upn` and `name` claims.
    struct SignedInUser: Sendable {
        var id: String
        var userPrincipalName: String
        var displayName: String
    }
}

/// Access tokens the emulator has validated, by token text and tenant: what they grant and their
/// lifetime (checked again on every request). At most `capacity` are kept; the oldest half is
/// forgotten beyond that.
final class CheckedTokens: Sendable {
    struct Entry: Sendable {
        var principal: Principal
        var expiry: Double
        var notBefore: Double?
    }

    private let entries = Mutex<(byKey: [String: Entry], order: [String])>(([:], []))
    private let capacity = 1_000

    func lookup(_ token: String, tenantId: String) -> Entry? {
        entries.withLock { $0.byKey[tenantId.lowercased() + " " + token] }
    }

    func remember(_ token: String, tenantId: String, _ entry: Entry) {
        let key = tenantId.lowercased() + " " + token
        entries.withLock { state in
            if state.byKey.updateValue(entry, forKey: key) == nil { state.order.append(key) }
            if state.order.count > capacity {
                for old in state.order.prefix(capacity / 2) { state.byKey[old] = nil }
                state.order.removeFirst(capacity / 2)
            }
        }
    }
}

/// The Microsoft identity platform side: the token endpoint (client secret, certificate and
/// federated assertions), access-token validation, and the test OIDC issuer.
struct TokenService: Sendable {
    let tokenKey: SigningKey
    let oidcKey: SigningKey
    let store: TenantStore
    let accessTokenLifetime: Duration
    var deviceCodeLifetime: Duration = .seconds(900)
    var deviceCodeInterval: Int = 5
    /// The Graph resource tokens are accepted for (`EmulatorConfiguration.graphResource`).
    var graphResource: String = EmulatorDefaults.graphResource
    /// Pending device code sign-ins (shared by every copy of the service).
    var deviceCodes = DeviceCodeRegistry()
    /// Tokens whose signature, audience, tenant and issuer were checked, with what they grant.
    let checkedTokens = CheckedTokens()

    static let clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    // MARK: Token endpoint

    /// `POST /{tenant}/oauth2/v2.0/token`.
    func token(tenantSegment: String, form: [String: String], authorization: String?, origin: String) async -> GraphResponse {
        let state = try? await store.read { $0 }
        guard let state else { return aadError(500, "server_error", 90033, "A transient error has occurred.") }
        if form["grant_type"] == Self.deviceCodeGrantType {
            return await deviceCodeToken(tenantSegment: tenantSegment, form: form, state: state)
        }
        guard tenantSegment.lowercased() == state.tenantId.lowercased() || state.domains.contains(where: { $0.lowercased() == tenantSegment.lowercased() })
        else {
            return aadError(400, "invalid_request", 90002, "Tenant '\(tenantSegment)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
        }
        var form = form
        // HTTP Basic client authentication is accepted too.
        if let authorization, authorization.lowercased().hasPrefix("basic "),
           let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }),
           let colon = decoded.firstIndex(of: ":") {
            form["client_id"] = form["client_id"] ?? String(decoded[..<colon]).removingPercentEncoding
            form["client_secret"] = form["client_secret"] ?? String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
        }
        switch form["grant_type"] {
        case "client_credentials": break
        case .none: return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
        default: return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(form["grant_type"]!)'.")
        }
        guard let clientId = form["client_id"], !clientId.isEmpty else {
            return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard let scope = form["scope"], !scope.isEmpty else {
            return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        }
        guard scope.hasSuffix("/.default"), !scope.contains(" ") else {
            return aadError(400, "invalid_scope", 1002012, "The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        }
        guard let application = state.applications.first(where: { $0.clientId.lowercased() == clientId.lowercased() }) else {
            return aadError(400, "unauthorized_client", 700016, "Application with identifier '\(clientId)' was not found in the directory '\(state.tenantId)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        }

        if let secret = form["client_secret"] {
            guard let expected = application.secret, expected == secret else {
                return aadError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(application.clientId)'.")
            }
        } else if let assertion = form["client_assertion"] {
            guard form["client_assertion_type"] == Self.clientAssertionType else {
                return aadError(400, "invalid_request", 50027, "Invalid client_assertion_type; expected '\(Self.clientAssertionType)'.")
            }
            if let failure = verifyAssertion(assertion, application: application, state: state, tenantSegment: tenantSegment, origin: origin) {
                return failure
            }
        } else {
            return aadError(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        }

        let lifetime = Int(accessTokenLifetime.components.seconds)
        // The token is for the resource the scope names; only Graph's carry the Graph permissions.
        let resource = String(scope.dropLast("/.default".count))
        let audience = graphAudience(of: resource) ?? resource
        guard let token = try? issueAccessToken(application: application, tenantId: state.tenantId, lifetime: lifetime, audience: audience) else {
            return aadError(500, "server_error", 90033, "A transient error has occurred.")
        }
        return .json(200, ["token_type": "Bearer", "expires_in": .number(Double(max(0, lifetime))),
                           "ext_expires_in": .number(Double(max(0, lifetime))), "access_token": .string(token)],
                     headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
    }

    private func verifyAssertion(_ assertion: String, application: RegisteredApplication, state: TenantState,
                                 tenantSegment: String, origin: String) -> GraphResponse? {
        guard let jwt = JSONWebToken(compact: assertion) else {
            return aadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
        }
        let now = Date().timeIntervalSince1970
        let issuer = jwt.claims["iss"]?.stringValue ?? ""
        let skew = 300.0

        if issuer.lowercased() == application.clientId.lowercased() {
            // Certificate credential: iss = sub = client_id, signed with a registered certificate.
            guard jwt.claims["sub"]?.stringValue?.lowercased() == application.clientId.lowercased() else {
                return aadError(401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .")
            }
            guard let certificate = application.certificates.first(where: { $0.matches(header: jwt.header) }) else {
                let presented = jwt.header["x5t#S256"]?.stringValue ?? jwt.header["x5t"]?.stringValue ?? jwt.header["kid"]?.stringValue ?? "none"
                return aadError(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '\(presented)', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '\(application.clientId)'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints to learn about app registration and token service root endpoints.]")
            }
            guard jwt.hasValidSignature(from: certificate.publicKey) else {
                return aadError(401, "invalid_client", 700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '\(certificate.hexThumbprint)', Found key 'Start=01/01/2026 00:00:00, End=01/01/2036 00:00:00']")
            }
            let accepted = acceptedAudiences(state: state, tenantSegment: tenantSegment, origin: origin)
            guard jwt.audiences.contains(where: { accepted.contains($0.lowercased()) }) else {
                return aadError(401, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .")
            }
            if let failure = checkLifetime(jwt, now: now, skew: skew) { return failure }
            return nil
        }

        // Federated credential: a token from a trusted issuer whose subject and audience match.
        guard jwt.header["kid"]?.stringValue == oidcKey.keyId, jwt.hasValidSignature(from: oidcKey.publicKey) else {
            if !application.federatedCredentials.contains(where: { $0.issuer == issuer }) {
                return aadError(400, "invalid_request", 700211, "No matching federated identity record found for presented assertion issuer '\(issuer)'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
            }
            return aadError(401, "invalid_client", 50013, "Assertion failed signature validation. [Reason - The key was not found. Issuer: '\(issuer)'.]")
        }
        if let failure = checkLifetime(jwt, now: now, skew: skew) { return failure }
        let subject = jwt.claims["sub"]?.stringValue ?? ""
        let audiences = jwt.audiences
        let candidates = application.federatedCredentials.filter { $0.issuer == issuer }
        guard !candidates.isEmpty else {
            return aadError(400, "invalid_request", 700211, "No matching federated identity record found for presented assertion issuer '\(issuer)'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
        }
        let bySubject = candidates.filter { $0.subject == subject }
        guard !bySubject.isEmpty else {
            return aadError(400, "invalid_request", 700213, "No matching federated identity record found for presented assertion subject '\(subject)'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
        }
        guard bySubject.contains(where: { credential in audiences.contains(where: credential.audiences.contains) }) else {
            return aadError(400, "invalid_request", 700212, "No matching federated identity record found for presented assertion audience '\(audiences.joined(separator: ","))'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation")
        }
        return nil
    }

    private func checkLifetime(_ jwt: JSONWebToken, now: Double, skew: Double) -> GraphResponse? {
        guard let expiry = jwt.time("exp") else {
            return aadError(400, "invalid_request", 50027, "JWT token is invalid or malformed: the 'exp' claim is missing.")
        }
        let notBefore = jwt.time("nbf") ?? jwt.time("iat") ?? 0
        if expiry + skew < now || notBefore - skew > now {
            func text(_ seconds: Double) -> String { GraphTimestamp.string(from: Date(timeIntervalSince1970: seconds)) }
            return aadError(401, "invalid_client", 700024, "Client assertion is not within its valid time range. Current time: \(text(now)), assertion valid from \(text(notBefore)), expiry time of assertion \(text(expiry)). Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .")
        }
        return nil
    }

    /// `aud` values Entra accepts in a client assertion: its token endpoints for the tenant, on
    /// `login.microsoftonline.com` or on the emulator's own origin.
    private func acceptedAudiences(state: TenantState, tenantSegment: String, origin: String) -> Set<String> {
        var accepted: Set<String> = []
        for tenant in Set([state.tenantId, tenantSegment] + state.domains) {
            for host in ["https://login.microsoftonline.com", origin] {
                accepted.insert("\(host)/\(tenant)/oauth2/v2.0/token".lowercased())
                accepted.insert("\(host)/\(tenant)/oauth2/token".lowercased())
            }
            accepted.insert("https://login.microsoftonline.com/\(tenant)/v2.0".lowercased())
        }
        return accepted
    }

    /// Graph's audience when `resource` names the emulated Graph (its App ID URI, with or without a
    /// trailing slash, in any case, or Graph's application id); `nil` for any other resource.
    func graphAudience(of resource: String) -> String? {
        var lowered = resource.lowercased()
        if lowered.hasSuffix("/") { lowered.removeLast() }
        return lowered == graphResource.lowercased() || lowered == EmulatorDefaults.graphApplicationId ? graphResource : nil
    }

    /// Whether an access token's audiences include the emulated Graph.
    func isGraphAudience(_ audiences: [String]) -> Bool {
        audiences.contains { $0 == graphResource || $0 == EmulatorDefaults.graphApplicationId }
    }

    /// Signs a v1-format access token for an application: for Graph (`audience` nil) with the
    /// application's permissions in `roles`, for another resource without them.
    func issueAccessToken(application: RegisteredApplication, tenantId: String, lifetime: Int, audience: String? = nil) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let audience = audience ?? graphResource
        let roles = audience == graphResource ? application.permissions : []
        let claims: JSONValue = [
            "aud": .string(audience),
            "iss": .string("https://sts.windows.net/\(tenantId)/"),
            "iat": .number(Double(now)), "nbf": .number(Double(now)), "exp": .number(Double(now + lifetime)),
            "aio": "emulator", "app_displayname": .string(application.displayName), "appid": .string(application.clientId),
            "appidacr": application.certificates.isEmpty ? "1" : "2", "idp": .string("https://sts.windows.net/\(tenantId)/"),
            "idtyp": "app", "oid": .string(application.servicePrincipalId), "sub": .string(application.servicePrincipalId),
            "roles": .array(roles.map(JSONValue.string)), "tid": .string(tenantId),
            "uti": .string(Base64URL.encode(Data(UUID().uuidString.utf8)).prefix(22).description), "ver": "1.0",
        ]
        return try JSONWebToken.sign(header: ["typ": "JWT", "alg": "RS256", "kid": .string(tokenKey.keyId), "x5t": .string(tokenKey.keyId)],
                                     claims: claims, key: tokenKey.privateKey)
    }

    // MARK: Bearer validation

    /// Validates `Authorization: Bearer …`; failures are Graph's 401 `InvalidAuthenticationToken`.
    func authenticate(authorization: String?, tenantId: String) -> Result<Principal, GraphFailure> {
        func unauthorized(_ message: String) -> Result<Principal, GraphFailure> {
            .failure(GraphFailure(status: 401, code: "InvalidAuthenticationToken", message: message,
                                  headers: [("WWW-Authenticate", "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"")]))
        }
        guard let authorization, !authorization.isEmpty else { return unauthorized("Access token is empty.") }
        guard authorization.lowercased().hasPrefix("bearer ") else { return unauthorized("Access token is empty.") }
        let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        let now = Date().timeIntervalSince1970
        // A token already checked is not parsed and verified again (a fifth of the emulator's time per
        // request); its lifetime is, on every request.
        if let checked = checkedTokens.lookup(token, tenantId: tenantId) {
            guard checked.expiry > now else { return unauthorized("Lifetime validation failed, the token is expired.") }
            if let notBefore = checked.notBefore, notBefore > now + 300 { return unauthorized("Lifetime validation failed, the token is not yet valid.") }
            return .success(checked.principal)
        }
        guard let jwt = JSONWebToken(compact: token) else {
            return unauthorized("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.")
        }
        guard jwt.hasValidSignature(from: tokenKey.publicKey) else { return unauthorized("Access token validation failure. Invalid signature.") }
        guard isGraphAudience(jwt.audiences) else {
            return unauthorized("Access token validation failure. Invalid audience.")
        }
        guard let expiry = jwt.time("exp"), expiry > now else { return unauthorized("Lifetime validation failed, the token is expired.") }
        if let notBefore = jwt.time("nbf"), notBefore > now + 300 { return unauthorized("Lifetime validation failed, the token is not yet valid.") }
        guard jwt.claims["tid"]?.stringValue?.lowercased() == tenantId.lowercased() else {
            return unauthorized("Access token validation failure. Invalid tenant.")
        }
        // Entra's v1 and v2 issuers for the token's tenant; anything else did not come from it.
        let issuers = ["https://sts.windows.net/\(tenantId.lowercased())/", "https://login.microsoftonline.com/\(tenantId.lowercased())/v2.0"]
        guard let issuer = jwt.claims["iss"]?.stringValue?.lowercased(), issuers.contains(issuer) else {
            return unauthorized("Access token validation failure. Invalid issuer.")
        }
        // App-only tokens carry application permissions in `roles`, delegated ones scopes in `scp`.
        let scopes = (jwt.claims["scp"]?.stringValue ?? "").split(separator: " ").map(String.init)
        let objectId = jwt.claims["oid"]?.stringValue ?? ""
        var user: Principal.SignedInUser?
        if jwt.claims["idtyp"]?.stringValue == "user" || jwt.claims["scp"] != nil {
            let upn = jwt.claims["upn"]?.stringValue ?? jwt.claims["unique_name"]?.stringValue ?? ""
            user = Principal.SignedInUser(id: objectId, userPrincipalName: upn, displayName: jwt.claims["name"]?.stringValue ?? upn)
        }
        let principal = Principal(appId: jwt.claims["appid"]?.stringValue ?? "", objectId: objectId,
                                  roles: Set(jwt.claims["roles"]?.stringArray ?? []).union(scopes),
                                  displayName: jwt.claims["app_displayname"]?.stringValue ?? "", user: user)
        checkedTokens.remember(token, tenantId: tenantId, .init(principal: principal, expiry: expiry, notBefore: jwt.time("nbf")))
        return .success(principal)
    }

    // MARK: Test OIDC issuer (GitHub Actions / Azure DevOps shaped)

    /// Mints an identity token as a CI provider would for `subject` and `audience`.
    func mintIdentityToken(issuer: String, subject: String, audience: String, lifetime: Int = 300) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let claims: JSONValue = [
            "iss": .string(issuer), "sub": .string(subject), "aud": .string(audience),
            "iat": .number(Double(now)), "nbf": .number(Double(now - 5)), "exp": .number(Double(now + lifetime)),
            "jti": .string(UUID().uuidString.lowercased()), "runner_environment": "emulator",
        ]
        return try JSONWebToken.sign(header: ["typ": "JWT", "alg": "RS256", "kid": .string(oidcKey.keyId), "x5t": .string(oidcKey.keyId)],
                                     claims: claims, key: oidcKey.privateKey)
    }

    /// AADSTS-shaped token endpoint error.
    func aadError(_ status: Int, _ error: String, _ code: Int, _ message: String) -> GraphResponse {
        let trace = UUID().uuidString.lowercased()
        let correlation = UUID().uuidString.lowercased()
        let timestamp = String(GraphTimestamp.now().prefix(19)).replacingOccurrences(of: "T", with: " ") + "Z"
        let body: JSONValue = [
            "error": .string(error),
            "error_description": .string("AADSTS\(code): \(message) Trace ID: \(trace) Correlation ID: \(correlation) Timestamp: \(timestamp)"),
            "error_codes": [.number(Double(code))], "timestamp": .string(timestamp), "trace_id": .string(trace),
            "correlation_id": .string(correlation), "error_uri": .string("https://login.microsoftonline.com/error?code=\(code)"),
        ]
        return .json(status, body)
    }
}
