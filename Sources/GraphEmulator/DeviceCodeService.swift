import Foundation
import GraphWire
import PolicyModel

/// Device code sign-ins in progress (OAuth 2.0 device authorization grant, RFC 8628): issued by
/// `/oauth2/v2.0/devicecode`, decided on `/_emulator/devicelogin`, redeemed once at the token endpoint.
actor DeviceCodeRegistry {
    enum Decision: Sendable, Equatable {
        case pending
        case approved(userId: String)
        case declined
        case redeemed
    }

    struct Authorization: Sendable {
        var deviceCode: String
        var userCode: String
        var clientId: String
        var applicationName: String
        /// Granted Graph scopes (bare names, e.g. `Policy.Read.All`).
        var scopes: [String]
        var expiresAt: Date
        var decision: Decision = .pending
    }

    private var byDeviceCode: [String: Authorization] = [:]
    private var deviceCodeByUserCode: [String: String] = [:]

    func add(_ authorization: Authorization) {
        byDeviceCode[authorization.deviceCode] = authorization
        deviceCodeByUserCode[Self.normalised(authorization.userCode)] = authorization.deviceCode
    }

    func authorization(deviceCode: String) -> Authorization? { byDeviceCode[deviceCode] }

    func authorization(userCode: String) -> Authorization? {
        deviceCodeByUserCode[Self.normalised(userCode)].flatMap { byDeviceCode[$0] }
    }

    func setDecision(_ decision: Decision, deviceCode: String) {
        byDeviceCode[deviceCode]?.decision = decision
    }

    /// Marks an approved code redeemed; false when it was not (still) approved, so a code is
    /// redeemed at most once however many polls race.
    func redeem(deviceCode: String) -> Bool {
        guard case .approved = byDeviceCode[deviceCode]?.decision else { return false }
        byDeviceCode[deviceCode]?.decision = .redeemed
        return true
    }

    func reset() {
        byDeviceCode = [:]
        deviceCodeByUserCode = [:]
    }

    /// User codes compare case-insensitively, ignoring spaces and dashes people type.
    static func normalised(_ userCode: String) -> String {
        userCode.uppercased().filter { !$0.isWhitespace && $0 != "-" }
    }

    static func makeUserCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<9).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    static func makeDeviceCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "DAQAB" + Base64URL.encode(Data(bytes))
    }
}

extension TokenService {
    static let deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"
    static let openIdScopes: Set<String> = ["openid", "profile", "email", "offline_access"]
    /// The role every member user holds (Entra's "User" role template, in `wids`).
    static let defaultUserRoleTemplate = "b79fbf4d-3ef9-4689-8143-76b194e85509"

    /// `{tenant}` may also be `organizations` or `common` in delegated flows: the emulator has one tenant.
    private func acceptsDelegated(tenantSegment: String, state: TenantState) -> Bool {
        let lowered = tenantSegment.lowercased()
        return lowered == "organizations" || lowered == "common" || lowered == state.tenantId.lowercased()
            || state.domains.contains { $0.lowercased() == lowered }
    }

    private func tenantNotFound(_ tenantSegment: String) -> GraphResponse {
        aadError(400, "invalid_request", 90002, "Tenant '\(tenantSegment)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
    }

    // MARK: Device authorization endpoint

    /// `POST /{tenant}/oauth2/v2.0/devicecode` (form: `client_id`, `scope`).
    func deviceAuthorization(tenantSegment: String, form: [String: String], origin: String) async -> GraphResponse {
        guard let state = try? await store.read({ $0 }) else { return aadError(500, "server_error", 90033, "A transient error has occurred.") }
        guard acceptsDelegated(tenantSegment: tenantSegment, state: state) else { return tenantNotFound(tenantSegment) }
        guard let clientId = form["client_id"], !clientId.isEmpty else {
            return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard let scope = form["scope"], !scope.trimmingCharacters(in: .whitespaces).isEmpty else {
            return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        }
        let available: [String]
        let applicationName: String
        if let application = state.applications.first(where: { $0.clientId.lowercased() == clientId.lowercased() }) {
            available = application.permissions
            applicationName = application.displayName
        } else if let name = EmulatorDefaults.publicClients.first(where: { $0.key == clientId.lowercased() })?.value {
            available = EmulatorDefaults.publicClientScopes
            applicationName = name
        } else {
            return aadError(400, "unauthorized_client", 700016, "Application with identifier '\(clientId)' was not found in the directory '\(state.tenantId)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        }
        // `.default` grants everything consented for the app; named Graph scopes grant those of them it has.
        var asksDefault = false
        var named: [String] = []
        for item in scope.split(separator: " ").map(String.init) where !Self.openIdScopes.contains(item.lowercased()) {
            var name = item
            if let resource = [graphResource.lowercased(), EmulatorDefaults.graphApplicationId].first(where: { item.lowercased().hasPrefix($0 + "/") }) {
                name = String(item.dropFirst(resource.count + 1))
            } else if item.contains("/") || item.contains(":") {
                return aadError(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope \(scope) is not valid: the emulator only issues tokens for Microsoft Graph.")
            }
            if name.lowercased() == ".default" { asksDefault = true } else { named.append(name) }
        }
        let scopes = asksDefault ? available : available.filter { granted in named.contains { $0.lowercased() == granted.lowercased() } }
        let lifetime = Double(deviceCodeLifetime.components.seconds)
        let authorization = DeviceCodeRegistry.Authorization(
            deviceCode: DeviceCodeRegistry.makeDeviceCode(), userCode: DeviceCodeRegistry.makeUserCode(), clientId: clientId.lowercased(),
            applicationName: applicationName, scopes: scopes, expiresAt: Date().addingTimeInterval(lifetime))
        await deviceCodes.add(authorization)
        let verification = "\(origin)/_emulator/devicelogin"
        return .json(200, [
            "user_code": .string(authorization.userCode), "device_code": .string(authorization.deviceCode),
            "verification_uri": .string(verification), "expires_in": .number(max(0, lifetime)),
            "interval": .number(Double(deviceCodeInterval)),
            "message": .string("To sign in, use a web browser to open the page \(verification) and enter the code \(authorization.userCode) to authenticate."),
        ], headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
    }

    // MARK: Token endpoint, device code grant

    /// `grant_type=urn:ietf:params:oauth:grant-type:device_code` with `device_code` and `client_id`.
    func deviceCodeToken(tenantSegment: String, form: [String: String], state: TenantState) async -> GraphResponse {
        guard acceptsDelegated(tenantSegment: tenantSegment, state: state) else { return tenantNotFound(tenantSegment) }
        guard let clientId = form["client_id"], !clientId.isEmpty else {
            return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard let deviceCode = form["device_code"], !deviceCode.isEmpty else {
            return aadError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'device_code'.")
        }
        guard let authorization = await deviceCodes.authorization(deviceCode: deviceCode), authorization.clientId == clientId.lowercased() else {
            return aadError(400, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.")
        }
        switch authorization.decision {
        case .redeemed:
            return aadError(400, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid. The device code was already redeemed.")
        case .declined:
            return aadError(400, "authorization_declined", 70000, "The user declined the authorization request.")
        case .pending:
            if Date() >= authorization.expiresAt {
                return aadError(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
            }
            return aadError(400, "authorization_pending", 70016, "The provided request has not yet been authorized by the user. The user must input their code.")
        case .approved(let userId):
            guard let user = state.user(idOrUserPrincipalName: userId), user["accountEnabled"]?.boolValue != false else {
                return aadError(400, "invalid_grant", 50057, "The user account is disabled.")
            }
            guard await deviceCodes.redeem(deviceCode: deviceCode) else {
                return aadError(400, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid. The device code was already redeemed.")
            }
            let lifetime = Int(accessTokenLifetime.components.seconds)
            guard let token = try? issueDelegatedAccessToken(authorization: authorization, user: user, state: state, lifetime: lifetime) else {
                return aadError(500, "server_error", 90033, "A transient error has occurred.")
            }
            let scope = authorization.scopes.map { "\(graphResource)/\($0)" }.joined(separator: " ")
            return .json(200, ["token_type": "Bearer", "scope": .string(scope), "expires_in": .number(Double(max(0, lifetime))),
                               "ext_expires_in": .number(Double(max(0, lifetime))), "access_token": .string(token)],
                         headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
        }
    }

    /// Signs a v1-format delegated Graph access token: the user in `oid`/`upn`, scopes in `scp`.
    func issueDelegatedAccessToken(authorization: DeviceCodeRegistry.Authorization, user: JSONValue, state: TenantState, lifetime: Int) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let userId = user["id"]?.stringValue ?? ""
        let upn = user["userPrincipalName"]?.stringValue ?? ""
        var claims: [String: JSONValue] = [
            "aud": .string(graphResource),
            "iss": .string("https://sts.windows.net/\(state.tenantId)/"),
            "iat": .number(Double(now)), "nbf": .number(Double(now)), "exp": .number(Double(now + lifetime)),
            "acr": "1", "aio": "emulator", "amr": ["pwd"], "app_displayname": .string(authorization.applicationName),
            "appid": .string(authorization.clientId), "appidacr": "0", "idp": .string("https://sts.windows.net/\(state.tenantId)/"),
            "idtyp": "user", "ipaddr": "127.0.0.1", "name": .string(user["displayName"]?.stringValue ?? upn),
            "oid": .string(userId), "scp": .string(authorization.scopes.joined(separator: " ")),
            "sub": .string(StableIdentifier.guid(kind: "pairwise-sub", name: "\(authorization.clientId)/\(userId)")),
            "tid": .string(state.tenantId), "unique_name": .string(upn), "upn": .string(upn),
            "uti": .string(Base64URL.encode(Data(UUID().uuidString.utf8)).prefix(22).description), "ver": "1.0",
            "wids": .array(([Self.defaultUserRoleTemplate] + state.roleTemplates(of: userId)).map(JSONValue.string)),
        ]
        if let given = user["givenName"]?.stringValue { claims["given_name"] = .string(given) }
        if let family = user["surname"]?.stringValue { claims["family_name"] = .string(family) }
        return try JSONWebToken.sign(header: ["typ": "JWT", "alg": "RS256", "kid": .string(tokenKey.keyId), "x5t": .string(tokenKey.keyId)],
                                     claims: .object(claims), key: tokenKey.privateKey)
    }
}

// MARK: Sign-in page

extension EmulatorCore {
    /// `GET /_emulator/devicelogin`: a page with the code form. `POST` decides a code: a form
    /// (`user_code`, `user`, `decision` = approve | decline) answers HTML, a JSON body answers JSON.
    func deviceLogin(_ incoming: Incoming, query: [String: String]) async -> GraphResponse {
        let state = await service.store.state
        if incoming.method == "GET" {
            return Self.html(200, Self.signInPage(state: state, userCode: query["user_code"] ?? query["otc"] ?? ""))
        }
        let isJSON = incoming.headers["content-type"]?.lowercased().contains("json") == true
        var fields: [String: String] = [:]
        if isJSON {
            guard let body = incoming.body, let value = try? JSONValue.decode(exportedData: body), let object = value.objectValue else {
                return GraphFailure.malformedBody("A JSON object with user_code, user and decision is required.").response(for: nil)
            }
            for (key, value) in object { fields[key] = value.stringValue }
        } else {
            fields = Self.parseQuery(incoming.body.flatMap { String(data: $0, encoding: .utf8) })
        }
        func fail(_ status: Int, _ code: String, _ message: String) -> GraphResponse {
            isJSON ? GraphFailure(status: status, code: code, message: message).response(for: nil)
                : Self.html(status, Self.page(title: "Sign-in failed", body: "<p>\(Self.escape(message))</p><p><a href=\"devicelogin\">Try again</a></p>"))
        }
        let decisionText = (fields["decision"] ?? "approve").lowercased()
        guard decisionText == "approve" || decisionText == "decline" else {
            return fail(400, "InvalidDecision", "decision must be approve or decline (got '\(decisionText)').")
        }
        guard let userCode = fields["user_code"], !userCode.isEmpty,
              let authorization = await tokens.deviceCodes.authorization(userCode: userCode) else {
            return fail(400, "InvalidUserCode", "The code you entered is not valid. Check the code and try again.")
        }
        guard authorization.decision == .pending else {
            return fail(409, "CodeAlreadyUsed", "The code \(authorization.userCode) has already been used.")
        }
        guard Date() < authorization.expiresAt else {
            return fail(400, "ExpiredUserCode", "The code \(authorization.userCode) has expired. Start the sign-in again on your device.")
        }
        let applicationName = authorization.applicationName
        if decisionText == "decline" {
            await tokens.deviceCodes.setDecision(.declined, deviceCode: authorization.deviceCode)
            return isJSON
                ? .json(200, ["userCode": .string(authorization.userCode), "decision": "declined", "clientId": .string(authorization.clientId)])
                : Self.html(200, Self.page(title: "Sign-in declined", body: "<p>You declined to sign in to \(Self.escape(applicationName)) on your device.</p>"))
        }
        guard let name = fields["user"], !name.isEmpty, let user = state.user(idOrUserPrincipalName: name),
              let userId = user["id"]?.stringValue else {
            return fail(400, "UnknownUser", "User '\(fields["user"] ?? "")' does not exist in the tenant. Give the userPrincipalName or id of a seeded user.")
        }
        guard user["accountEnabled"]?.boolValue != false else {
            return fail(400, "UserDisabled", "The account \(name) is disabled.")
        }
        await tokens.deviceCodes.setDecision(.approved(userId: userId), deviceCode: authorization.deviceCode)
        let upn = user["userPrincipalName"]?.stringValue ?? name
        return isJSON
            ? .json(200, ["userCode": .string(authorization.userCode), "decision": "approved", "user": .string(upn),
                          "clientId": .string(authorization.clientId), "applicationName": .string(applicationName),
                          "scopes": .array(authorization.scopes.map(JSONValue.string))])
            : Self.html(200, Self.page(title: "Signed in",
                                       body: "<p>\(Self.escape(upn)) signed in to \(Self.escape(applicationName)) on your device. You may now close this window.</p>"))
    }

    static func signInPage(state: TenantState, userCode: String) -> String {
        let options = state.users.all.filter { $0["accountEnabled"]?.boolValue != false }
            .compactMap { $0["userPrincipalName"]?.stringValue }
            .map { "<option value=\"\(escape($0))\">\(escape($0))</option>" }.joined()
        let userField = options.isEmpty
            ? "<input name=\"user\" placeholder=\"userPrincipalName\" required>"
            : "<select name=\"user\">\(options)</select>"
        return page(title: "Enter code", body: """
            <p>Enter the code displayed on your device and choose who signs in (emulated tenant \(escape(state.tenantId))).</p>
            <form method="post" action="devicelogin">
            <p><label>Code <input name="user_code" value="\(escape(userCode))" autocomplete="off" required></label></p>
            <p><label>User \(userField)</label></p>
            <p><button name="decision" value="approve">Approve</button> <button name="decision" value="decline">Decline</button></p>
            </form>
            """)
    }

    static func page(title: String, body: String) -> String {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>\(escape(title)) – entraform emulator</title></head>"
            + "<body><h1>\(escape(title))</h1>\(body)</body></html>"
    }

    static func html(_ status: Int, _ text: String) -> GraphResponse {
        GraphResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")], body: Data(text.utf8))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
