import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

@Suite("Device code flow", .emulatorScope)
struct DeviceCodeTests {
    static let tenantId = "11111111-2222-4333-8444-555555555555"
    static let readerAppId = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    static let azureCLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
    static let grantType = "urn:ietf:params:oauth:grant-type:device_code"
    static let devicePath = "/\(tenantId)/oauth2/v2.0/devicecode"
    static let tokenPath = "/\(tenantId)/oauth2/v2.0/token"

    static func seed() -> JSONValue {
        ["tenantId": .string(tenantId), "domains": ["contoso.onmicrosoft.com"],
         "users": [
            ["id": "aaaaaaaa-0000-4000-8000-000000000001", "userPrincipalName": "adele@contoso.onmicrosoft.com", "displayName": "Adele Vance",
             "givenName": "Adele", "surname": "Vance", "accountEnabled": true],
            ["id": "aaaaaaaa-0000-4000-8000-000000000002", "userPrincipalName": "gone@contoso.onmicrosoft.com", "displayName": "Gone",
             "accountEnabled": false],
         ],
         "roleAssignments": ["62e90394-69f5-4237-9190-012177145e10": ["aaaaaaaa-0000-4000-8000-000000000001"]],
         "applications": [
            ["clientId": .string(readerAppId), "displayName": "reader", "secret": "s3cret", "permissions": ["Policy.Read.All", "User.Read.All"]],
         ]]
    }

    static func start(_ tweak: (inout EmulatorConfiguration) -> Void = { _ in }) async throws -> Harness {
        try await Harness.seeded(seed(), tweak)
    }

    func begin(_ harness: Harness, clientId: String = readerAppId,
               scope: String = "https://graph.microsoft.com/.default offline_access") async throws -> Harness.Reply {
        try await harness.form(Self.devicePath, ["client_id": clientId, "scope": scope])
    }

    func poll(_ harness: Harness, _ deviceCode: String, clientId: String = readerAppId) async throws -> Harness.Reply {
        try await harness.form(Self.tokenPath, ["grant_type": Self.grantType, "client_id": clientId, "device_code": deviceCode])
    }

    func decide(_ harness: Harness, _ userCode: String, user: String = "adele@contoso.onmicrosoft.com",
                decision: String = "approve") async throws -> Harness.Reply {
        try await harness.send("POST", "/_emulator/devicelogin", json: ["user_code": .string(userCode), "user": .string(user), "decision": .string(decision)])
    }

    @Test func deviceAuthorizationAnswersInMicrosoftsShape() async throws {
        let harness = try await Self.start()
        let reply = try await begin(harness)
        #expect(reply.status == 200)
        let body = try #require(reply.body)
        let userCode = try #require(body["user_code"]?.stringValue)
        let verification = "\(harness.baseURL.absoluteString)/_emulator/devicelogin"
        #expect(body["verification_uri"]?.stringValue == verification)
        #expect(body["device_code"]?.stringValue?.isEmpty == false)
        #expect(body["expires_in"] == 900)
        #expect(body["interval"] == 5)
        #expect(body["message"]?.stringValue
                == "To sign in, use a web browser to open the page \(verification) and enter the code \(userCode) to authenticate.")
    }

    @Test func pendingThenApprovedGivesADelegatedTokenThatReadsPolicies() async throws {
        let harness = try await Self.start()
        let start = try await begin(harness)
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        let userCode = try #require(start.body?["user_code"]?.stringValue)

        let pending = try await poll(harness, deviceCode)
        #expect(pending.status == 400)
        #expect(pending.body?["error"] == "authorization_pending")
        #expect(pending.body?["error_codes"]?[0] == 70016)

        let approval = try await decide(harness, userCode.lowercased())
        #expect(approval.status == 200)
        #expect(approval.body?["decision"] == "approved")
        #expect(approval.body?["user"] == "adele@contoso.onmicrosoft.com")

        let granted = try await poll(harness, deviceCode)
        #expect(granted.status == 200)
        #expect(granted.body?["token_type"] == "Bearer")
        #expect(granted.body?["scope"] == "https://graph.microsoft.com/Policy.Read.All https://graph.microsoft.com/User.Read.All")
        let token = try #require(granted.body?["access_token"]?.stringValue)
        let jwt = try #require(JSONWebToken(compact: token))
        #expect(jwt.claims["idtyp"] == "user")
        #expect(jwt.claims["scp"] == "Policy.Read.All User.Read.All")
        #expect(jwt.claims["roles"] == nil)
        #expect(jwt.claims["upn"] == "adele@contoso.onmicrosoft.com")
        #expect(jwt.claims["oid"] == "aaaaaaaa-0000-4000-8000-000000000001")
        #expect(jwt.claims["appid"]?.stringValue == Self.readerAppId)
        #expect(jwt.claims["wids"]?.stringArray?.contains("62e90394-69f5-4237-9190-012177145e10") == true)

        // Scopes in `scp` pass the permission checks as `roles` do, and only those scopes.
        let policies = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token)
        #expect(policies.status == 200)
        let write = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: ["displayName": "x"], token: token)
        #expect(write.status == 403)

        // A device code is redeemed once.
        let again = try await poll(harness, deviceCode)
        #expect(again.status == 400)
        #expect(again.body?["error"] == "invalid_grant")
    }

    @Test func declinedCodeIsReportedAsDeclined() async throws {
        let harness = try await Self.start()
        let start = try await begin(harness)
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        let decline = try await decide(harness, try #require(start.body?["user_code"]?.stringValue), decision: "decline")
        #expect(decline.status == 200)
        #expect(decline.body?["decision"] == "declined")
        let reply = try await poll(harness, deviceCode)
        #expect(reply.status == 400)
        #expect(reply.body?["error"] == "authorization_declined")
        #expect(reply.body?["error_codes"]?[0] == 70000)
    }

    @Test func expiredCodeIsExpiredTokenAndCannotBeApproved() async throws {
        let harness = try await Self.start { $0.deviceCodeLifetime = .zero }
        let start = try await begin(harness)
        #expect(start.body?["expires_in"] == 0)
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        let reply = try await poll(harness, deviceCode)
        #expect(reply.status == 400)
        #expect(reply.body?["error"] == "expired_token")
        #expect(reply.body?["error_codes"]?[0] == 70020)
        let approval = try await decide(harness, try #require(start.body?["user_code"]?.stringValue))
        #expect(approval.status == 400)
        #expect(approval.errorCode == "ExpiredUserCode")
    }

    @Test func unknownDeviceCodeOrWrongClientIsBadVerificationCode() async throws {
        let harness = try await Self.start()
        let unknown = try await poll(harness, "DAQAB-not-a-code")
        #expect(unknown.status == 400)
        #expect(unknown.body?["error"] == "bad_verification_code")
        let start = try await begin(harness)
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        let otherClient = try await poll(harness, deviceCode, clientId: Self.azureCLI)
        #expect(otherClient.body?["error"] == "bad_verification_code")
    }

    @Test func unknownClientIsAADSTS700016() async throws {
        let harness = try await Self.start()
        let reply = try await begin(harness, clientId: "99999999-9999-4999-8999-999999999999")
        #expect(reply.status == 400)
        #expect(reply.body?["error"] == "unauthorized_client")
        #expect(reply.body?["error_codes"]?[0] == 700016)
        #expect(reply.body?["error_description"]?.stringValue?.hasPrefix("AADSTS700016:") == true)
    }

    @Test func publicClientGetsTheDefaultDelegatedScopesAndOrganizationsTenantWorks() async throws {
        let harness = try await Self.start()
        let start = try await harness.form("/organizations/oauth2/v2.0/devicecode",
                                           ["client_id": Self.azureCLI, "scope": "https://graph.microsoft.com/.default offline_access"])
        #expect(start.status == 200)
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        let approval = try await decide(harness, try #require(start.body?["user_code"]?.stringValue))
        #expect(approval.body?["applicationName"] == "Microsoft Azure CLI")
        let granted = try await harness.form("/organizations/oauth2/v2.0/token",
                                             ["grant_type": Self.grantType, "client_id": Self.azureCLI, "device_code": deviceCode])
        let token = try #require(granted.body?["access_token"]?.stringValue)
        let jwt = try #require(JSONWebToken(compact: token))
        #expect(jwt.claims["scp"]?.stringValue == EmulatorDefaults.publicClientScopes.joined(separator: " "))
        #expect(jwt.claims["tid"]?.stringValue == Self.tenantId)
        let write = try await harness.send("POST", "/beta/identity/conditionalAccess/policies", json: [
            "displayName": "device code", "state": "disabled",
            "conditions": ["applications": ["includeApplications": ["All"]], "users": ["includeUsers": ["All"]], "clientAppTypes": ["all"]],
            "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
        ], token: token)
        #expect(write.status == 201)
    }

    @Test func namedScopesGrantOnlyWhatTheAppHas() async throws {
        let harness = try await Self.start()
        let start = try await begin(harness, scope: "openid https://graph.microsoft.com/Policy.Read.All Group.Read.All")
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        _ = try await decide(harness, try #require(start.body?["user_code"]?.stringValue))
        let granted = try await poll(harness, deviceCode)
        let namedToken = try #require(granted.body?["access_token"]?.stringValue)
        let jwt = try #require(JSONWebToken(compact: namedToken))
        #expect(jwt.claims["scp"] == "Policy.Read.All")
        let otherResource = try await begin(harness, scope: "https://management.azure.com/.default")
        #expect(otherResource.body?["error"] == "invalid_scope")
    }

    @Test func signInPageRejectsUnknownCodesUnknownAndDisabledUsers() async throws {
        let harness = try await Self.start()
        let page = try await harness.send("GET", "/_emulator/devicelogin?user_code=ABC%3Cx%3E")
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        let html = String(decoding: page.data, as: UTF8.self)
        #expect(html.contains("<form method=\"post\" action=\"devicelogin\">"))
        #expect(html.contains("value=\"ABC&lt;x&gt;\""))
        #expect(html.contains("adele@contoso.onmicrosoft.com"))
        #expect(!html.contains("gone@contoso.onmicrosoft.com"))

        let unknownCode = try await decide(harness, "NOTACODE1")
        #expect(unknownCode.status == 400)
        #expect(unknownCode.errorCode == "InvalidUserCode")

        let start = try await begin(harness)
        let userCode = try #require(start.body?["user_code"]?.stringValue)
        let nobody = try await decide(harness, userCode, user: "nobody@contoso.onmicrosoft.com")
        #expect(nobody.errorCode == "UnknownUser")
        let disabled = try await decide(harness, userCode, user: "gone@contoso.onmicrosoft.com")
        #expect(disabled.errorCode == "UserDisabled")
        let deviceCode = try #require(start.body?["device_code"]?.stringValue)
        #expect(try await poll(harness, deviceCode).body?["error"] == "authorization_pending")

        // The HTML form approves too (what a person in a browser submits).
        let submitted = try await harness.form("/_emulator/devicelogin",
                                               ["user_code": userCode, "user": "adele@contoso.onmicrosoft.com", "decision": "approve"])
        #expect(submitted.status == 200)
        #expect(String(decoding: submitted.data, as: UTF8.self).contains("You may now close this window."))
        let twice = try await decide(harness, userCode)
        #expect(twice.status == 409)
        #expect(try await poll(harness, deviceCode).status == 200)
    }
}
