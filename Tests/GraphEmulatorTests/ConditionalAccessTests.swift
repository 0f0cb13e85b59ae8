import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

@Suite("Conditional access", .emulatorScope)
struct ConditionalAccessTests {
    static let minimalPolicy: JSONValue = [
        "displayName": "Require MFA", "state": "enabled",
        "conditions": ["applications": ["includeApplications": ["All"]], "users": ["includeUsers": ["All"]]],
        "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
    ]

    @Test func everyCorpusPolicySeedsAndListsInBeta() async throws {
        let harness = try await Harness.seeded(try Corpus.seed())
        let reply = try await harness.get("/beta/identity/conditionalAccess/policies")
        #expect(reply.status == 200)
        let policies = reply.body?["value"]?.arrayValue ?? []
        #expect(policies.count == 36)
        for policy in policies {
            let keys = Set(policy.objectValue!.keys)
            #expect(keys == ["id", "templateId", "displayName", "createdDateTime", "modifiedDateTime", "state", "deletedDateTime",
                             "partialEnablementStrategy", "sessionControls", "conditions", "grantControls"])
            let conditions = policy["conditions"]!
            for key in ["userRiskLevels", "signInRiskLevels", "clientAppTypes", "platforms", "times", "deviceStates", "devices",
                        "clientApplications", "agents", "applications", "users", "locations"] {
                #expect(conditions[key] != nil, "beta conditions.\(key) missing in \(policy["displayName"]!)")
            }
            // Annotations from the export are gone; @odata.type survives only on derived types.
            #expect(!policy.serializedString().contains("@odata.id"))
            #expect(!policy.serializedString().contains("#microsoft.graph.conditionalAccessConditionSet"))
            #expect(policy["grantControls"]!.isNull || policy["grantControls"]?["authenticationStrength@odata.context"] != nil)
        }
        let ca105 = policies.first { $0["displayName"]?.stringValue?.hasPrefix("CA105") == true }!
        #expect(ca105["grantControls"]?["authenticationStrength"]?["id"] == "00000000-0000-0000-0000-000000000004")
        #expect(ca105["grantControls"]?["authenticationStrength"]?["createdDateTime"] == "2021-12-01T08:00:00Z")
        let guests = policies.compactMap { $0["conditions"]?["users"]?["includeGuestsOrExternalUsers"] }.first { !$0.isNull }!
        #expect(guests["externalTenants"]?["@odata.type"] == "#microsoft.graph.conditionalAccessAllExternalTenants")
        #expect(guests["guestOrExternalUserTypes"]?.stringValue?.contains(",") == true)
        #expect(guests["@odata.type"] == nil)
    }

    @Test func v1ShapeHasNullsAndEmptyCollectionsAndHidesBetaOnlyPolicies() async throws {
        let harness = try await Harness.seeded(try Corpus.seed())
        let reply = try await harness.get("/v1.0/identity/conditionalAccess/policies")
        #expect(reply.status == 200)
        let policies = reply.body?["value"]?.arrayValue ?? []
        #expect(!policies.isEmpty && policies.count < 36, "agent policies use beta-only features")
        for policy in policies {
            #expect(Set(policy.objectValue!.keys) == ["id", "templateId", "displayName", "createdDateTime", "modifiedDateTime", "state",
                                                      "deletedDateTime", "sessionControls", "conditions", "grantControls"])
            let conditions = policy["conditions"]!
            #expect(Set(conditions.objectValue!.keys) == ["applications", "authenticationFlows", "clientAppTypes", "clientApplications",
                                                          "devices", "insiderRiskLevels", "locations", "platforms", "servicePrincipalRiskLevels",
                                                          "signInRiskLevels", "userRiskLevels", "users"])
            #expect(conditions["servicePrincipalRiskLevels"] == [])
            if let session = policy["sessionControls"], !session.isNull {
                #expect(Set(session.objectValue!.keys) == ["applicationEnforcedRestrictions", "cloudAppSecurity", "disableResilienceDefaults",
                                                           "persistentBrowser", "secureSignInSession", "signInFrequency"])
            }
            if let devices = conditions["devices"], !devices.isNull { #expect(Set(devices.objectValue!.keys) == ["deviceFilter"]) }
        }
        let flows = policies.first { $0["conditions"]?["authenticationFlows"]?.isNull == false }
        #expect(flows?["conditions"]?["authenticationFlows"]?["transferMethods"] == "deviceCodeFlow,authenticationTransfer")
    }

    @Test func createReturns201WithServerFieldsAndDefaults() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let reply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: Self.minimalPolicy, token: token)
        #expect(reply.status == 201)
        let policy = try #require(reply.body)
        #expect(policy["id"]?.stringValue?.count == 36)
        #expect(policy["modifiedDateTime"] == .null)
        #expect(policy["templateId"] == .null)
        #expect(policy["createdDateTime"]?.stringValue?.hasSuffix("Z") == true)
        #expect(policy["conditions"]?["clientAppTypes"] == ["all"])
        #expect(policy["conditions"]?["users"]?["excludeGroups"] == [])
        #expect(policy["conditions"]?["platforms"] == .null)
        #expect(policy["grantControls"]?["customAuthenticationFactors"] == [])
        #expect(policy["grantControls"]?["authenticationStrength"] == .null)
        #expect(policy["sessionControls"] == .null)
        #expect(policy["@odata.context"]?.stringValue?.hasSuffix("#identity/conditionalAccess/policies/$entity") == true)

        let id = policy["id"]!.stringValue!
        let patch = try await harness.send("PATCH", "/v1.0/identity/conditionalAccess/policies/\(id)",
                                           json: ["conditions": ["signInRiskLevels": ["high"]]], token: token)
        #expect(patch.status == 204)
        let after = try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies/\(id)", token: token)
        #expect(after.body?["conditions"]?["signInRiskLevels"] == ["high"])
        #expect(after.body?["conditions"]?["users"]?["includeUsers"] == ["All"], "PATCH deep-merges objects")
        #expect(after.body?["modifiedDateTime"]?.stringValue != nil)
    }

    /// Regression (chaos suite, seed 5496569852148191097): a PATCH that turned enumerated external
    /// tenants into all external tenants was merged member by member, so the stored object kept the old
    /// `members` under the new `@odata.type`, a value no type has; a derived type's members belong to
    /// its type, so a new `@odata.type` replaces the object.
    @Test func patchChangingADerivedTypeReplacesTheObject() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let enumerated: JSONValue = ["@odata.type": "#microsoft.graph.conditionalAccessEnumeratedExternalTenants", "membershipKind": "enumerated",
                                     "members": ["a5a4fd5e-0000-4000-8000-000000000001"]]
        var policy = Self.minimalPolicy
        policy["conditions"]?["users"]?["excludeGuestsOrExternalUsers"] = ["guestOrExternalUserTypes": "internalGuest", "externalTenants": enumerated]
        let created = try await harness.send("POST", "/beta/identity/conditionalAccess/policies", json: policy, token: token)
        #expect(created.status == 201)
        let id = try #require(created.body?["id"]?.stringValue)
        let all: JSONValue = ["@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"]
        let patch = try await harness.send("PATCH", "/beta/identity/conditionalAccess/policies/\(id)", json: [
            "conditions": ["users": ["excludeGuestsOrExternalUsers": ["guestOrExternalUserTypes": "internalGuest", "externalTenants": all]]],
        ], token: token)
        #expect(patch.status == 204)
        let after = try await harness.send("GET", "/beta/identity/conditionalAccess/policies/\(id)", token: token)
        #expect(after.body?["conditions"]?["users"]?["excludeGuestsOrExternalUsers"]?["externalTenants"] == all)
        // Within one type, members still merge.
        #expect(after.body?["conditions"]?["users"]?["includeUsers"] == ["All"])
    }

    @Test func unknownPropertyAndBetaOnlyOnV1AreSchemaErrors() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        var misspelled = Self.minimalPolicy
        misspelled["grantControl"] = ["operator": "OR"]
        let reply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: misspelled, token: token)
        #expect(reply.status == 400)
        #expect(reply.errorCode == "BadRequest")
        #expect(reply.errorMessage?.hasPrefix("1007: Incoming ConditionalAccessPolicy object is null or does not match the schema") == true)

        var betaOnly = Self.minimalPolicy
        betaOnly["conditions"]?["agentIdRiskLevels"] = "high"
        #expect(try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: betaOnly, token: token).status == 400)
        betaOnly["conditions"]?["clientApplications"] = ["includeAgentIdServicePrincipals": ["All"]]
        betaOnly["conditions"]?["users"] = nil
        #expect(try await harness.send("POST", "/beta/identity/conditionalAccess/policies", json: betaOnly, token: token).status == 201)

        var wrongType = Self.minimalPolicy
        wrongType["state"] = "on"
        #expect(try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: wrongType, token: token).status == 400)
    }

    @Test func semanticValidationNamesTheReason() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        var noControls = Self.minimalPolicy
        noControls["grantControls"] = nil
        let reply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: noControls, token: token)
        #expect(reply.status == 400)
        #expect(reply.innerMessage?.contains("ConditionalActionPolicy validation failed due to") == true)

        var unknownGroup = Self.minimalPolicy
        unknownGroup["conditions"]?["users"] = ["includeGroups": ["6f0c0a55-0000-4000-8000-000000000001"]]
        let groupReply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: unknownGroup, token: token)
        #expect(groupReply.innerMessage?.hasSuffix("InvalidGroupIds.") == true)

        var passwordChange = Self.minimalPolicy
        passwordChange["grantControls"] = ["operator": "OR", "builtInControls": ["passwordChange"]]
        let resetReply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: passwordChange, token: token)
        #expect(resetReply.innerMessage == "1032: ConditionalActionPolicy validation failed due to InvalidPasswordResetControl.")
    }

    @Test func softDeleteRestoreAndHardDelete() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let created = try await harness.send("POST", "/beta/identity/conditionalAccess/policies", json: Self.minimalPolicy, token: token)
        let id = try #require(created.body?["id"]?.stringValue)
        #expect(try await harness.send("DELETE", "/beta/identity/conditionalAccess/policies/\(id)", token: token).status == 204)
        #expect(try await harness.send("GET", "/beta/identity/conditionalAccess/policies/\(id)", token: token).status == 404)
        let deleted = try await harness.send("GET", "/beta/identity/conditionalAccess/deletedItems/policies", token: token)
        #expect(deleted.body?["value"]?.arrayValue?.first?["deletedDateTime"]?.stringValue != nil)
        let restored = try await harness.send("POST", "/beta/identity/conditionalAccess/deletedItems/policies/\(id)/restore", token: token)
        #expect(restored.status == 200)
        #expect(restored.body?["deletedDateTime"] == .null)
        #expect(try await harness.send("DELETE", "/beta/identity/conditionalAccess/policies/\(id)", token: token).status == 204)
        #expect(try await harness.send("DELETE", "/beta/identity/conditionalAccess/deletedItems/policies/\(id)", token: token).status == 204)
        #expect(try await harness.send("GET", "/beta/identity/conditionalAccess/deletedItems/policies/\(id)", token: token).status == 404)
    }

    @Test func evolvableEnumMembersNeedThePreferHeader() async throws {
        var policy = Self.minimalPolicy
        policy["grantControls"] = ["operator": "AND", "builtInControls": ["mfa", "riskRemediation"]]
        policy["conditions"]?["platforms"] = ["includePlatforms": ["linux", "windows"]]
        let harness = try await Harness.seeded(["policies": [policy]])
        let plain = try await harness.get("/v1.0/identity/conditionalAccess/policies")
        let first = plain.body?["value"]?[0]
        #expect(first?["grantControls"]?["builtInControls"] == ["mfa", "unknownFutureValue"])
        #expect(first?["conditions"]?["platforms"]?["includePlatforms"] == ["unknownFutureValue", "windows"])
        let preferred = try await harness.get("/v1.0/identity/conditionalAccess/policies", headers: ["Prefer": "include-unknown-enum-members"])
        #expect(preferred.body?["value"]?[0]?["grantControls"]?["builtInControls"] == ["mfa", "riskRemediation"])
    }

    @Test func unknownSeededPropertiesAreKept() async throws {
        var policy = Self.minimalPolicy
        policy["futureSetting"] = ["mode": "strict"]
        policy["conditions"]?["users"]?["includeFutureThings"] = ["x"]
        let harness = try await Harness.seeded(["policies": [policy]])
        let reply = try await harness.get("/v1.0/identity/conditionalAccess/policies")
        #expect(reply.body?["value"]?[0]?["futureSetting"] == ["mode": "strict"])
        #expect(reply.body?["value"]?[0]?["conditions"]?["users"]?["includeFutureThings"] == ["x"])
    }

    @Test func namedLocationsRequireODataTypeAndRoundTrip() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let untyped: JSONValue = ["displayName": "Office", "ipRanges": [["cidrAddress": "10.0.0.0/8"]]]
        #expect(try await harness.send("POST", "/v1.0/identity/conditionalAccess/namedLocations", json: untyped, token: token).status == 400)
        let typed: JSONValue = ["@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Office", "isTrusted": true,
                                "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "10.0.0.0/8"]]]
        let created = try await harness.send("POST", "/v1.0/identity/conditionalAccess/namedLocations", json: typed, token: token)
        #expect(created.status == 201)
        #expect(created.body?["@odata.type"] == "#microsoft.graph.ipNamedLocation")
        #expect(created.body?["createdDateTime"] == created.body?["modifiedDateTime"])
        #expect(created.body?["ipRanges"]?[0]?["@odata.type"] == "#microsoft.graph.iPv4CidrRange")
        let country: JSONValue = ["@odata.type": "#microsoft.graph.countryNamedLocation", "displayName": "NL", "countriesAndRegions": ["NL"]]
        let countryReply = try await harness.send("POST", "/v1.0/identity/conditionalAccess/namedLocations", json: country, token: token)
        #expect(countryReply.body?["countryLookupMethod"] == "clientIpAddress")
        #expect(countryReply.body?["includeUnknownCountriesAndRegions"] == false)
        #expect(countryReply.body?["isTrusted"] == nil)
    }

    @Test func authenticationStrengthsAndContexts() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let strengths = try await harness.send("GET", "/v1.0/policies/authenticationStrengthPolicies", token: token)
        #expect(strengths.body?["value"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ==
                ["00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000003", "00000000-0000-0000-0000-000000000004"])
        #expect(strengths.body?["value"]?[0]?["createdDateTime"] == "2021-12-01T00:00:00Z")
        let upsert = try await harness.send("PATCH", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1",
                                            json: ["displayName": "Sensitive", "isAvailable": true], token: token)
        #expect(upsert.status == 204)
        let contexts = try await harness.send("GET", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences", token: token)
        #expect(contexts.body?["value"]?[0]?["id"] == "c1")
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/authenticationContextClassReferences/c1", token: token).status == 400)
    }
}
