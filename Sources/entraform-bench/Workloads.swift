#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GraphEmulator
import PolicyEvaluation
import PolicyModel

/// A generated benchmark input: the emulator's tenant (seed document) and the configuration
/// directory in entraform's language (names, not ids), as relative path → file text.
struct GeneratedWorkload {
    var seed: JSONValue
    var files: [String: String]
    /// The declared policies as Graph bodies (ids, not names), where a row evaluates them in process.
    var declaredPolicies: [JSONValue] = []

    /// Writes the configuration under `directory/config` and the seed as `directory/tenant.json`
    /// (what `entraform-bench write-workload` leaves for commands run by hand).
    func write(to directory: URL, seedFile: Bool = true) throws {
        for (path, text) in files {
            let url = directory.appendingPathComponent("config").appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        if seedFile { try seed.serialized().write(to: directory.appendingPathComponent("tenant.json")) }
    }
}

/// Choices over the package's deterministic generator (SplitMix64), so every run measures the same inputs.
struct Random {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(state: seed) }
    mutating func int(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }
    /// `count` distinct elements, in drawing order.
    mutating func sample<T>(_ values: [T], _ count: Int) -> [T] {
        var indices = Array(values.indices)
        for position in 0..<count { indices.swapAt(position, position + int(indices.count - position)) }
        return indices.prefix(count).map { values[$0] }
    }
    /// `count` distinct integers below `bound`, in drawing order (for a small count of a large range).
    mutating func distinct(_ count: Int, below bound: Int) -> [Int] {
        var chosen: [Int] = []
        while chosen.count < count {
            let value = int(bound)
            if !chosen.contains(value) { chosen.append(value) }
        }
        return chosen
    }

    /// A stable GUID-shaped id for a kind and index.
    static func guid(_ kind: String, _ index: Int) -> String {
        let hex = String(UInt32(truncatingIfNeeded: kind.unicodeScalars.reduce(5381) { ($0 << 5) &+ $0 &+ Int($1.value) }), radix: 16)
        let padded = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
        let tail = String(index, radix: 16)
        return "\(padded)-0000-4000-8000-\(String(repeating: "0", count: max(0, 12 - tail.count)))\(tail)"
    }
}

/// YAML and JSON spelling shared by the generators.
enum Spelling {
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
    /// A YAML flow sequence of double-quoted strings.
    static func yamlList(_ values: [String]) -> String { "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
    static func padded(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    /// Graph's timestamp form with seven fractional digits: `2026-12-06T05:00:00.0000000Z`.
    static func timestamp(_ secondsSince1970: Int) -> String {
        var seconds = time_t(secondsSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))T"
            + "\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2)).0000000Z"
    }
}

/// The plan benchmark (issue 5): 240 live policies referencing 500 distinct directory objects (200
/// users, 150 groups, 20 roles, 100 applications, 30 named locations) and the configuration that
/// declares them by name, so a plan shows no changes, or `changed` updates (a different grant control).
enum PlanWorkload {
    static let controls = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication"]

    static func make(policies count: Int = 240, changed: Int = 0) -> GeneratedWorkload {
        var random = Random(seed: 195)
        let users = (0..<200).map { index -> JSONValue in
            ["id": .string(Random.guid("user", index)), "userPrincipalName": .string("user\(Spelling.padded(index, 3))@bench.example"),
             "displayName": .string("User \(Spelling.padded(index, 3))"), "accountEnabled": true, "userType": "Member"]
        }
        let groups = (0..<150).map { index -> JSONValue in
            ["id": .string(Random.guid("group", index)), "displayName": .string("Bench Group \(Spelling.padded(index, 3))"),
             "members": [.string(Random.guid("user", index % 200))]]
        }
        let roles = Array(EmulatorServer.builtInRoles.prefix(20))
        let applications = (0..<100).map { index -> JSONValue in
            ["id": .string(Random.guid("sp", index)), "appId": .string(Random.guid("app", index)),
             "displayName": .string("Bench App \(Spelling.padded(index, 3))")]
        }
        let locations = (0..<30).map { index -> JSONValue in
            ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(Random.guid("location", index)),
             "displayName": .string("Bench Location \(Spelling.padded(index, 2))"), "isTrusted": false,
             "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": .string("10.\(index).0.0/16")]],
             "createdDateTime": "2026-01-01T00:00:00Z", "modifiedDateTime": "2026-01-01T00:00:00Z"]
        }
        func text(_ object: JSONValue, _ key: String) -> String { object[key]?.stringValue ?? "" }

        var live: [JSONValue] = []
        var documents: [String] = []
        for index in 0..<count {
            let user = random.sample(users, 2), group = random.sample(groups, 3), role = random.sample(roles, 1)[0]
            let application = random.sample(applications, 2), location = random.sample(locations, 2)
            let control = controls[index % 4]
            let declaredControl = index < changed ? controls[(index + 1) % 4] : control
            let name = "BENCH\(Spelling.padded(index, 3)) - Generated policy \(index)"
            let id = Random.guid("policy", index)
            live.append([
                "id": .string(id), "displayName": .string(name), "state": "enabled", "createdDateTime": "2026-01-01T00:00:00Z",
                "modifiedDateTime": .null, "templateId": .null,
                "conditions": [
                    "users": ["includeUsers": [user[0]["id"]!], "excludeUsers": [user[1]["id"]!],
                              "includeGroups": [group[0]["id"]!, group[1]["id"]!], "excludeGroups": [group[2]["id"]!],
                              "includeRoles": [.string(role.id)], "excludeRoles": [],
                              "includeGuestsOrExternalUsers": .null, "excludeGuestsOrExternalUsers": .null],
                    "applications": ["includeApplications": [application[0]["appId"]!], "excludeApplications": [application[1]["appId"]!],
                                     "includeUserActions": [], "includeAuthenticationContextClassReferences": [], "applicationFilter": .null],
                    "clientAppTypes": ["all"], "platforms": .null,
                    "locations": ["includeLocations": [location[0]["id"]!], "excludeLocations": [location[1]["id"]!]],
                    "signInRiskLevels": [], "userRiskLevels": [], "devices": .null, "clientApplications": .null,
                ],
                "grantControls": ["operator": "OR", "builtInControls": [.string(control)], "customAuthenticationFactors": [],
                                  "termsOfUse": [], "authenticationStrength": .null],
                "sessionControls": .null,
            ])
            documents.append("""
                kind: ConditionalAccessPolicy
                id: \(id)
                displayName: \(name)
                state: enabled
                conditions:
                  users:
                    includeUsers: [\(text(user[0], "userPrincipalName"))]
                    excludeUsers: [\(text(user[1], "userPrincipalName"))]
                    includeGroups: [\(text(group[0], "displayName")), \(text(group[1], "displayName"))]
                    excludeGroups: [\(text(group[2], "displayName"))]
                    includeRoles: [\(role.displayName)]
                  applications:
                    includeApplications: [\(text(application[0], "displayName"))]
                    excludeApplications: [\(text(application[1], "displayName"))]
                  locations:
                    includeLocations: [\(text(location[0], "displayName"))]
                    excludeLocations: [\(text(location[1], "displayName"))]
                grantControls:
                  builtInControls: [\(declaredControl)]

                """)
        }
        var files = ["entraform.yaml": "kind: Settings\nmanage: {namePrefix: BENCH}\n"]
        files["locations.yaml"] = locations.map { location in
            "kind: NamedLocation\nid: \(text(location, "id"))\ndisplayName: \(text(location, "displayName"))\n"
                + "ipRanges: [\(location["ipRanges"]?.arrayValue?.first?["cidrAddress"]?.stringValue ?? "")]\n"
        }.joined(separator: "\n---\n")
        for start in stride(from: 0, to: count, by: 5) {
            files["policies/bench\(Spelling.padded(start, 3)).yaml"] = documents[start..<min(count, start + 5)].joined(separator: "---\n")
        }
        let seed: JSONValue = ["tenantId": .string(Random.guid("tenant", 0)), "domains": ["bench.example"], "users": .array(users),
                               "groups": .array(groups), "servicePrincipals": .array(applications), "namedLocations": .array(locations),
                               "policies": .array(live)]
        return GeneratedWorkload(seed: seed, files: files)
    }
}

/// The impact benchmark (issue 12): a tenant of `users` users in `groups` groups (100 nested; the
/// policies name `namedGroups` of them, as a tenant's Conditional Access groups), role holders, named
/// locations and applications, whose 240 live policies mix every condition the engine partitions on;
/// the configuration holds the same policies with 12 of them changed, so `plan` has an impact to compute.
enum ImpactWorkload {
    static func make(users userCount: Int = 20_000, groups groupCount: Int = 2_000, namedGroups: Int = 60,
                     policies count: Int = 240, changed: Int = 12) -> GeneratedWorkload {
        var random = Random(seed: 12)
        let users = (0..<userCount).map { index -> JSONValue in
            ["id": .string(Random.guid("user", index)), "userPrincipalName": .string("user\(Spelling.padded(index, 5))@bench.example"),
             "displayName": .string("User \(Spelling.padded(index, 5))"), "accountEnabled": true,
             "userType": index % 50 == 0 ? "Guest" : "Member"]
        }
        let breakGlassId = Random.guid("breakglass", 0)
        let breakGlass: JSONValue = ["id": .string(breakGlassId), "displayName": "BENCH-BreakGlass",
                                     "members": [.string(Random.guid("user", 0)), .string(Random.guid("user", 1))]]
        var members = Array(repeating: [String](), count: groupCount)
        for index in 2..<max(2, userCount) {
            for group in random.distinct(3, below: groupCount) { members[group].append(Random.guid("user", index)) }
        }
        for group in 0..<min(100, groupCount / 2) { members[group].append(Random.guid("group", groupCount / 2 + group)) }
        let groupNames = (0..<groupCount).map { "Bench Group \(Spelling.padded($0, 4))" }
        let groups = (0..<groupCount).map { index -> JSONValue in
            ["id": .string(Random.guid("group", index)), "displayName": .string(groupNames[index]), "members": Spelling.strings(members[index])]
        }
        let roles = Array(EmulatorServer.builtInRoles.prefix(8))
        let roleAssignments = roles.map { role -> JSONValue in
            ["role": .string(role.displayName), "members": .array((0..<10).map { _ in .string(Random.guid("user", 2 + random.int(userCount - 2))) })]
        }
        let applications = (0..<60).map { index -> (id: String, appId: String, name: String) in
            (Random.guid("sp", index), Random.guid("app", index), "Bench App \(Spelling.padded(index, 2))")
        }
        var locations: [(id: String, name: String, json: JSONValue, yaml: String)] = (0..<20).map { index in
            let id = Random.guid("location", index), name = "Bench Office \(Spelling.padded(index, 2))"
            return (id, name,
                    ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(id), "displayName": .string(name), "isTrusted": .bool(index < 5),
                     "ipRanges": [["@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": .string("10.\(index).0.0/16")]]],
                    "ipRanges: [10.\(index).0.0/16]\nisTrusted: \(index < 5)\n")
        }
        let countriesId = Random.guid("countries", 0)
        locations.append((countriesId, "Bench Blocked Countries",
                          ["@odata.type": "#microsoft.graph.countryNamedLocation", "id": .string(countriesId), "displayName": "Bench Blocked Countries",
                           "countriesAndRegions": ["KP", "IR", "RU"], "includeUnknownCountriesAndRegions": true],
                          "countriesAndRegions: [KP, IR, RU]\nincludeUnknownCountriesAndRegions: true\n"))

        /// One policy's choices, drawn from its own generator so a changed policy is a fresh draw.
        func policy(_ index: Int, variant: Int) -> (json: JSONValue, yaml: String) {
            var draw = Random(seed: UInt64(index * 1_000 + variant))
            var userCondition: [String: JSONValue] = [:]
            var yamlUsers: [String] = []
            var excluded = [breakGlassId]
            var included: [Int] = []
            let kind = draw.int(100)
            if kind < 10 {
                userCondition["includeUsers"] = ["All"]
                yamlUsers.append("    includeUsers: [All]")
            } else if kind < 20 {
                let role = draw.pick(roles)
                userCondition["includeRoles"] = [.string(role.id)]
                yamlUsers.append("    includeRoles: \(Spelling.yamlList([role.displayName]))")
            } else {
                included = draw.sample(Array(0..<namedGroups), 1 + draw.int(2))
                userCondition["includeGroups"] = Spelling.strings(included.map { Random.guid("group", $0) })
                yamlUsers.append("    includeGroups: \(Spelling.yamlList(included.map { groupNames[$0] }))")
            }
            var excludedNames = ["BENCH-BreakGlass"]
            if draw.chance(30) {
                let group = draw.int(namedGroups)
                if !included.contains(group) {
                    excluded.append(Random.guid("group", group))
                    excludedNames.append(groupNames[group])
                }
            }
            userCondition["excludeGroups"] = Spelling.strings(excluded)
            yamlUsers.append("    excludeGroups: \(Spelling.yamlList(excludedNames))")

            let applicationKind = draw.int(100)
            let chosen = applicationKind < 50 ? [] : draw.sample(applications, 1 + draw.int(2))
            let includeApplications = applicationKind < 40 ? ["All"] : applicationKind < 50 ? ["Office365"] : chosen.map(\.appId)
            let applicationNames = applicationKind < 50 ? includeApplications : chosen.map(\.name)
            var clientAppTypes = draw.chance(15) ? draw.sample(["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"], 2) : ["all"]
            var conditions: [String: JSONValue] = ["users": .object(userCondition),
                                                   "applications": ["includeApplications": Spelling.strings(includeApplications)]]
            var yaml = ["  users:"] + yamlUsers + ["  applications:", "    includeApplications: \(Spelling.yamlList(applicationNames))"]
            var platforms: [String]?
            if draw.chance(20) { platforms = draw.sample(["android", "iOS", "windows", "macOS"], 2) }
            var excludedLocation: (id: String, name: String)?
            if draw.chance(30) {
                let location = draw.pick(locations)
                excludedLocation = (location.id, location.name)
            }
            var signInRisk: [String]?
            if draw.chance(15) { signInRisk = draw.chance(50) ? ["high"] : ["medium", "high"] }
            let grant = draw.pick(["mfa", "mfa", "compliantDevice", "block"])
            if grant == "block" {  // blocks target legacy clients or high risk, as real tenants' do
                if draw.chance(50) { clientAppTypes = ["exchangeActiveSync", "other"] } else { signInRisk = ["high"] }
            }
            let state = draw.chance(20) ? "enabledForReportingButNotEnforced" : "enabled"
            conditions["clientAppTypes"] = Spelling.strings(clientAppTypes)
            yaml.append("  clientAppTypes: \(Spelling.yamlList(clientAppTypes))")
            if let platforms {
                conditions["platforms"] = ["includePlatforms": Spelling.strings(platforms)]
                yaml += ["  platforms:", "    includePlatforms: \(Spelling.yamlList(platforms))"]
            }
            if let excludedLocation {
                conditions["locations"] = ["includeLocations": ["All"], "excludeLocations": [.string(excludedLocation.id)]]
                yaml += ["  locations:", "    includeLocations: [All]", "    excludeLocations: \(Spelling.yamlList([excludedLocation.name]))"]
            }
            if let signInRisk {
                conditions["signInRiskLevels"] = Spelling.strings(signInRisk)
                yaml.append("  signInRiskLevels: \(Spelling.yamlList(signInRisk))")
            }
            let id = Random.guid("policy", index), name = "BENCH\(Spelling.padded(index, 3)) - Generated policy \(index)"
            let json: JSONValue = ["id": .string(id), "displayName": .string(name), "state": .string(state), "conditions": .object(conditions),
                                   "grantControls": ["operator": "OR", "builtInControls": [.string(grant)]], "sessionControls": .null]
            let text = (["kind: ConditionalAccessPolicy", "id: \(id)", "displayName: \(name)", "state: \(state)", "conditions:"] + yaml
                + ["grantControls:", "  operator: OR", "  builtInControls: [\(grant)]"]).joined(separator: "\n") + "\n"
            return (json, text)
        }

        let changedPolicies = Set(random.distinct(changed, below: count))
        var live: [JSONValue] = []
        var declared: [String] = []
        var declaredPolicies: [JSONValue] = []
        for index in 0..<count {
            let current = policy(index, variant: 0)
            let planned = changedPolicies.contains(index) ? policy(index, variant: 1) : current
            live.append(current.json)
            declared.append(planned.yaml)
            declaredPolicies.append(planned.json)
        }
        var files = ["entraform.yaml": "kind: Settings\nmanage: {namePrefix: BENCH}\nemergencyAccess:\n  groups: [BENCH-BreakGlass]\n"]
        files["locations.yaml"] = locations.map { "kind: NamedLocation\nid: \($0.id)\ndisplayName: \($0.name)\n\($0.yaml)" }.joined(separator: "---\n")
        for start in stride(from: 0, to: count, by: 10) {
            files["policies/bench\(Spelling.padded(start, 3)).yaml"] = declared[start..<min(count, start + 10)].joined(separator: "---\n")
        }
        let seed: JSONValue = [
            "tenantId": .string(Random.guid("tenant", 0)), "domains": ["bench.example"], "users": .array(users),
            "groups": .array([breakGlass] + groups), "roleAssignments": .array(roleAssignments),
            "servicePrincipals": .array(applications.map { ["id": .string($0.id), "appId": .string($0.appId), "displayName": .string($0.name)] }),
            "namedLocations": .array(locations.map(\.json)), "policies": .array(live),
        ]
        return GeneratedWorkload(seed: seed, files: files, declaredPolicies: declaredPolicies)
    }

    /// The seed's users as the impact analysis sees them: their transitive groups (nested groups
    /// followed), the roles they hold, and guests as B2B collaboration guests, as `plan` reads them
    /// from the directory.
    static func subjects(of seed: JSONValue) -> [SignInSubject] {
        var members: [String: [String]] = [:]
        for group in seed["groups"]?.arrayValue ?? [] {
            guard let id = group["id"]?.stringValue?.lowercased() else { continue }
            members[id] = (group["members"]?.stringArray ?? []).map { $0.lowercased() }
        }
        var groupsOf: [String: Set<String>] = [:]
        for group in members.keys {
            var seen: Set<String> = [group]
            var pending = [group]
            while let next = pending.popLast() {
                for member in members[next] ?? [] where seen.insert(member).inserted {
                    if members[member] != nil { pending.append(member) } else { groupsOf[member, default: []].insert(group) }
                }
            }
        }
        let roleIds = Dictionary(EmulatorServer.builtInRoles.map { ($0.displayName, $0.id.lowercased()) }, uniquingKeysWith: { first, _ in first })
        var rolesOf: [String: Set<String>] = [:]
        for assignment in seed["roleAssignments"]?.arrayValue ?? [] {
            guard let role = assignment["role"]?.stringValue.flatMap({ roleIds[$0] }) else { continue }
            for holder in assignment["members"]?.stringArray ?? [] { rolesOf[holder.lowercased(), default: []].insert(role) }
        }
        return (seed["users"]?.arrayValue ?? []).compactMap { user in
            guard let id = user["id"]?.stringValue?.lowercased(), user["accountEnabled"]?.boolValue != false else { return nil }
            return SignInSubject(user: id, label: user["userPrincipalName"]?.stringValue ?? id, groupIds: groupsOf[id] ?? [],
                                 roleTemplateIds: rolesOf[id] ?? [],
                                 externalUserType: user["userType"]?.stringValue == "Guest" ? .b2bCollaborationGuest : nil)
        }
    }
}

/// The risk benchmark (issue 6): `users` risky users and `detections` risk detections spread over
/// the 30 days before `now` (the rules' `detectedWithin` windows count back from the present), and
/// five risk-response rules (none acts against another on a user: conflicting actions are errors).
enum RiskWorkload {
    static let riskEventTypes = ["unfamiliarFeatures", "anonymizedIPAddress", "leakedCredentials", "unlikelyTravel", "passwordSpray",
                                 "maliciousIPAddress", "newCountry", "suspiciousInboxForwarding", "anomalousToken", "attackerinTheMiddle"]
    static let levels = ["low", "medium", "high"]

    static func make(users userCount: Int = 20_000, detections detectionCount: Int = 100_000, now: Int) -> GeneratedWorkload {
        var random = Random(seed: 20_000)
        let hour = now - now % 3_600
        let users = (0..<userCount).map { index -> (id: String, upn: String, name: String) in
            (Random.guid("user", index), "risk\(Spelling.padded(index, 5))@bench.example", "Risk User \(Spelling.padded(index, 5))")
        }
        let departments = (0..<20).map { department -> JSONValue in
            ["id": .string(Random.guid("department", department)), "displayName": .string("Department \(Spelling.padded(department, 2))"),
             "members": Spelling.strings(stride(from: department, to: userCount, by: 20).map { users[$0].id })]
        }
        let staff: JSONValue = ["id": .string(Random.guid("staff", 0)), "displayName": "All Staff",
                                "members": .array(departments.map { $0["id"]! })]
        let riskyUsers = users.map { user -> JSONValue in
            let draw = Double(random.int(1_000_000)) / 1_000_000
            return ["id": .string(user.id), "isDeleted": false, "isProcessing": false, "riskLevel": .string(levels[min(2, Int(draw * draw * 3))]),
                    "riskState": random.chance(90) ? "atRisk" : "remediated", "riskDetail": "none",
                    "riskLastUpdatedDateTime": .string(Spelling.timestamp(hour - 60 * random.int(43_200))),
                    "userDisplayName": .string(user.name), "userPrincipalName": .string(user.upn)]
        }
        let detections = (0..<detectionCount).map { index -> JSONValue in
            let user = index < userCount ? users[index] : users[random.int(userCount)]
            let when = Spelling.timestamp(hour - random.int(30 * 86_400))
            let hex = String(UInt64(index) &* 0x9E37_79B9_7F4A_7C15, radix: 16)
            return [
                "id": .string(String(repeating: "0", count: 64 - hex.count) + hex), "requestId": .string(Random.guid("request", index)),
                "correlationId": .string(Random.guid("correlation", index)), "riskEventType": .string(random.pick(riskEventTypes)),
                "riskState": "atRisk", "riskLevel": .string(random.pick(levels)), "riskDetail": "none", "source": "IdentityProtection",
                "detectionTimingType": .string(random.pick(["realtime", "offline", "nearRealtime"])), "activity": "signin",
                "tokenIssuerType": "AzureAD", "ipAddress": .string("198.51.100.\(index % 250)"), "activityDateTime": .string(when),
                "detectedDateTime": .string(when), "lastUpdatedDateTime": .string(when), "userId": .string(user.id),
                "userDisplayName": .string(user.name), "userPrincipalName": .string(user.upn),
                "additionalInfo": "[{\"Key\": \"userAgent\", \"Value\": \"Mozilla/5.0\"}]",
                "location": ["city": "Amsterdam", "state": "Noord-Holland", "countryOrRegion": "NL",
                             "geoCoordinates": ["latitude": 52.37, "longitude": 4.89]],
            ]
        }
        let rules = [
            ("confirm-leaked", "when: {riskEventTypes: [leakedCredentials], detectionRiskLevels: [high], userRiskLevels: [medium, high], detectedWithin: 7d, riskStates: [atRisk], users: {includeGroups: [All Staff]}}\naction: confirmCompromised\napproval: required"),
            ("revoke-token-theft", "when: {riskEventTypes: [anomalousToken, attackerinTheMiddle], detectedWithin: 1d, riskStates: [atRisk]}\naction: revokeSignInSessions"),
            ("dismiss-low-unfamiliar", "when: {riskEventTypes: [unfamiliarFeatures], detectionRiskLevels: [low], userRiskLevels: [low], detectedWithin: 3d, riskStates: [atRisk]}\naction: dismiss\napproval: required"),
            ("confirm-malicious-ip-high", "when: {riskEventTypes: [maliciousIPAddress], detectionRiskLevels: [high], userRiskLevels: [high], detectedWithin: 14d, users: {includeGroups: [Department 01, Department 02]}}\naction: confirmCompromised\napproval: required"),
            ("revoke-spray", "when: {riskEventTypes: [passwordSpray], detectionRiskLevels: [medium, high], detectedWithin: 2d, riskStates: [atRisk]}\naction: revokeSignInSessions"),
        ]
        let seed: JSONValue = [
            "tenantId": .string(Random.guid("tenant", 0)), "domains": ["bench.example"],
            "users": .array(users.map { ["id": .string($0.id), "userPrincipalName": .string($0.upn), "displayName": .string($0.name),
                                         "accountEnabled": true, "userType": "Member"] }),
            "groups": .array(departments + [staff]), "riskyUsers": .array(riskyUsers), "riskDetections": .array(detections),
        ]
        let text = rules.map { "kind: RiskResponseRule\nname: \($0.0)\n\($0.1)\nmaxActionsPerRun: 10000\n" }.joined(separator: "\n---\n")
        return GeneratedWorkload(seed: seed, files: ["rules.yaml": text])
    }
}

/// The validate benchmark (issue 2): 1,000 policies in 200 files below 10 folders, every condition
/// and session control the language has (validate is offline: nothing is resolved).
enum ValidateWorkload {
    static func make(files fileCount: Int = 200) -> GeneratedWorkload {
        let controls = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication"]
        var files: [String: String] = [:]
        for file in 0..<fileCount {
            let documents = (0..<5).map { offset -> String in
                let index = file * 5 + offset
                return """
                    kind: ConditionalAccessPolicy
                    displayName: CA\(Spelling.padded(index, 4)) - Generated policy \(index)
                    state: \(index % 3 == 0 ? "enabledForReportingButNotEnforced" : "enabled")
                    conditions:
                      users:
                        includeUsers: [All]
                        excludeUsers: [breakglass1@contoso.onmicrosoft.com]
                        excludeGroups: [CA-BreakGlass, Group \(index % 40)]
                        includeRoles: [Global Administrator]
                      applications:
                        includeApplications: [All]
                        excludeApplications: [Microsoft Intune Enrollment]
                      clientAppTypes: [browser, mobileAppsAndDesktopClients]
                      platforms: {includePlatforms: [all], excludePlatforms: [iOS, android]}
                      locations: {includeLocations: [All], excludeLocations: [AllTrusted, Corporate HQ]}
                      signInRiskLevels: [high, medium]
                      devices:
                        deviceFilter: {mode: exclude, rule: 'device.isCompliant -eq True -and device.trustType -eq "ServerAD"'}
                    grantControls:
                      operator: OR
                      builtInControls: [\(controls[index % 4])]
                    sessionControls:
                      signInFrequency: {value: \(index % 23 + 1), type: hours}
                      persistentBrowser: {mode: never}

                    """
            }
            files["dir\(file % 10)/policies\(Spelling.padded(file, 3)).yaml"] = documents.joined(separator: "---\n")
        }
        return GeneratedWorkload(seed: [:], files: files)
    }
}
