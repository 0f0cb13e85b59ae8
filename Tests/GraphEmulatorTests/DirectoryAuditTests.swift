import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// `GET /auditLogs/directoryAudits`: every conditional access policy and named location write records
/// a directory audit in Graph's shape, naming the user of a delegated token or the application of an
/// app-only token; the listing filters, pages and answers newest first.
@Suite("Directory audit log", .emulatorScope)
struct DirectoryAuditTests {
    static let tenantId = "11111111-2222-4333-8444-555555555555"
    static let adminId = "aaaaaaaa-0000-4000-8000-0000000000ad"
    static let readerApp = "2b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    static let directoryOnlyApp = "3b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"

    static let seed: JSONValue = [
        "tenantId": .string(tenantId), "domains": ["contoso.onmicrosoft.com"],
        "users": [["id": .string(adminId), "userPrincipalName": "admin@contoso.onmicrosoft.com", "displayName": "Ada Admin"]],
        "applications": [
            ["clientId": .string(EmulatorDefaults.clientId), "displayName": "entraform", "secret": "s3cret",
             "permissions": .array(BuiltIns.defaultPermissions.map(JSONValue.string))],
            ["clientId": .string(readerApp), "displayName": "log reader", "secret": "r3ader", "permissions": ["AuditLog.Read.All"]],
            ["clientId": .string(directoryOnlyApp), "displayName": "directory reader", "secret": "d1r", "permissions": ["Directory.Read.All"]],
        ],
    ]

    static let policy: JSONValue = [
        "displayName": "Require MFA", "state": "enabled",
        "conditions": ["applications": ["includeApplications": ["All"]], "users": ["includeUsers": ["All"]]],
        "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
    ]
    static let location: JSONValue = [
        "@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Office", "isTrusted": true,
        "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": "10.0.0.0/8"]],
    ]

    /// Creates, updates and deletes one policy and one named location with `token`; returns their ids.
    func writeEverything(_ harness: Harness, token: String) async throws -> (policy: String, location: String) {
        let created = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: Self.policy, token: token)
        #expect(created.status == 201)
        let policyId = try #require(created.body?["id"]?.stringValue)
        let patched = try await harness.send("PATCH", "/v1.0/identity/conditionalAccess/policies/\(policyId)", json: ["state": "disabled"],
                                             token: token)
        #expect(patched.status == 204)
        let location = try await harness.send("POST", "/v1.0/identity/conditionalAccess/namedLocations", json: Self.location, token: token)
        #expect(location.status == 201)
        let locationId = try #require(location.body?["id"]?.stringValue)
        let renamed = try await harness.send("PATCH", "/v1.0/identity/conditionalAccess/namedLocations/\(locationId)",
                                             json: ["@odata.type": "#microsoft.graph.ipNamedLocation", "displayName": "Head office"], token: token)
        #expect(renamed.status == 204)
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/policies/\(policyId)", token: token).status == 204)
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/namedLocations/\(locationId)", token: token).status == 204)
        return (policyId, locationId)
    }

    static func decoded(_ text: JSONValue?) -> JSONValue? {
        guard let text = text?.stringValue else { return nil }
        return try? JSONValue.decode(exportedData: Data(text.utf8))
    }

    @Test func everyWriteByAnAppOnlyTokenIsAuditedWithTheApplication() async throws {
        let time = ManualEmulatorClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let harness = try await Harness.seeded(Self.seed) { $0.clock = time.clock }
        let token = try await harness.token()
        let ids = try await writeEverything(harness, token: token)

        let reply = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: token)
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        #expect(reply.body?["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits")
        let audits = reply.body?["value"]?.arrayValue ?? []
        // Newest first: the order of the writes, reversed.
        #expect(audits.map { $0["activityDisplayName"]?.stringValue ?? "" } == [
            "Delete named location", "Delete conditional access policy", "Update named location", "Add named location",
            "Update conditional access policy", "Add conditional access policy",
        ])
        #expect(audits.map { $0["operationType"]?.stringValue ?? "" } == ["Delete", "Delete", "Update", "Add", "Update", "Add"])
        for audit in audits {
            #expect(audit["category"] == "Policy")
            #expect(audit["loggedByService"] == "Conditional Access")
            #expect(audit["result"] == "success")
            #expect(audit["activityDateTime"] == "2027-01-15T08:00:00Z")
            #expect(audit["initiatedBy"]?["user"] == .null)
            let servicePrincipalId = try #require(audit["initiatedBy"]?["app"]?["servicePrincipalId"]?.stringValue)
            #expect(audit["initiatedBy"]?["app"] == [
                "appId": .string(EmulatorDefaults.clientId), "displayName": "entraform", "servicePrincipalId": .string(servicePrincipalId),
                "servicePrincipalName": "entraform",
            ])
            #expect(audit["targetResources"]?[0]?["type"] == "Policy")
            #expect(audit["id"]?.stringValue?.hasPrefix("IPCGraph_") == true)
        }
        let addPolicy = audits[5]
        #expect(addPolicy["targetResources"]?[0]?["id"]?.stringValue == ids.policy)
        #expect(addPolicy["targetResources"]?[0]?["displayName"] == "Require MFA")
        let added = try #require(addPolicy["targetResources"]?[0]?["modifiedProperties"]?[0])
        #expect(added["displayName"] == "ConditionalAccessPolicy")
        #expect(added["oldValue"] == .null)
        #expect(Self.decoded(added["newValue"])?["state"] == "enabled")
        #expect(Self.decoded(added["newValue"])?["id"]?.stringValue == ids.policy)

        let update = try #require(audits[4]["targetResources"]?[0]?["modifiedProperties"]?[0])
        #expect(Self.decoded(update["oldValue"])?["state"] == "enabled")
        #expect(Self.decoded(update["newValue"])?["state"] == "disabled")
        #expect(Self.decoded(update["newValue"])?["modifiedDateTime"] == "2027-01-15T08:00:00Z")

        let deletePolicy = try #require(audits[1]["targetResources"]?[0]?["modifiedProperties"]?[0])
        #expect(Self.decoded(deletePolicy["oldValue"])?["state"] == "disabled")
        #expect(deletePolicy["newValue"] == .null)

        let renameLocation = try #require(audits[2]["targetResources"]?[0])
        #expect(renameLocation["id"]?.stringValue == ids.location)
        #expect(renameLocation["displayName"] == "Head office")
        #expect(renameLocation["modifiedProperties"]?[0]?["displayName"] == "NamedLocation")
        #expect(Self.decoded(renameLocation["modifiedProperties"]?[0]?["oldValue"])?["displayName"] == "Office")
        #expect(Self.decoded(renameLocation["modifiedProperties"]?[0]?["newValue"])?["@odata.type"] == "#microsoft.graph.ipNamedLocation")
        #expect(audits[0]["targetResources"]?[0]?["modifiedProperties"]?[0]?["newValue"] == .null)

        // One by id.
        let id = try #require(audits[0]["id"]?.stringValue)
        let one = try await harness.send("GET", "/beta/auditLogs/directoryAudits/\(id)", token: token)
        #expect(one.status == 200)
        #expect(one.body?["activityDisplayName"] == "Delete named location")
        #expect(one.body?["@odata.context"] == "https://graph.microsoft.com/beta/$metadata#auditLogs/directoryAudits/$entity")
        #expect(try await harness.send("GET", "/v1.0/auditLogs/directoryAudits/IPCGraph_nope", token: token).status == 404)
    }

    @Test func everyWriteByADelegatedTokenIsAuditedWithTheUser() async throws {
        let harness = try await Harness.seeded(Self.seed)
        let token = try await harness.delegatedToken(tenantId: Self.tenantId, user: "admin@contoso.onmicrosoft.com")
        _ = try await writeEverything(harness, token: token)
        let reply = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: token)
        let audits = reply.body?["value"]?.arrayValue ?? []
        #expect(audits.count == 6)
        for audit in audits {
            #expect(audit["initiatedBy"]?["app"] == .null)
            #expect(audit["initiatedBy"]?["user"] == [
                "id": .string(Self.adminId), "displayName": "Ada Admin", "userPrincipalName": "admin@contoso.onmicrosoft.com", "ipAddress": .null,
            ])
        }
        let byUser = try await harness.send(
            "GET", "/v1.0/auditLogs/directoryAudits?$filter=initiatedBy/user/userPrincipalName%20eq%20'admin@contoso.onmicrosoft.com'", token: token)
        #expect(byUser.body?["value"]?.arrayValue?.count == 6)
    }

    @Test func batchStepsRestoresAndHardDeletesAreAuditedWithTheCorrelationId() async throws {
        let harness = try await Harness.seeded(Self.seed)
        let token = try await harness.token()
        let batch: JSONValue = ["requests": [
            ["id": "1", "method": "POST", "url": "/identity/conditionalAccess/policies", "headers": ["Content-Type": "application/json"],
             "body": Self.policy],
            ["id": "2", "method": "POST", "url": "/identity/conditionalAccess/namedLocations", "headers": ["Content-Type": "application/json",
                                                                                                            "client-request-id": "corr-2"],
             "body": Self.location],
        ]]
        let reply = try await harness.send("POST", "/v1.0/$batch", json: batch, token: token)
        #expect(reply.status == 200)
        let responses = reply.body?["responses"]?.arrayValue ?? []
        let created = responses.first { $0["id"] == "1" }
        let policyId = try #require(created?["body"]?["id"]?.stringValue)

        // A soft delete, a restore and a hard delete.
        let headers = ["client-request-id": "7f1c2a9e-0000-4000-8000-00000000c0de"]
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/policies/\(policyId)", headers: headers, token: token).status == 204)
        let restored = try await harness.send("POST", "/v1.0/identity/conditionalAccess/deletedItems/policies/\(policyId)/restore", token: token)
        #expect(restored.status == 200)
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/policies/\(policyId)", token: token).status == 204)
        #expect(try await harness.send("DELETE", "/v1.0/identity/conditionalAccess/deletedItems/policies/\(policyId)", token: token).status == 204)

        let audits = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: token).body?["value"]?.arrayValue ?? []
        #expect(audits.map { $0["activityDisplayName"]?.stringValue ?? "" } == [
            "Hard delete conditional access policy", "Delete conditional access policy", "Restore conditional access policy",
            "Delete conditional access policy", "Add named location", "Add conditional access policy",
        ])
        #expect(audits[3]["correlationId"] == "7f1c2a9e-0000-4000-8000-00000000c0de")
        #expect(audits[3]["id"]?.stringValue?.hasPrefix("IPCGraph_7f1c2a9e-0000-4000-8000-00000000c0de_") == true)
        #expect(audits[4]["correlationId"] == "corr-2")
        // A failed write records nothing.
        let invalid = try await harness.send("PATCH", "/v1.0/identity/conditionalAccess/policies/00000000-0000-4000-8000-00000000beef",
                                             json: ["state": "disabled"], token: token)
        #expect(invalid.status == 404)
        let after = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: token).body?["value"]?.arrayValue ?? []
        #expect(after.count == 6)
    }

    @Test func filtersPagingAndTheTargetResourcesLambda() async throws {
        let time = ManualEmulatorClock(start: Date(timeIntervalSince1970: 1_800_000_000))  // 2027-01-15T08:00:00Z
        let harness = try await Harness.seeded(Self.seed) { $0.clock = time.clock }
        let token = try await harness.token()
        var ids: [String] = []
        for index in 0..<4 {
            var body = Self.policy
            body["displayName"] = .string("Policy \(index)")
            let created = try await harness.send("POST", "/v1.0/identity/conditionalAccess/policies", json: body, token: token)
            ids.append(try #require(created.body?["id"]?.stringValue))
            time.advance(by: .seconds(3600))
        }
        _ = try await harness.send("PATCH", "/v1.0/identity/conditionalAccess/policies/\(ids[0])", json: ["state": "disabled"], token: token)

        func list(_ query: String) async throws -> [JSONValue] {
            let reply = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits?\(query)", token: token)
            #expect(reply.status == 200, "\(query): \(String(decoding: reply.data, as: UTF8.self))")
            return reply.body?["value"]?.arrayValue ?? []
        }
        func names(_ audits: [JSONValue]) -> [String] { audits.map { $0["targetResources"]?[0]?["displayName"]?.stringValue ?? "" } }

        // Two objects in ONE listing: an `or` of `targetResources/any(...)` lambdas.
        let targeted = try await list("$filter=targetResources/any(t:%20t/id%20eq%20'\(ids[0])')%20or%20targetResources/any(t:t/id%20eq%20'\(ids[2])')")
        #expect(names(targeted) == ["Policy 0", "Policy 2", "Policy 0"])
        #expect(targeted.map { $0["activityDisplayName"]?.stringValue ?? "" }
                == ["Update conditional access policy", "Add conditional access policy", "Add conditional access policy"])

        let window = try await list("$filter=activityDateTime%20ge%202027-01-15T09:00:00Z%20and%20activityDateTime%20lt%202027-01-15T11:00:00Z")
        #expect(names(window) == ["Policy 2", "Policy 1"])
        let after = try await list("$filter=activityDateTime%20gt%202027-01-15T10:00:00Z")
        #expect(names(after) == ["Policy 0", "Policy 3"])
        let before = try await list("$filter=activityDateTime%20le%202027-01-15T09:00:00Z")
        #expect(names(before) == ["Policy 1", "Policy 0"])
        let updates = try await list("$filter=activityDisplayName%20eq%20'Update%20conditional%20access%20policy'%20and%20category%20eq%20'Policy'"
                                     + "%20and%20loggedByService%20eq%20'Conditional%20Access'")
        #expect(names(updates) == ["Policy 0"])
        #expect(try await list("$filter=category%20eq%20'UserManagement'").isEmpty)
        #expect(try await list("$filter=initiatedBy/app/appId%20eq%20'\(EmulatorDefaults.clientId)'").count == 5)

        // Paging: `$top` and an opaque next link.
        let first = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits?$top=2", token: token)
        #expect(first.body?["value"]?.arrayValue?.count == 2)
        let next = try #require(first.body?["@odata.nextLink"]?.stringValue)
        let second = try await harness.send("GET", next.replacingOccurrences(of: harness.baseURL.absoluteString, with: ""), token: token)
        #expect(names(second.body?["value"]?.arrayValue ?? []) == ["Policy 2", "Policy 1"])
        let third = try await harness.send("GET", try #require(second.body?["@odata.nextLink"]?.stringValue)
            .replacingOccurrences(of: harness.baseURL.absoluteString, with: ""), token: token)
        #expect(names(third.body?["value"]?.arrayValue ?? []) == ["Policy 0"])
        #expect(third.body?["@odata.nextLink"] == nil)
        #expect(try await harness.send("GET", "/v1.0/auditLogs/directoryAudits?$top=1001", token: token).status == 400)
        #expect(try await harness.send("GET", "/v1.0/auditLogs/directoryAudits?$filter=nosuch%20eq%20'x'", token: token).status == 400)
    }

    @Test func readingNeedsAuditLogReadAllAndSeedsMayCarryHistory() async throws {
        var seed = Self.seed
        seed["directoryAudits"] = [
            ["@odata.type": "#microsoft.graph.directoryAudit", "id": "IPCGraph_seeded_ABCDE_1", "category": "Policy",
             "activityDisplayName": "Update conditional access policy", "activityDateTime": "2026-12-01T10:00:00+01:00",
             "loggedByService": "Conditional Access", "operationType": "Update", "result": "success",
             "initiatedBy": ["user": ["id": .string(Self.adminId), "userPrincipalName": "admin@contoso.onmicrosoft.com"], "app": .null],
             "targetResources": [["id": "p-1", "displayName": "Old policy", "type": "Policy", "modifiedProperties": []]]],
        ]
        let harness = try await Harness.seeded(seed)
        let reader = try await harness.token(clientId: Self.readerApp, secret: "r3ader", tenantId: Self.tenantId)
        let listed = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: reader)
        #expect(listed.status == 200)
        #expect(listed.body?["value"]?[0]?["id"] == "IPCGraph_seeded_ABCDE_1")
        #expect(listed.body?["value"]?[0]?["activityDateTime"] == "2026-12-01T09:00:00Z")
        #expect(listed.body?["value"]?[0]?["@odata.type"] == nil)

        // Directory.Read.All is not enough: Graph's 403 for the reporting API.
        let directoryOnly = try await harness.token(clientId: Self.directoryOnlyApp, secret: "d1r", tenantId: Self.tenantId)
        for path in ["/v1.0/auditLogs/directoryAudits", "/beta/auditLogs/signIns", "/v1.0/auditLogs/signIns/abc"] {
            let denied = try await harness.send("GET", path, token: directoryOnly)
            #expect(denied.status == 403)
            #expect(denied.errorCode == "Authorization_RequestDenied")
            #expect(denied.errorMessage == "Insufficient privileges to complete the operation.")
        }
        // The log is read-only.
        #expect(try await harness.send("POST", "/v1.0/auditLogs/directoryAudits", json: [:], token: reader).status == 405)
        let state = try await harness.send("GET", "/_emulator/state")
        #expect(state.body?["directoryAudits"]?.arrayValue?.count == 1)
    }
}

extension Harness {
    /// A client-credentials token for one of the seed's applications.
    func token(clientId: String, secret: String, tenantId: String) async throws -> String {
        let reply = try await form("/\(tenantId)/oauth2/v2.0/token", [
            "grant_type": "client_credentials", "client_id": clientId, "client_secret": secret, "scope": "https://graph.microsoft.com/.default",
        ])
        guard let token = reply.body?["access_token"]?.stringValue else { throw HarnessError(reply: reply) }
        return token
    }

    /// A delegated token for `user` through the device code flow with the Azure CLI's public client
    /// (its scopes are the default application's permissions).
    func delegatedToken(tenantId: String, user: String) async throws -> String {
        let azureCLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
        let start = try await form("/\(tenantId)/oauth2/v2.0/devicecode",
                                   ["client_id": azureCLI, "scope": "https://graph.microsoft.com/.default offline_access"])
        guard let deviceCode = start.body?["device_code"]?.stringValue, let userCode = start.body?["user_code"]?.stringValue else {
            throw HarnessError(reply: start)
        }
        let approval = try await send("POST", "/_emulator/devicelogin", json: ["user_code": .string(userCode), "user": .string(user), "decision": "approve"])
        guard approval.status == 200 else { throw HarnessError(reply: approval) }
        let granted = try await form("/\(tenantId)/oauth2/v2.0/token", [
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": azureCLI, "device_code": deviceCode,
        ])
        guard let token = granted.body?["access_token"]?.stringValue else { throw HarnessError(reply: granted) }
        return token
    }
}
