import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// The tenant's conditional access policy limit (issue 11, emulator part).
@Suite("Conditional access policy limit", .emulatorScope)
struct PolicyLimitTests {
    static func policies(_ count: Int) -> JSONValue {
        .array((0..<count).map { index in
            var policy = ConditionalAccessTests.minimalPolicy
            policy["displayName"] = .string("Policy \(index)")
            return policy
        })
    }

    @Test func aTenantHoldsAtMost240Policies() async throws {
        let harness = try await Harness.seeded(["policies": Self.policies(240)])
        let token = try await harness.token()
        for version in ["v1.0", "beta"] {
            let refused = try await harness.send("POST", "/\(version)/identity/conditionalAccess/policies", json: ConditionalAccessTests.minimalPolicy,
                                                 token: token)
            #expect(refused.status == 400)
            #expect(refused.errorCode == "BadRequest")
            #expect(refused.errorMessage?.contains("The maximum number of conditional access policies (240) has been reached.") == true,
                    "\(refused.errorMessage ?? "")")
        }
        let list = try await harness.send("GET", "/beta/identity/conditionalAccess/policies", token: token)
        #expect(list.body?["value"]?.arrayValue?.count == 240)
    }

    @Test func thePolicyLimitIsConfigurableAndCountsRestores() async throws {
        let harness = try await Harness.seeded(["policies": Self.policies(1)]) { $0.conditionalAccessPolicyLimit = 2 }
        let token = try await harness.token()
        let path = "/beta/identity/conditionalAccess/policies"
        let second = try await harness.send("POST", path, json: ConditionalAccessTests.minimalPolicy, token: token)
        #expect(second.status == 201)
        #expect(try await harness.send("POST", path, json: ConditionalAccessTests.minimalPolicy, token: token).status == 400)
        let id = try #require(second.body?["id"]?.stringValue)
        #expect(try await harness.send("DELETE", "\(path)/\(id)", token: token).status == 204)
        let third = try await harness.send("POST", path, json: ConditionalAccessTests.minimalPolicy, token: token)
        #expect(third.status == 201, "soft-deleted policies do not count")
        let restore = try await harness.send("POST", "/beta/identity/conditionalAccess/deletedItems/policies/\(id)/restore", token: token)
        #expect(restore.status == 400)
        #expect(try await harness.send("GET", "/beta/identity/conditionalAccess/deletedItems/policies/\(id)", token: token).status == 200,
                "a refused restore leaves the policy deleted")
    }
}
