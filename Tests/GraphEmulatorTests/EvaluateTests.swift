import EntraformTestSupport
@testable import GraphEmulator
import PolicyModel
import Testing

/// Microsoft's What If API in the emulator: Graph's request shapes (current and preview), its
/// response, and its strict semantics (application groups never match an appId; a condition without
/// its input does not apply).
@Suite("What If API: POST /identity/conditionalAccess/evaluate", .emulatorScope)
struct EvaluateTests {
    static let alice = "a11ce000-0000-4000-8000-000000000001"
    static let finance = "f1000000-0000-4000-8000-000000000001"
    static let exchange = "00000002-0000-0ff1-ce00-000000000000"

    static let seed: JSONValue = [
        "users": [["id": .string(alice), "userPrincipalName": "alice@contoso.com", "displayName": "Alice"]],
        "groups": [["id": .string(finance), "displayName": "Finance", "members": [.string(alice)]]],
        "policies": [
            ["id": "11111111-0000-4000-8000-000000000001", "displayName": "Finance MFA", "state": "enabled",
             "conditions": ["users": ["includeGroups": [.string(finance)]], "applications": ["includeApplications": ["All"]], "clientAppTypes": ["all"]],
             "grantControls": ["operator": "OR", "builtInControls": ["mfa"]]],
            ["id": "11111111-0000-4000-8000-000000000002", "displayName": "Office on mobile", "state": "enabledForReportingButNotEnforced",
             "conditions": ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["Office365"]], "clientAppTypes": ["all"],
                            "platforms": ["includePlatforms": ["iOS", "android"]]],
             "grantControls": ["operator": "OR", "builtInControls": ["compliantApplication"]]],
            ["id": "11111111-0000-4000-8000-000000000003", "displayName": "Off", "state": "disabled",
             "conditions": ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["All"]], "clientAppTypes": ["all"]],
             "grantControls": ["operator": "OR", "builtInControls": ["block"]]],
        ],
    ]

    static func request(platform: JSONValue = nil, appliedOnly: Bool = false) -> JSONValue {
        ["signInIdentity": ["@odata.type": "#microsoft.graph.userSignIn", "userId": .string(alice)],
         "signInContext": ["@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [.string(exchange)]],
         "signInConditions": ["devicePlatform": platform, "clientAppType": "mobileAppsAndDesktopClients"],
         "appliedPoliciesOnly": .bool(appliedOnly)]
    }

    @Test func answersPerPolicyWithGraphsShapeAndStrictSemantics() async throws {
        let harness = try await Harness.seeded(Self.seed)
        let reply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/evaluate", json: Self.request(platform: "iOS"),
                                           token: try await harness.token())
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        #expect(reply.body?["@odata.context"]?.stringValue?.hasSuffix("$metadata#Collection(microsoft.graph.whatIfAnalysisResult)") == true)
        let results = reply.body?["value"]?.arrayValue ?? []
        // Disabled policies are not evaluated.
        #expect(results.map { $0["displayName"]?.stringValue } == ["Finance MFA", "Office on mobile"])
        #expect(results[0]["policyApplies"] == true && results[0]["analysisReasons"] == "notSet")
        #expect(results[0]["grantControls"]?["builtInControls"] == ["mfa"])
        // Office365 is a group of apps: Graph's What If does not match it to Exchange's appId.
        #expect(results[1]["policyApplies"] == false && results[1]["analysisReasons"] == "application")
    }

    @Test func aMissingInputIsNotEnoughInformationAndAppliedOnlyFilters() async throws {
        var seed = Self.seed
        seed["policies"] = [[
            "id": "11111111-0000-4000-8000-000000000004", "displayName": "Mobile MFA", "state": "enabled",
            "conditions": ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": ["All"]], "clientAppTypes": ["all"],
                           "platforms": ["includePlatforms": ["iOS"]]],
            "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
        ]]
        let harness = try await Harness.seeded(seed)
        let token = try await harness.token()
        let missing = try await harness.send("POST", "/beta/identity/conditionalAccess/evaluate", json: Self.request(), token: token)
        #expect(missing.body?["value"]?[0]?["analysisReasons"] == "notEnoughInformation")
        let applied = try await harness.send("POST", "/beta/identity/conditionalAccess/evaluate", json: Self.request(appliedOnly: true), token: token)
        #expect(applied.body?["value"]?.arrayValue?.isEmpty == true)
        let bad = try await harness.send("POST", "/v1.0/identity/conditionalAccess/evaluate", json: ["signInIdentity": [:]], token: token)
        #expect(bad.status == 400)
    }
}
