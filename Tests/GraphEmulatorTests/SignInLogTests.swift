import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// `POST /_emulator/signIns` evaluates a sign-in against the tenant's live policies with the engine and
/// records it in Graph's `signIn` shape; `GET /auditLogs/signIns` lists the log.
@Suite("Sign-in log", .emulatorScope)
struct SignInLogTests {
    static let alice = "a11ce000-0000-4000-8000-000000000001"
    static let bob = "b0b00000-0000-4000-8000-000000000002"
    static let exchange = "00000002-0000-0ff1-ce00-000000000000"
    static let portal = "c0de0000-0000-4000-8000-00000000a001"
    static let finance = "c0de0000-0000-4000-8000-00000000a002"
    static let wiki = "c0de0000-0000-4000-8000-00000000a003"
    static let prefer = ["Prefer": "include-unknown-enum-members"]

    static func policy(_ id: Int, _ name: String, state: String = "enabled", apps: [String] = ["All"], clientAppTypes: [String] = ["all"],
                       grant: [String], signInRisk: [String] = []) -> JSONValue {
        ["id": .string("11111111-0000-4000-8000-00000000000\(id)"), "displayName": .string(name), "state": .string(state),
         "conditions": ["users": ["includeUsers": ["All"]], "applications": ["includeApplications": .array(apps.map(JSONValue.string))],
                        "clientAppTypes": .array(clientAppTypes.map(JSONValue.string)), "signInRiskLevels": .array(signInRisk.map(JSONValue.string))],
         "grantControls": ["operator": "OR", "builtInControls": .array(grant.map(JSONValue.string))]]
    }

    static let policies: [JSONValue] = [
        policy(1, "MFA for Exchange", apps: [exchange], grant: ["mfa"]),
        policy(2, "Block legacy authentication", clientAppTypes: ["exchangeActiveSync", "other"], grant: ["block"]),
        policy(3, "Old block", state: "disabled", grant: ["block"]),
        policy(4, "Compliant device for Portal", apps: [portal], grant: ["compliantDevice"]),
        policy(5, "RO: compliant device for Exchange", state: "enabledForReportingButNotEnforced", apps: [exchange], grant: ["compliantDevice"]),
        policy(6, "RO: MFA for Portal", state: "enabledForReportingButNotEnforced", apps: [portal], grant: ["mfa"]),
        policy(7, "RO: block legacy", state: "enabledForReportingButNotEnforced", clientAppTypes: ["exchangeActiveSync", "other"], grant: ["block"]),
        policy(8, "Block Finance", apps: [finance], grant: ["block"]),
    ]

    static func seed(policies: [JSONValue] = policies) -> JSONValue {
        ["users": [["id": .string(alice), "userPrincipalName": "alice@contoso.com", "displayName": "Alice Example"],
                   ["id": .string(bob), "userPrincipalName": "bob@contoso.com", "displayName": "Bob Example", "userType": "Guest"]],
         "servicePrincipals": [["appId": .string(exchange), "displayName": "Office 365 Exchange Online"],
                               ["appId": .string(portal), "displayName": "Contoso Portal"],
                               ["appId": .string(finance), "displayName": "Contoso Finance"],
                               ["appId": .string(wiki), "displayName": "Contoso Wiki"]],
         "applications": [
            ["clientId": .string(EmulatorDefaults.clientId), "secret": "s", "permissions": .array(BuiltIns.defaultPermissions.map(JSONValue.string))],
            ["clientId": .string(logReader), "secret": "x", "permissions": ["AuditLog.Read.All"]],
         ],
         "policies": .array(policies)]
    }

    /// An application that may read the logs but not conditional access data.
    static let logReader = "4b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


    /// One emulated sign-in and what the log must say about it.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: JSONValue
        var errorCode: Int
        var conditionalAccessStatus: String
        /// Policy display name → result (policies not named: notApplied / reportOnlyNotApplied / notEnabled as their state says).
        var results: [String: String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "MFA done: success, report-only compliant device fails", body: ["user": "alice@contoso.com", "app": .string(exchange), "mfa": true],
             errorCode: 0, conditionalAccessStatus: "success",
             results: ["MFA for Exchange": "success", "RO: compliant device for Exchange": "reportOnlyFailure"]),
        Case(name: "MFA not done: 50074", body: ["user": "alice@contoso.com", "app": "Office 365 Exchange Online", "mfa": false],
             errorCode: 50074, conditionalAccessStatus: "failure",
             results: ["MFA for Exchange": "failure", "RO: compliant device for Exchange": "reportOnlyFailure"]),
        Case(name: "Device not compliant: 53000, report-only MFA interrupted",
             body: ["user": .string(alice), "app": .string(portal), "mfa": false, "compliantDevice": false],
             errorCode: 53000, conditionalAccessStatus: "failure",
             results: ["Compliant device for Portal": "failure", "RO: MFA for Portal": "reportOnlyInterrupted"]),
        Case(name: "Compliant device and MFA: success, report-only success",
             body: ["user": "alice@contoso.com", "app": .string(portal), "mfa": true, "compliantDevice": true],
             errorCode: 0, conditionalAccessStatus: "success",
             results: ["Compliant device for Portal": "success", "RO: MFA for Portal": "reportOnlySuccess"]),
        Case(name: "Blocked app: 53003", body: ["user": "alice@contoso.com", "app": "contoso finance", "mfa": true],
             errorCode: 53003, conditionalAccessStatus: "failure", results: ["Block Finance": "failure"]),
        Case(name: "Legacy client blocked, report-only block fails",
             body: ["user": "bob@contoso.com", "app": .string(exchange), "mfa": false, "clientAppType": "exchangeActiveSync"],
             errorCode: 53003, conditionalAccessStatus: "failure",
             results: ["MFA for Exchange": "failure", "Block legacy authentication": "failure", "RO: compliant device for Exchange": "reportOnlyFailure",
                       "RO: block legacy": "reportOnlyFailure"]),
        Case(name: "No policy applies: notApplied", body: ["user": "alice@contoso.com", "app": .string(wiki), "mfa": false],
             errorCode: 0, conditionalAccessStatus: "notApplied", results: [:]),
    ]

    @Test(arguments: cases)
    func eachPolicyResultKind(_ row: Case) async throws {
        let harness = try await Harness.seeded(Self.seed())
        let reply = try await harness.send("POST", "/_emulator/signIns", json: row.body)
        #expect(reply.status == 201, "\(String(decoding: reply.data, as: UTF8.self))")
        let signIn = try #require(reply.body)
        #expect(signIn["status"]?["errorCode"]?.intValue == row.errorCode)
        #expect(signIn["conditionalAccessStatus"]?.stringValue == row.conditionalAccessStatus)
        var expected: [String: String] = [:]
        for policy in Self.policies {
            let name = policy["displayName"]!.stringValue!
            let state = policy["state"]!.stringValue!
            expected[name] = row.results[name]
                ?? (state == "disabled" ? "notEnabled" : state == "enabled" ? "notApplied" : "reportOnlyNotApplied")
        }
        var actual: [String: String] = [:]
        for policy in signIn["appliedConditionalAccessPolicies"]?.arrayValue ?? [] {
            actual[policy["displayName"]?.stringValue ?? ""] = policy["result"]?.stringValue
        }
        #expect(actual == expected)

        // The log answers it the same way (evolvable results need the Prefer header).
        let token = try await harness.token()
        let listed = try await harness.send("GET", "/beta/auditLogs/signIns", headers: Self.prefer, token: token)
        #expect(listed.body?["value"]?[0]?["appliedConditionalAccessPolicies"] == signIn["appliedConditionalAccessPolicies"])
    }

    @Test func theRecordHasGraphsShapeInBothVersions() async throws {
        let time = ManualEmulatorClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        let harness = try await Harness.seeded(Self.seed()) { $0.clock = time.clock }
        let agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
        let reply = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.portal), "mfa": true, "compliantDevice": true, "ipAddress": "198.51.100.7",
            "country": "nl", "userAgent": .string(agent),
        ])
        let signIn = try #require(reply.body as JSONValue?)
        #expect(signIn["createdDateTime"] == "2027-01-15T08:00:00Z")
        #expect(signIn["userId"]?.stringValue == Self.alice)
        #expect(signIn["userPrincipalName"] == "alice@contoso.com")
        #expect(signIn["userDisplayName"] == "Alice Example")
        #expect(signIn["appId"]?.stringValue == Self.portal)
        #expect(signIn["appDisplayName"] == "Contoso Portal")
        #expect(signIn["ipAddress"] == "198.51.100.7")
        #expect(signIn["clientAppUsed"] == "Browser")
        #expect(signIn["isInteractive"] == true)
        #expect(signIn["location"]?["countryOrRegion"] == "NL")
        #expect(signIn["deviceDetail"]?["operatingSystem"] == "Windows")
        #expect(signIn["deviceDetail"]?["browser"] == "Edge 120.0.2210.91")
        #expect(signIn["deviceDetail"]?["isCompliant"] == true)
        #expect(signIn["deviceDetail"]?["trustType"] == "Azure AD joined")
        let success: JSONValue = ["errorCode": 0, "failureReason": .null, "additionalDetails": .null]
        #expect(signIn["status"] == success)
        #expect(signIn["riskLevelDuringSignIn"] == "none" && signIn["riskState"] == "none" && signIn["riskDetail"] == "none")
        #expect(signIn["riskEventTypes_v2"] == [])
        #expect(signIn["authenticationRequirement"] == "singleFactorAuthentication")
        let compliant = signIn["appliedConditionalAccessPolicies"]?.arrayValue?.first { $0["displayName"] == "Compliant device for Portal" }
        #expect(compliant == ["id": "11111111-0000-4000-8000-000000000004", "displayName": "Compliant device for Portal",
                              "enforcedGrantControls": ["RequireCompliantDevice"], "enforcedSessionControls": [], "result": "success"])
        let reportOnly = signIn["appliedConditionalAccessPolicies"]?.arrayValue?.first { $0["displayName"] == "RO: MFA for Portal" }
        #expect(reportOnly?["enforcedGrantControls"] == ["Mfa"])

        let mfa = try await harness.send("POST", "/_emulator/signIns", json: ["user": "alice@contoso.com", "app": .string(Self.exchange), "mfa": true])
        #expect(mfa.body?["authenticationRequirement"] == "multiFactorAuthentication")
        #expect(mfa.body?["status"]?["additionalDetails"] == "MFA completed in Azure AD")

        let token = try await harness.token()
        let v1 = try await harness.send("GET", "/v1.0/auditLogs/signIns/\(try #require(signIn["id"]?.stringValue))", token: token)
        #expect(v1.status == 200)
        #expect(v1.body?["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns/$entity")
        #expect(v1.body?["authenticationRequirement"] == nil && v1.body?["signInEventTypes"] == nil)
        // Report-only results are evolvable members: unknownFutureValue without the Prefer header.
        let hidden = v1.body?["appliedConditionalAccessPolicies"]?.arrayValue?.first { $0["displayName"] == "RO: MFA for Portal" }
        #expect(hidden?["result"] == "unknownFutureValue")
        let beta = try await harness.send("GET", "/beta/auditLogs/signIns/\(try #require(signIn["id"]?.stringValue))", headers: Self.prefer, token: token)
        #expect(beta.body?["authenticationRequirement"] == "singleFactorAuthentication")
        #expect(beta.body?["signInEventTypes"] == ["interactiveUser"])
        #expect(try await harness.send("GET", "/v1.0/auditLogs/signIns/00000000-0000-4000-8000-00000000beef", token: token).status == 404)
    }

    @Test func aRiskySignInCreatesADetectionAndARiskyUser() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let reply = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": false, "ipAddress": "185.220.101.1",
            "riskEventTypes": ["anonymizedIPAddress"],
        ])
        #expect(reply.status == 201)
        let signIn = try #require(reply.body)
        #expect(signIn["riskLevelDuringSignIn"] == "medium")
        #expect(signIn["riskLevelAggregated"] == "medium")
        #expect(signIn["riskState"] == "atRisk")
        #expect(signIn["riskDetail"] == "none")
        #expect(signIn["riskEventTypes_v2"] == ["anonymizedIPAddress"])

        let token = try await harness.token()
        let detections = try await harness.send("GET", "/v1.0/identityProtection/riskDetections", token: token).body?["value"]?.arrayValue ?? []
        #expect(detections.count == 1)
        let detection = try #require(detections.first)
        #expect(detection["riskEventType"] == "anonymizedIPAddress")
        #expect(detection["riskLevel"] == "medium")
        #expect(detection["riskState"] == "atRisk")
        #expect(detection["detectionTimingType"] == "realtime")
        #expect(detection["activity"] == "signin")
        #expect(detection["userId"]?.stringValue == Self.alice)
        #expect(detection["userPrincipalName"] == "alice@contoso.com")
        #expect(detection["ipAddress"] == "185.220.101.1")
        #expect(detection["requestId"] == signIn["id"])
        #expect(detection["correlationId"] == signIn["correlationId"])
        let risky = try await harness.send("GET", "/v1.0/identityProtection/riskyUsers/\(Self.alice)", token: token)
        #expect(risky.body?["riskState"] == "atRisk")
        #expect(risky.body?["riskLevel"] == "medium")

        // Leaked credentials are always high; the user's risk rises with it.
        _ = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": false, "riskEventTypes": ["leakedCredentials", "unfamiliarFeatures"],
        ])
        let riskier = try await harness.send("GET", "/v1.0/identityProtection/riskyUsers/\(Self.alice)", token: token)
        #expect(riskier.body?["riskLevel"] == "high")
        let levels = try await harness.send("GET", "/v1.0/identityProtection/riskDetections?$filter=riskEventType%20eq%20'leakedCredentials'",
                                            token: token)
        #expect(levels.body?["value"]?[0]?["riskLevel"] == "high")
        #expect(levels.body?["value"]?[0]?["detectionTimingType"] == "offline")
    }

    @Test func mfaUnderASignInRiskPolicyRemediates() async throws {
        let riskPolicy = Self.policy(9, "MFA for risky sign-ins", grant: ["mfa"], signInRisk: ["medium", "high"])
        let harness = try await Harness.seeded(Self.seed(policies: [riskPolicy]))
        let token = try await harness.token()

        // Without MFA: interrupted, at risk.
        let failed = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": false, "riskEventTypes": ["unlikelyTravel"],
        ])
        #expect(failed.body?["status"]?["errorCode"] == 50074)
        #expect(failed.body?["riskState"] == "atRisk")

        // A low-risk sign-in is outside the policy: nothing is remediated by MFA done anyway.
        let low = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": true, "riskEventTypes": ["malwareInfectedIPAddress"],
        ])
        #expect(low.body?["riskLevelDuringSignIn"] == "low")
        #expect(low.body?["conditionalAccessStatus"] == "notApplied")
        #expect(low.body?["riskState"] == "atRisk")

        // With MFA: the policy is met and the sign-in's risk remediated.
        let passed = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": true, "riskEventTypes": ["anonymizedIPAddress"],
        ])
        let signIn = try #require(passed.body)
        #expect(signIn["status"]?["errorCode"] == 0)
        #expect(signIn["conditionalAccessStatus"] == "success")
        #expect(signIn["riskState"] == "remediated")
        #expect(signIn["riskDetail"] == "userPassedMFADrivenByRiskBasedPolicy")
        let detections = try await harness.send("GET", "/v1.0/identityProtection/riskDetections?$filter=riskEventType%20eq%20'anonymizedIPAddress'",
                                                token: token)
        #expect(detections.body?["value"]?[0]?["riskState"] == "remediated")
        #expect(detections.body?["value"]?[0]?["riskDetail"] == "userPassedMFADrivenByRiskBasedPolicy")
        // Two earlier detections remain at risk: the user stays at risk at their highest level.
        let risky = try await harness.send("GET", "/v1.0/identityProtection/riskyUsers/\(Self.alice)", token: token)
        #expect(risky.body?["riskState"] == "atRisk")
        #expect(risky.body?["riskLevel"] == "medium")

        // Bob's only risk is remediated: the risky user is remediated too.
        _ = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "bob@contoso.com", "app": .string(Self.wiki), "mfa": true, "signInRiskLevel": "high", "riskEventTypes": ["unfamiliarFeatures"],
        ])
        let bob = try await harness.send("GET", "/v1.0/identityProtection/riskyUsers/\(Self.bob)", token: token)
        #expect(bob.body?["riskState"] == "remediated")
        #expect(bob.body?["riskDetail"] == "userPassedMFADrivenByRiskBasedPolicy")
        #expect(bob.body?["riskLevel"] == "none")
    }

    /// The risk MFA policy is met, but another policy blocks the sign-in: the user never got through the
    /// prompt, so nothing is remediated (Identity Protection remediates when "users pass the required
    /// access control"; a blocked sign-in passes nothing).
    @Test func aBlockedSignInRemediatesNothing() async throws {
        let harness = try await Harness.seeded(Self.seed(policies: [
            Self.policy(1, "MFA for risky sign-ins", grant: ["mfa"], signInRisk: ["medium", "high"]),
            Self.policy(2, "Block high-risk sign-ins", grant: ["block"], signInRisk: ["high"]),
        ]))
        let token = try await harness.token()
        let blocked = try await harness.send("POST", "/_emulator/signIns", json: [
            "user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": true, "riskEventTypes": ["anonymizedIPAddress"], "signInRiskLevel": "high",
        ])
        let signIn = try #require(blocked.body)
        #expect(signIn["status"]?["errorCode"] == 53003)
        #expect(signIn["conditionalAccessStatus"] == "failure")
        let results = signIn["appliedConditionalAccessPolicies"]?.arrayValue?.map { "\($0["displayName"]?.stringValue ?? ""): \($0["result"]?.stringValue ?? "")" }
        #expect(results?.sorted() == ["Block high-risk sign-ins: failure", "MFA for risky sign-ins: success"])
        #expect(signIn["riskState"] == "atRisk")
        #expect(signIn["riskDetail"] == "none")
        let detections = try await harness.send("GET", "/v1.0/identityProtection/riskDetections", token: token)
        #expect(detections.body?["value"]?.arrayValue?.count == 1)
        #expect(detections.body?["value"]?[0]?["riskState"] == "atRisk")
        let risky = try await harness.send("GET", "/v1.0/identityProtection/riskyUsers/\(Self.alice)", token: token)
        #expect(risky.body?["riskState"] == "atRisk")
        #expect(risky.body?["riskLevel"] == "high")
    }

    @Test func unknownKeysUsersAndAppsAreRefusedClearly() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let typo = try await harness.send("POST", "/_emulator/signIns", json: ["user": "alice@contoso.com", "app": .string(Self.wiki), "mfaa": true])
        #expect(typo.status == 400)
        #expect(typo.errorMessage?.contains("Unknown property 'mfaa'") == true, "\(typo.errorMessage ?? "")")
        #expect(typo.errorMessage?.contains("did you mean 'mfa'?") == true)
        let unknownUser = try await harness.send("POST", "/_emulator/signIns", json: ["user": "nobody@contoso.com", "app": .string(Self.wiki), "mfa": true])
        #expect(unknownUser.status == 404)
        #expect(unknownUser.errorMessage?.contains("nobody@contoso.com") == true)
        let unknownApp = try await harness.send("POST", "/_emulator/signIns", json: ["user": "alice@contoso.com", "app": "Nope", "mfa": true])
        #expect(unknownApp.status == 404)
        #expect(unknownApp.errorMessage?.contains("'Nope'") == true)
        let noMFA = try await harness.send("POST", "/_emulator/signIns", json: ["user": "alice@contoso.com", "app": .string(Self.wiki)])
        #expect(noMFA.status == 400)
        let badLevel = try await harness.send("POST", "/_emulator/signIns",
                                              json: ["user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": true, "signInRiskLevel": "severe"])
        #expect(badLevel.status == 400)
        let token = try await harness.token()
        #expect(try await harness.send("GET", "/v1.0/auditLogs/signIns", token: token).body?["value"] == [])
    }

    @Test func listingFiltersPagesAndAnswersNewestFirst() async throws {
        let harness = try await Harness.seeded(Self.seed())
        let sequence: [(user: String, app: String, mfa: Bool, time: String)] = [
            ("alice@contoso.com", Self.exchange, true, "2027-01-10T08:00:00Z"),
            ("bob@contoso.com", Self.exchange, false, "2027-01-11T08:00:00Z"),
            ("alice@contoso.com", Self.wiki, false, "2027-01-12T08:00:00Z"),
            ("bob@contoso.com", Self.portal, true, "2027-01-13T08:00:00Z"),
            ("alice@contoso.com", Self.exchange, false, "2027-01-14T08:00:00Z"),
        ]
        for entry in sequence {
            let reply = try await harness.send("POST", "/_emulator/signIns", json: [
                "user": .string(entry.user), "app": .string(entry.app), "mfa": .bool(entry.mfa), "time": .string(entry.time),
            ])
            #expect(reply.status == 201)
        }
        let token = try await harness.token()
        func times(_ query: String) async throws -> [String] {
            let reply = try await harness.send("GET", "/v1.0/auditLogs/signIns\(query)", token: token)
            #expect(reply.status == 200, "\(query): \(String(decoding: reply.data, as: UTF8.self))")
            return (reply.body?["value"]?.arrayValue ?? []).map { String($0["createdDateTime"]?.stringValue?.prefix(10) ?? "") }
        }
        #expect(try await times("") == ["2027-01-14", "2027-01-13", "2027-01-12", "2027-01-11", "2027-01-10"])
        #expect(try await times("?$filter=createdDateTime%20ge%202027-01-11T08:00:00Z%20and%20createdDateTime%20lt%202027-01-13T08:00:00Z")
                == ["2027-01-12", "2027-01-11"])
        #expect(try await times("?$filter=createdDateTime%20gt%202027-01-13T08:00:00Z") == ["2027-01-14"])
        #expect(try await times("?$filter=createdDateTime%20le%202027-01-10T08:00:00Z") == ["2027-01-10"])
        #expect(try await times("?$filter=userPrincipalName%20eq%20'BOB@contoso.com'") == ["2027-01-13", "2027-01-11"])
        #expect(try await times("?$filter=startswith(userPrincipalName,'ali')") == ["2027-01-14", "2027-01-12", "2027-01-10"])
        #expect(try await times("?$filter=userId%20eq%20'\(Self.alice)'%20and%20appId%20eq%20'\(Self.exchange)'") == ["2027-01-14", "2027-01-10"])
        // Bob's portal sign-in has no compliant device: a failure too.
        #expect(try await times("?$filter=conditionalAccessStatus%20eq%20'failure'") == ["2027-01-14", "2027-01-13", "2027-01-11"])
        #expect(try await times("?$filter=conditionalAccessStatus%20eq%20'notApplied'%20and%20status/errorCode%20eq%200") == ["2027-01-12"])
        #expect(try await harness.send("GET", "/v1.0/auditLogs/signIns?$filter=conditionalAccessStatus%20eq%20'bogus'", token: token).status == 400)

        // Paging.
        let first = try await harness.send("GET", "/v1.0/auditLogs/signIns?$top=2", token: token)
        #expect(first.body?["value"]?.arrayValue?.count == 2)
        var next = first.body?["@odata.nextLink"]?.stringValue
        var seen = (first.body?["value"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        while let link = next {
            let page = try await harness.send("GET", link.replacingOccurrences(of: harness.baseURL.absoluteString, with: ""), token: token)
            seen += (page.body?["value"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            next = page.body?["@odata.nextLink"]?.stringValue
        }
        #expect(seen.count == 5 && Set(seen).count == 5)

        // Without permission to read conditional access data, the applied policies are left out.
        let reader = try await harness.token(clientId: Self.logReader, secret: "x", tenantId: harness.server.credentials.tenantId)
        let reply = try await harness.send("GET", "/v1.0/auditLogs/signIns?$top=1", token: reader)
        #expect(reply.status == 200)
        #expect(reply.body?["value"]?[0]?["appliedConditionalAccessPolicies"] == nil)
        #expect(reply.body?["value"]?[0]?["userId"] != nil)
    }

    @Test func seedsCarrySignInsResetClearsNewOnesAndStatePersistsThem() async throws {
        var seed = Self.seed()
        seed["signIns"] = [
            ["@odata.type": "#microsoft.graph.signIn", "id": "5eed0000-0000-4000-8000-000000000001", "createdDateTime": "2026-12-01T10:00:00+01:00",
             "userPrincipalName": "alice@contoso.com", "userId": .string(Self.alice), "appId": .string(Self.exchange),
             "conditionalAccessStatus": "success", "status": ["errorCode": 0]],
            ["id": "5eed0000-0000-4000-8000-000000000002", "createdDateTime": "2026-12-02T10:00:00Z", "userPrincipalName": "bob@contoso.com",
             "conditionalAccessStatus": "failure", "status": ["errorCode": 53003]],
        ]
        let harness = try await Harness.seeded(seed)
        let token = try await harness.token()
        let seeded = try await harness.send("GET", "/v1.0/auditLogs/signIns", token: token)
        #expect((seeded.body?["value"]?.arrayValue ?? []).map { $0["id"]?.stringValue ?? "" }
                == ["5eed0000-0000-4000-8000-000000000002", "5eed0000-0000-4000-8000-000000000001"])
        #expect(seeded.body?["value"]?[1]?["createdDateTime"] == "2026-12-01T09:00:00Z")
        #expect(seeded.body?["value"]?[1]?["@odata.type"] == nil)

        _ = try await harness.send("POST", "/_emulator/signIns", json: ["user": "alice@contoso.com", "app": .string(Self.wiki), "mfa": true])
        let state = try await harness.send("GET", "/_emulator/state")
        #expect(state.body?["signIns"]?.arrayValue?.count == 3)
        #expect(try await harness.send("POST", "/_emulator/reset").status == 204)
        let afterReset = try await harness.send("GET", "/v1.0/auditLogs/signIns", token: token)
        #expect(afterReset.body?["value"]?.arrayValue?.count == 2)
        let failures = try await harness.send("GET", "/v1.0/auditLogs/signIns?$filter=status/errorCode%20eq%2053003", token: token)
        #expect(failures.body?["value"]?.arrayValue?.count == 1)
    }

    @Test func workloadSignInsAreListedOnlyWhenAskedForAndDisabledUsersFailFirst() async throws {
        var seed = Self.seed(policies: [[
            "id": "11111111-0000-4000-8000-00000000000a", "displayName": "Block workloads", "state": "enabled",
            "conditions": ["clientApplications": ["includeServicePrincipals": ["ServicePrincipalsInMyTenant"]],
                           "applications": ["includeApplications": ["All"]], "clientAppTypes": ["all"]],
            "grantControls": ["operator": "OR", "builtInControls": ["block"]],
        ]])
        seed["users"] = [["id": .string(Self.alice), "userPrincipalName": "alice@contoso.com", "displayName": "Alice", "accountEnabled": false]]
        let harness = try await Harness.seeded(seed)
        let workload = try await harness.send("POST", "/_emulator/signIns", json: ["servicePrincipal": "Contoso Wiki", "app": .string(Self.exchange)])
        #expect(workload.status == 201, "\(String(decoding: workload.data, as: UTF8.self))")
        #expect(workload.body?["status"]?["errorCode"] == 53003)
        #expect(workload.body?["isInteractive"] == false)
        #expect(workload.body?["signInEventTypes"] == ["servicePrincipal"])
        #expect(workload.body?["servicePrincipalName"] == "Contoso Wiki")
        #expect(workload.body?["appliedConditionalAccessPolicies"]?[0]?["result"] == "failure")

        let disabled = try await harness.send("POST", "/_emulator/signIns", json: ["user": .string(Self.alice), "app": .string(Self.exchange), "mfa": true])
        #expect(disabled.body?["status"]?["errorCode"] == 50057)
        #expect(disabled.body?["conditionalAccessStatus"] == "notApplied")
        #expect(disabled.body?["appliedConditionalAccessPolicies"] == [])

        let token = try await harness.token()
        let v1 = try await harness.send("GET", "/v1.0/auditLogs/signIns", token: token)
        #expect((v1.body?["value"]?.arrayValue ?? []).map { $0["status"]?["errorCode"]?.intValue ?? -1 } == [50057])
        let beta = try await harness.send("GET", "/beta/auditLogs/signIns?$filter=signInEventTypes/any(t:%20t%20eq%20'servicePrincipal')", token: token)
        #expect((beta.body?["value"]?.arrayValue ?? []).map { $0["status"]?["errorCode"]?.intValue ?? -1 } == [53003])
    }

    @Test func theReportsPathsAreThrottledWithoutRetryAfter() async throws {
        let time = ManualEmulatorClock()
        let harness = try await Harness.seeded(Self.seed()) {
            $0.clock = time.clock
            $0.reportsRateLimit = 0.5
            $0.rateLimitBurst = 1
        }
        let token = try await harness.token()
        #expect(try await harness.send("GET", "/v1.0/auditLogs/signIns", token: token).status == 200)
        let throttled = try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: token)
        #expect(throttled.status == 429)
        #expect(throttled.errorCode == "TooManyRequests")
        #expect(throttled.header("Retry-After") == nil)
        // Other service classes are not affected.
        #expect(try await harness.send("GET", "/v1.0/identity/conditionalAccess/policies", token: token).status == 200)
        time.advance(by: .seconds(2))
        #expect(try await harness.send("GET", "/v1.0/auditLogs/directoryAudits", token: token).status == 200)
        let counts = try await harness.send("GET", "/_emulator/requests")
        #expect(counts.body?["throttled"]?["identityAndAccessReports"] == 1)
    }
}
