import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

@Suite("Directory and Identity Protection", .emulatorScope)
struct DirectoryAndRiskTests {
    static func seed(users count: Int = 150, detections: Int = 45) -> JSONValue {
        var users: [JSONValue] = (0..<count).map { index in
            ["displayName": .string("User \(index)"), "userPrincipalName": .string("user\(index)@contoso.onmicrosoft.com")]
        }
        users.append(["id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "Break Glass 1", "userPrincipalName": "bg1@contoso.onmicrosoft.com"])
        let detectionList: [JSONValue] = (0..<detections).map { index in
            ["userPrincipalName": .string("user\(index % 5)@contoso.onmicrosoft.com"),
             "riskEventType": .string(index % 2 == 0 ? "unfamiliarFeatures" : "anonymizedIPAddress"),
             "riskLevel": .string(index % 3 == 0 ? "high" : "medium"),
             "detectedDateTime": .string("2026-11-\(String(format: "%02d", 1 + index % 20))T10:00:00Z")]
        }
        return [
            "users": .array(users),
            "groups": [
                ["displayName": "CA-BreakGlassAccounts - Exclude", "members": ["bg1@contoso.onmicrosoft.com"]],
                ["displayName": "Admins", "members": ["user1@contoso.onmicrosoft.com", "CA-BreakGlassAccounts - Exclude"]],
            ],
            "roleAssignments": ["Global Administrator": ["bg1@contoso.onmicrosoft.com"]],
            "servicePrincipals": [["appId": "00000002-0000-0ff1-ce00-000000000000", "displayName": "Office 365 Exchange Online"]],
            "riskyUsers": [["userPrincipalName": "user0@contoso.onmicrosoft.com", "riskLevel": "high", "riskState": "atRisk"],
                           ["userPrincipalName": "user1@contoso.onmicrosoft.com", "riskLevel": "low", "riskState": "atRisk"]],
            "riskDetections": .array(detectionList),
        ]
    }

    /// Regression (chaos suite, seed 7199373761538226342): in a tenant without role assignments,
    /// `$filter=roleDefinitionId eq …` was a 400 (no stored assignment had the property), so every plan
    /// whose impact reads a role's members failed; Graph answers an empty list.
    @Test func roleAssignmentsFilterByRoleInATenantWithoutAssignments() async throws {
        let harness = try await Harness.start()
        let token = try await harness.token()
        let reply = try await harness.send("GET", "/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId%20eq%20'62e90394-69f5-4237-9190-012177145e10'", token: token)
        #expect(reply.status == 200)
        #expect(reply.body?["value"] == [])
    }

    @Test func usersPageAt100WithOpaqueNextLinkAndFilterAndSelect() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let first = try await harness.get("/v1.0/users")
        #expect(first.body?["value"]?.arrayValue?.count == 100)
        let next = try #require(first.body?["@odata.nextLink"]?.stringValue)
        #expect(next.contains("$skiptoken="))
        let second = try await harness.get(next.replacingOccurrences(of: harness.baseURL.absoluteString, with: ""))
        #expect(second.body?["value"]?.arrayValue?.count == 51)
        #expect(second.body?["@odata.nextLink"] == nil)

        let filtered = try await harness.get("/v1.0/users?$filter=userPrincipalName%20eq%20'BG1@contoso.onmicrosoft.com'&$select=id,displayName")
        #expect(filtered.body?["value"] == [["id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "Break Glass 1"]])
        let starts = try await harness.get("/v1.0/users?$filter=startsWith(displayName,'User%201')%20or%20displayName%20in%20('Break%20Glass%201')&$top=999")
        #expect(starts.body?["value"]?.arrayValue?.count == 62, "\(String(decoding: starts.data, as: UTF8.self).prefix(400))")  // User 1, 10–19, 100–149, Break Glass 1
        #expect(try await harness.get("/v1.0/users?$top=1000").status == 400)
        #expect(try await harness.get("/v1.0/users?$filter=nosuchProperty%20eq%20'x'").status == 400)

        let missing = try await harness.get("/v1.0/users/00000000-0000-4000-8000-00000000beef")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "Request_ResourceNotFound")
    }

    @Test func idFiltersAreAnsweredByKeyAndRevocationSetsSessionsValidFrom() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let breakGlass = "aaaaaaaa-0000-4000-8000-000000000001"
        let unknown = "00000000-0000-4000-8000-00000000beef"
        let byIds = try await harness.get("/v1.0/users?$filter=id%20in%20('\(breakGlass.uppercased())','\(unknown)','\(breakGlass)')&$select=id,userPrincipalName")
        #expect(byIds.body?["value"] == [["id": .string(breakGlass), "userPrincipalName": "bg1@contoso.onmicrosoft.com"]], "unknown ids skipped, no duplicates")
        let byId = try await harness.get("/v1.0/users?$filter=id%20eq%20'\(breakGlass)'%20and%20accountEnabled%20eq%20false")
        #expect(byId.body?["value"]?.arrayValue?.isEmpty == true, "a clause besides the id is still applied")

        let before = try await harness.get("/v1.0/users?$filter=id%20eq%20'\(breakGlass)'&$select=id,signInSessionsValidFromDateTime")
        #expect(before.body?["value"]?[0]?["signInSessionsValidFromDateTime"] == nil)
        let revoke = try await harness.send("POST", "/v1.0/users/\(breakGlass)/revokeSignInSessions", token: try await harness.token())
        #expect(revoke.status == 200)
        let after = try await harness.get("/v1.0/users?$filter=id%20eq%20'\(breakGlass)'&$select=id,signInSessionsValidFromDateTime")
        let validFrom = after.body?["value"]?[0]?["signInSessionsValidFromDateTime"]?.stringValue
        #expect(validFrom.flatMap(GraphTimestamp.date(from:)) != nil, "\(String(describing: validFrom))")
    }

    @Test func groupsMembershipRolesAndGetByIds() async throws {
        let harness = try await Harness.seeded(Self.seed(users: 3, detections: 0))
        let groups = try await harness.get("/v1.0/groups?$filter=displayName%20eq%20'Admins'")
        let admins = try #require(groups.body?["value"]?[0]?["id"]?.stringValue)
        let direct = try await harness.get("/v1.0/groups/\(admins)/members")
        #expect(direct.body?["value"]?.arrayValue?.count == 2)
        let transitive = try await harness.get("/v1.0/groups/\(admins)/transitiveMembers")
        #expect(transitive.body?["value"]?.arrayValue?.compactMap { $0["@odata.type"]?.stringValue }.sorted() ==
                ["#microsoft.graph.group", "#microsoft.graph.user", "#microsoft.graph.user"])
        let memberOf = try await harness.get("/v1.0/users/bg1@contoso.onmicrosoft.com/transitiveMemberOf")
        let types = memberOf.body?["value"]?.arrayValue?.compactMap { $0["@odata.type"]?.stringValue } ?? []
        #expect(types.filter { $0 == "#microsoft.graph.group" }.count == 2)
        #expect(types.contains("#microsoft.graph.directoryRole"))
        let roles = try await harness.get("/v1.0/directoryRoleTemplates")
        #expect((roles.body?["value"]?.arrayValue?.count ?? 0) >= 30)
        let definition = try await harness.get("/v1.0/roleManagement/directory/roleDefinitions?$filter=displayName%20eq%20'Global%20Administrator'")
        #expect(definition.body?["value"]?[0]?["templateId"] == "62e90394-69f5-4237-9190-012177145e10")
        let token = try await harness.token()
        let byIds = try await harness.send("POST", "/v1.0/directoryObjects/getByIds",
                                           json: ["ids": ["aaaaaaaa-0000-4000-8000-000000000001", .string(admins)], "types": ["user", "group"]], token: token)
        #expect(byIds.body?["value"]?.arrayValue?.count == 2)
        let principal = try await harness.get("/v1.0/servicePrincipals(appId='00000002-0000-0ff1-ce00-000000000000')")
        #expect(principal.body?["displayName"] == "Office 365 Exchange Online")
        let revoke = try await harness.send("POST", "/v1.0/users/bg1@contoso.onmicrosoft.com/revokeSignInSessions", token: token)
        #expect(revoke.body?["value"] == true)
    }

    /// Spot checks from Microsoft Learn's permissions reference (template id = built-in role definition id),
    /// across the catalogue: a policy may name any built-in role, so the emulator must know them all.
    static let documentedRoles: [(name: String, id: String)] = [
        ("Agent ID Administrator", "db506228-d27e-4b7d-95e5-295956d6615f"),
        ("Dynamics 365 Business Central Administrator", "963797fb-eb3b-4cde-8ce3-5878b3f32a3f"),
        ("Exchange Administrator", "29232cdf-9323-42fd-ade2-1d097af3e4de"),
        ("Intune Administrator", "3a2c62db-5318-420d-8d74-23affee5d9d5"),
        ("Lifecycle Workflows Administrator", "59d46f88-662b-457b-bceb-5c3809e5908f"),
        ("Teams Administrator", "69091246-20e8-4a56-aa4d-066075b2a7a8"),
        ("Viva Pulse Administrator", "87761b17-1ed2-4af3-9acd-92a150038160"),
        ("Windows 365 Administrator", "11451d60-acb2-45eb-a7d6-43d0f0125c13"),
        ("Yammer Administrator", "810a2642-a034-447f-a5e8-41beaa378541"),
    ]

    @Test func everyDocumentedBuiltInRoleTemplateIsServedOnBothRoutes() async throws {
        let harness = try await Harness.seeded(Self.seed(users: 5, detections: 0))
        for route in ["/v1.0/directoryRoleTemplates", "/v1.0/roleManagement/directory/roleDefinitions"] {
            var roles: [JSONValue] = []
            var next: String? = route
            while let path = next {
                let page = try await harness.get(path)
                #expect(page.status == 200)
                roles += page.body?["value"]?.arrayValue ?? []
                next = page.body?["@odata.nextLink"]?.stringValue.flatMap(URL.init(string:)).map { url in
                    url.path + (url.query.map { "?" + $0 } ?? "")
                }
            }
            let byId = Dictionary(roles.compactMap { role in role["id"]?.stringValue.map { ($0, role) } }, uniquingKeysWith: { first, _ in first })
            #expect(byId.count == roles.count, "role ids are unique on \(route)")
            #expect(roles.count >= 123, "the permissions reference documents 123 built-in roles; \(route) served \(roles.count)")
            for role in Self.documentedRoles {
                #expect(byId[role.id]?["displayName"]?.stringValue == role.name, "\(role.name) on \(route)")
            }
        }
        let single = try await harness.get("/v1.0/directoryRoleTemplates/69091246-20e8-4a56-aa4d-066075b2a7a8")
        #expect(single.body?["displayName"] == "Teams Administrator")
    }

    @Test func riskDetectionsPageAt20AndRejectTopOver500() async throws {
        let harness = try await Harness.seeded(Self.seed(users: 5))
        let page = try await harness.get("/v1.0/identityProtection/riskDetections")
        #expect(page.body?["value"]?.arrayValue?.count == 20)
        #expect(page.body?["@odata.nextLink"]?.stringValue != nil)
        let detection = try #require(page.body?["value"]?[0])
        #expect(detection["id"]?.stringValue?.count == 64)
        #expect(detection["riskType"] == nil)
        let tooMany = try await harness.get("/v1.0/identityProtection/riskDetections?$top=1000")
        #expect(tooMany.status == 400)
        #expect(tooMany.errorMessage == "Invalid page size specified: '1000'")
        let high = try await harness.get("/v1.0/identityProtection/riskDetections?$top=500&$filter=riskLevel%20eq%20'high'%20and%20detectedDateTime%20ge%202026-11-10T00:00:00Z")
        let values = high.body?["value"]?.arrayValue ?? []
        #expect(!values.isEmpty)
        #expect(values.allSatisfy { $0["riskLevel"] == "high" && ($0["detectedDateTime"]?.stringValue ?? "") >= "2026-11-10" })
        let enumLiteral = try await harness.get("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20microsoft.graph.riskLevel'high'")
        #expect(enumLiteral.body?["value"]?.arrayValue?.count == 1)
    }

    @Test func riskyUserActionsChangeStateAndWriteHistory() async throws {
        let harness = try await Harness.seeded(Self.seed(users: 5))
        let token = try await harness.token()
        let risky = try await harness.get("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20'low'")
        let id = try #require(risky.body?["value"]?[0]?["id"]?.stringValue)
        let confirm = try await harness.send("POST", "/v1.0/identityProtection/riskyUsers/confirmCompromised", json: ["userIds": [.string(id)]], token: token)
        #expect(confirm.status == 204)
        #expect(confirm.data.isEmpty)
        let after = try await harness.get("/v1.0/identityProtection/riskyUsers/\(id)")
        #expect(after.body?["riskState"] == "confirmedCompromised")
        #expect(after.body?["riskLevel"] == "high")
        #expect(after.body?["riskDetail"] == "adminConfirmedUserCompromised")
        let dismiss = try await harness.send("POST", "/v1.0/identityProtection/riskyUsers/dismiss", json: ["userIds": [.string(id)]], token: token)
        #expect(dismiss.status == 204)
        let history = try await harness.get("/v1.0/identityProtection/riskyUsers/\(id)/history")
        #expect(history.body?["value"]?.arrayValue?.compactMap { $0["activity"]?["detail"]?.stringValue } ==
                ["adminConfirmedUserCompromised", "adminDismissedAllRiskForUser"])
        let tooMany = try await harness.send("POST", "/v1.0/identityProtection/riskyUsers/dismiss",
                                             json: ["userIds": .array((0..<61).map { _ in .string(id) })], token: token)
        #expect(tooMany.status == 400)
    }

    /// Regression: risk actions, injected detections and revocations were stamped with the system
    /// clock, so a test (or the tutorial) driving the emulator's clock saw times from another day.
    @Test func riskActionsDetectionsAndRevocationsAreStampedWithTheEmulatorClock() async throws {
        let time = ManualEmulatorClock(start: Date(timeIntervalSince1970: 1_800_000_000))  // 2027-01-15T08:00:00Z
        let harness = try await Harness.seeded(Self.seed(users: 5, detections: 0)) { $0.clock = time.clock }
        let token = try await harness.token()
        time.advance(by: .seconds(3_600))
        func stampedInTheEmulatorsHour(_ value: JSONValue?) -> Bool { value?.stringValue?.hasPrefix("2027-01-15T09:00") == true }
        let injected = try await harness.send("POST", "/_emulator/riskDetections",
                                              json: ["userPrincipalName": "user3@contoso.onmicrosoft.com", "riskEventType": "leakedCredentials",
                                                     "riskLevel": "high", "detectionTimingType": "offline"])
        #expect(stampedInTheEmulatorsHour(injected.body?["detectedDateTime"]), "\(String(describing: injected.body))")
        let risky = try await harness.get("/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20'low'")
        let id = try #require(risky.body?["value"]?[0]?["id"]?.stringValue)
        _ = try await harness.send("POST", "/v1.0/identityProtection/riskyUsers/confirmCompromised", json: ["userIds": [.string(id)]], token: token)
        let confirmed = try await harness.get("/v1.0/identityProtection/riskyUsers/\(id)")
        #expect(stampedInTheEmulatorsHour(confirmed.body?["riskLastUpdatedDateTime"]), "\(String(describing: confirmed.body))")
        let user = "aaaaaaaa-0000-4000-8000-000000000001"
        _ = try await harness.send("POST", "/v1.0/users/\(user)/revokeSignInSessions", token: token)
        let revoked = try await harness.get("/v1.0/users?$filter=id%20eq%20'\(user)'&$select=id,signInSessionsValidFromDateTime")
        #expect(stampedInTheEmulatorsHour(revoked.body?["value"]?[0]?["signInSessionsValidFromDateTime"]), "\(String(describing: revoked.body))")
    }

    @Test func injectedDetectionMakesTheUserRisky() async throws {
        let harness = try await Harness.seeded(Self.seed(users: 5, detections: 0))
        let injected = try await harness.send("POST", "/_emulator/riskDetections",
                                              json: ["userPrincipalName": "user3@contoso.onmicrosoft.com", "riskEventType": "leakedCredentials",
                                                     "riskLevel": "high", "detectionTimingType": "offline"])
        #expect(injected.status == 201)
        let risky = try await harness.get("/v1.0/identityProtection/riskyUsers?$filter=userPrincipalName%20eq%20'user3@contoso.onmicrosoft.com'")
        #expect(risky.body?["value"]?[0]?["riskLevel"] == "high")
        #expect(risky.body?["value"]?[0]?["riskState"] == "atRisk")
    }
}

@Suite("Example tenant", .emulatorScope)
struct ExampleTenantTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/contoso/tenant.json")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: file.path)))
    func contosoSeedServesUsersPoliciesAndRiskyUsers() async throws {
        let harness = try await Harness.start(EmulatorConfiguration(seed: try TenantSeed(contentsOf: Self.file)))
        #expect(try await harness.get("/v1.0/users?$top=999").body?["value"]?.arrayValue?.count ?? 0 >= 200)
        #expect(try await harness.get("/v1.0/identity/conditionalAccess/policies").status == 200)
        #expect(try await harness.get("/v1.0/identityProtection/riskyUsers?$top=500").body?["value"]?.arrayValue?.count ?? 0 >= 20)
        #expect(try await harness.get("/v1.0/identityProtection/riskDetections?$top=500").body?["value"]?.arrayValue?.count ?? 0 >= 100)
    }
}
