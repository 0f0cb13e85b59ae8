import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

@Suite("Token endpoint and bearer checks", .emulatorScope)
struct AuthenticationTests {
    static let certificateAppId = "3c1f4a2e-9b8d-4e7f-a6c5-1d2e3f4a5b6c"
    static let federatedAppId = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
    static let readOnlyAppId = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"

    static func seed() -> JSONValue {
        ["tenantId": "11111111-2222-4333-8444-555555555555", "domains": ["contoso.onmicrosoft.com"],
         "applications": [
            ["clientId": .string(certificateAppId), "displayName": "cert app", "certificatePem": .string(TestKeys.certificatePEM),
             "permissions": ["Policy.Read.All"]],
            ["clientId": .string(federatedAppId), "displayName": "ci app", "permissions": ["Policy.Read.All"],
             "federatedCredentials": [["issuer": "https://token.actions.githubusercontent.com", "subject": "repo:contoso/policies:environment:prod",
                                       "audiences": ["api://AzureADTokenExchange"]]]],
            ["clientId": .string(readOnlyAppId), "displayName": "reader", "secret": "s3cret", "permissions": ["User.Read.All"]],
         ]]
    }

    static let tokenPath = "/11111111-2222-4333-8444-555555555555/oauth2/v2.0/token"

    func assertion(harness: Harness, key: String = TestKeys.privateKeyPEM, pss: Bool = false, expiresIn: Int = 600,
                   audience: String? = nil) throws -> String {
        let prints = try AssertionSigning.thumbprints(certificatePEM: TestKeys.certificatePEM)
        let now = Int(Date().timeIntervalSince1970)
        let header: JSONValue = pss ? ["alg": "PS256", "typ": "JWT", "x5t#S256": .string(prints.sha256)]
                                    : ["alg": "RS256", "typ": "JWT", "x5t": .string(prints.sha1)]
        let claims: JSONValue = ["aud": .string(audience ?? "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/oauth2/v2.0/token"),
                                 "iss": .string(Self.certificateAppId), "sub": .string(Self.certificateAppId), "jti": .string(UUID().uuidString),
                                 "nbf": .number(Double(now - 10)), "exp": .number(Double(now + expiresIn))]
        return try AssertionSigning.sign(header: header, claims: claims, privateKeyPEM: key, pss: pss)
    }

    func assertionForm(_ clientId: String, _ assertion: String) -> [String: String] {
        ["grant_type": "client_credentials", "client_id": clientId, "scope": "https://graph.microsoft.com/.default",
         "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion]
    }

    @Test func defaultApplicationGetsASignedExpiringTokenWithRoles() async throws {
        let harness = try await Harness.start()
        let credentials = harness.server.credentials
        #expect(credentials.clientId == EmulatorDefaults.clientId)
        let reply = try await harness.form("/\(credentials.tenantId)/oauth2/v2.0/token", [
            "grant_type": "client_credentials", "client_id": credentials.clientId, "client_secret": credentials.clientSecret!,
            "scope": "https://graph.microsoft.com/.default"])
        #expect(reply.status == 200)
        #expect(reply.body?["token_type"] == "Bearer")
        #expect(reply.body?["expires_in"] == 3599)
        let token = try #require(reply.body?["access_token"]?.stringValue)
        let jwt = try #require(JSONWebToken(compact: token))
        #expect(jwt.claims["roles"]?.stringArray?.contains("Policy.ReadWrite.ConditionalAccess") == true)
        #expect(jwt.claims["tid"]?.stringValue == credentials.tenantId)
        #expect(jwt.claims["idtyp"] == "app")
    }

    @Test func wrongSecretIsAADSTS7000215() async throws {
        let harness = try await Harness.start()
        let credentials = harness.server.credentials
        let reply = try await harness.form("/\(credentials.tenantId)/oauth2/v2.0/token", [
            "grant_type": "client_credentials", "client_id": credentials.clientId, "client_secret": "wrong",
            "scope": "https://graph.microsoft.com/.default"])
        #expect(reply.status == 401)
        #expect(reply.body?["error"] == "invalid_client")
        #expect(reply.body?["error_codes"] == [7000215])
        #expect(reply.body?["error_description"]?.stringValue?.hasPrefix("AADSTS7000215:") == true)
    }

    @Test func unknownTenantClientAndScopeErrors() async throws {
        let harness = try await Harness.start()
        let credentials = harness.server.credentials
        let base = ["grant_type": "client_credentials", "client_id": credentials.clientId, "client_secret": credentials.clientSecret!,
                    "scope": "https://graph.microsoft.com/.default"]
        #expect(try await harness.form("/00000000-0000-0000-0000-00000000dead/oauth2/v2.0/token", base).body?["error_codes"] == [90002])
        var unknownClient = base
        unknownClient["client_id"] = "99999999-9999-4999-8999-999999999999"
        #expect(try await harness.form("/\(credentials.tenantId)/oauth2/v2.0/token", unknownClient).body?["error_codes"] == [700016])
        var badScope = base
        badScope["scope"] = "Policy.Read.All"
        #expect(try await harness.form("/\(credentials.tenantId)/oauth2/v2.0/token", badScope).body?["error"] == "invalid_scope")
    }

    @Test(arguments: [false, true]) func certificateAssertionSucceeds(pss: Bool) async throws {
        let harness = try await Harness.seeded(Self.seed())
        let reply = try await harness.form(Self.tokenPath, assertionForm(Self.certificateAppId, try assertion(harness: harness, pss: pss)))
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        #expect(reply.body?["access_token"]?.stringValue != nil)
    }

    @Test func forgedExpiredAndMisaddressedAssertionsFail() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let forged = try await harness.form(Self.tokenPath, assertionForm(Self.certificateAppId,
                                                                         try assertion(harness: harness, key: TestKeys.otherPrivateKeyPEM)))
        #expect(forged.status == 401)
        #expect(forged.body?["error_codes"] == [700027])
        let expired = try await harness.form(Self.tokenPath, assertionForm(Self.certificateAppId, try assertion(harness: harness, expiresIn: -900)))
        #expect(expired.body?["error_codes"] == [700024])
        let misaddressed = try await harness.form(Self.tokenPath, assertionForm(Self.certificateAppId,
                                                                               try assertion(harness: harness, audience: "https://example.com/token")))
        #expect(misaddressed.status == 401)
        #expect(misaddressed.body?["error"] == "invalid_client")
    }

    @Test func federatedAssertionFromTheTestIssuer() async throws {
        let harness = try await Harness.seeded(Self.seed())
        func identityToken(subject: String) async throws -> String {
            let url = try #require(await harness.server.oidcRequestURL(subject: subject))
            let path = url.absoluteString.replacingOccurrences(of: harness.baseURL.absoluteString, with: "") + "&audience=api://AzureADTokenExchange"
            let reply = try await harness.send("GET", path, headers: ["Authorization": "bearer \(harness.server.oidcRequestToken)"])
            return try #require(reply.body?["value"]?.stringValue)
        }
        let good = try await harness.form(Self.tokenPath, assertionForm(Self.federatedAppId,
                                                                       try await identityToken(subject: "repo:contoso/policies:environment:prod")))
        #expect(good.status == 200, "\(String(decoding: good.data, as: UTF8.self))")
        let wrongSubject = try await harness.form(Self.tokenPath, assertionForm(Self.federatedAppId,
                                                                               try await identityToken(subject: "repo:contoso/policies:ref:refs/heads/main")))
        #expect(wrongSubject.body?["error_codes"] == [700213])
        #expect(wrongSubject.body?["error_description"]?.stringValue?.contains("repo:contoso/policies:ref:refs/heads/main") == true)
        let unauthorized = try await harness.send("GET", "/_emulator/oidc/token?subject=x", headers: ["Authorization": "bearer nope"])
        #expect(unauthorized.status == 401)
        let jwks = try await harness.send("GET", "/_emulator/oidc/.well-known/jwks")
        #expect(jwks.body?["keys"]?[0]?["kty"] == "RSA")
    }

    @Test func graphRejectsMissingForgedAndExpiredTokens() async throws {
        let harness = try await Harness.start()
        let missing = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies")
        #expect(missing.status == 401)
        #expect(missing.errorCode == "InvalidAuthenticationToken")
        let forged = try AssertionSigning.sign(header: ["alg": "RS256", "typ": "JWT"],
                                               claims: ["aud": "https://graph.microsoft.com", "tid": .string(harness.server.credentials.tenantId),
                                                        "exp": .number(Date().timeIntervalSince1970 + 600), "roles": ["Policy.Read.All"]],
                                               privateKeyPEM: TestKeys.otherPrivateKeyPEM)
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: forged).status == 401)
        let expired = try await harness.server.accessToken(lifetime: .seconds(-60))
        let expiredReply = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: expired)
        #expect(expiredReply.status == 401)
        #expect(expiredReply.errorMessage?.contains("expired") == true)
    }

    /// Tokens signed with the emulator's own key but wrong in one claim, and unsigned ones: each is
    /// Graph's 401 InvalidAuthenticationToken, with the reason in the message.
    @Test(arguments: [
        ("wrong audience", ["aud": "https://management.azure.com"], [:], "Invalid audience"),
        ("wrong issuer", ["iss": "https://sts.windows.net/99999999-9999-4999-8999-999999999999/"], [:], "Invalid issuer"),
        ("no issuer", ["iss": .null], [:], "Invalid issuer"),
        ("not yet valid", ["nbf": .number(Date().timeIntervalSince1970 + 3_600)], [:], "not yet valid"),
        ("no expiry", ["exp": .null], [:], "expired"),
        ("other tenant", ["tid": "99999999-9999-4999-8999-999999999999"], [:], "Invalid tenant"),
        ("alg none", [:], ["alg": "none"], "Invalid signature"),
        ("HMAC", [:], ["alg": "HS256"], "Invalid signature"),
    ] as [(String, [String: JSONValue], [String: JSONValue], String)])
    func graphRejectsATokenWrongInOneClaim(_ name: String, claims: [String: JSONValue], header: [String: JSONValue], reason: String) async throws {
        let harness = try await Harness.start()
        let token = try await harness.server.accessToken(overriding: claims, header: header)
        let reply = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token)
        #expect(reply.status == 401, "\(name)")
        #expect(reply.errorCode == "InvalidAuthenticationToken", "\(name)")
        #expect(reply.errorMessage?.contains(reason) == true, "\(name): \(reply.errorMessage ?? "")")
        // The same token untouched is accepted: the one claim is what failed.
        let valid = try await harness.server.accessToken(overriding: [:])
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: valid).status == 200)
    }

    @Test func tokenLackingPermissionGets403() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let reply = try await harness.form(Self.tokenPath, ["grant_type": "client_credentials", "client_id": Self.readOnlyAppId,
                                                             "client_secret": "s3cret", "scope": "https://graph.microsoft.com/.default"])
        let token = try #require(reply.body?["access_token"]?.stringValue)
        let policies = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token)
        #expect(policies.status == 403)
        #expect(policies.errorCode == "AccessDenied")
        let users = try await harness.send("GET", "/v1.0/users", token: token)
        #expect(users.status == 200)
        let groups = try await harness.send("GET", "/v1.0/groups", token: token)
        #expect(groups.status == 403)
        #expect(groups.errorCode == "Authorization_RequestDenied")
    }
}
