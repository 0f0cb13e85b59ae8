import Foundation
import PolicyModel

extension TenantState {
    /// Builds a tenant from a seed document, normalising raw Graph objects of any export shape.
    init(seed document: JSONValue) throws {
        let seed = document.objectValue ?? [:]
        self.init(tenantId: seed["tenantId"]?.stringValue ?? EmulatorDefaults.tenantId,
                  domains: seed["domains"]?.stringArray ?? ["contoso.onmicrosoft.com"])
        let now = GraphTimestamp.now()

        for raw in Self.objects(seed["users"]) {
            var user = raw
            let name = user["userPrincipalName"]?.stringValue ?? user["displayName"]?.stringValue ?? ""
            if user["id"]?.stringValue == nil { user["id"] = .string(StableIdentifier.guid(kind: "user", name: name)) }
            if user["displayName"] == nil { user["displayName"] = .string(name) }
            if user["userPrincipalName"] == nil {
                user["userPrincipalName"] = .string("\(name.replacingOccurrences(of: " ", with: "."))@\(domains.first ?? "contoso.onmicrosoft.com")")
            }
            if user["accountEnabled"] == nil { user["accountEnabled"] = true }
            if user["userType"] == nil { user["userType"] = "Member" }
            user["@odata.type"] = nil
            users.upsert(user)
        }

        for raw in Self.objects(seed["deletedUsers"]) where raw["id"]?.stringValue != nil { deletedUsers.upsert(raw) }

        var pendingMembers: [(group: String, members: [String])] = []
        for raw in Self.objects(seed["groups"]) {
            var group = raw
            let name = group["displayName"]?.stringValue ?? ""
            if group["id"]?.stringValue == nil { group["id"] = .string(StableIdentifier.guid(kind: "group", name: name)) }
            for (key, value) in [("securityEnabled", JSONValue.bool(true)), ("mailEnabled", false), ("groupTypes", []),
                                 ("description", .null), ("isAssignableToRole", .null)] where group[key] == nil {
                group[key] = value
            }
            if let members = group["members"] {
                let ids = members.stringArray ?? members.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                pendingMembers.append((group["id"]!.stringValue!, ids))
                group["members"] = nil
            }
            group["@odata.type"] = nil
            groups.upsert(group)
        }

        for raw in Self.objects(seed["servicePrincipals"]) {
            var principal = raw
            let appId = principal["appId"]?.stringValue ?? StableIdentifier.guid(kind: "appId", name: principal["displayName"]?.stringValue ?? "")
            principal["appId"] = .string(appId)
            if principal["id"]?.stringValue == nil { principal["id"] = .string(StableIdentifier.guid(kind: "servicePrincipal", name: appId)) }
            if principal["displayName"] == nil { principal["displayName"] = .string(appId) }
            if principal["accountEnabled"] == nil { principal["accountEnabled"] = true }
            if principal["servicePrincipalType"] == nil { principal["servicePrincipalType"] = "Application" }
            principal["@odata.type"] = nil
            servicePrincipals.upsert(principal)
        }

        // Members may be named by id, user principal name, group or service principal display name.
        for (group, members) in pendingMembers {
            groupMembers[group.lowercased()] = try members.map { try resolveMember($0, context: "group members") }
        }
        try loadRoleAssignments(seed["roleAssignments"])

        for raw in Self.objects(seed["namedLocations"]) { namedLocations.upsert(Self.normalizedNamedLocation(raw, now: now)) }
        for raw in Self.objects(seed["deletedNamedLocations"]) { deletedNamedLocations.upsert(Self.normalizedNamedLocation(raw, now: now)) }
        for raw in Self.objects(seed["authenticationStrengthPolicies"]) { registerStrength(raw) }
        for raw in Self.objects(seed["policies"]) { policies.upsert(normalizedPolicy(raw, now: now)) }
        for raw in Self.objects(seed["deletedPolicies"]) { deletedPolicies.upsert(normalizedPolicy(raw, now: now)) }

        for raw in Self.objects(seed["termsOfUse"]) {
            var agreement = raw
            if agreement["id"]?.stringValue == nil {
                agreement["id"] = .string(StableIdentifier.guid(kind: "agreement", name: agreement["displayName"]?.stringValue ?? ""))
            }
            for key in ["isViewingBeforeAcceptanceRequired", "isPerDeviceAcceptanceRequired", "userReacceptRequiredFrequency", "termsExpiration"]
            where agreement[key] == nil {
                agreement[key] = key.hasPrefix("is") ? false : .null
            }
            termsOfUse.upsert(agreement)
        }
        for raw in Self.objects(seed["authenticationContexts"]) {
            var context = raw
            if context["id"]?.stringValue == nil { context["id"] = .string("c\(authenticationContexts.count + 1)") }
            if context["description"] == nil { context["description"] = .null }
            if context["isAvailable"] == nil { context["isAvailable"] = false }
            authenticationContexts.upsert(context)
        }

        for raw in Self.objects(seed["riskyUsers"]) {
            var risky = raw
            if risky["id"]?.stringValue == nil, let upn = risky["userPrincipalName"]?.stringValue, let user = user(idOrUserPrincipalName: upn) {
                risky["id"] = user["id"]
            }
            guard let id = risky["id"]?.stringValue else { throw SeedError(description: "a risky user needs an id or a known userPrincipalName") }
            if let user = users.get(id) {
                if risky["userPrincipalName"] == nil { risky["userPrincipalName"] = user["userPrincipalName"] }
                if risky["userDisplayName"] == nil { risky["userDisplayName"] = user["displayName"] }
            }
            for (key, value) in [("isDeleted", JSONValue.bool(false)), ("isProcessing", false), ("riskDetail", "none"),
                                 ("riskState", "atRisk"), ("riskLevel", "low"), ("riskLastUpdatedDateTime", .string(now))]
            where risky[key] == nil {
                risky[key] = value
            }
            if let history = risky["history"]?.arrayValue { riskyUserHistory[id.lowercased()] = history.map { $0.strippingODataAnnotations() } }
            risky["history"] = nil
            riskyUsers.upsert(risky)
        }
        for raw in Self.objects(seed["riskDetections"]) { riskDetections.upsert(normalizedDetection(raw, now: now)) }
        for raw in Self.objects(seed["riskyServicePrincipals"]) {
            var risky = raw
            if risky["id"]?.stringValue == nil, let appId = risky["appId"]?.stringValue,
               let principal = servicePrincipals.all.first(where: { $0["appId"]?.stringValue == appId }) {
                risky["id"] = principal["id"]
            }
            guard let id = risky["id"]?.stringValue else { throw SeedError(description: "a risky service principal needs an id or a known appId") }
            if let principal = servicePrincipals.get(id) {
                for key in ["appId", "displayName", "servicePrincipalType"] where risky[key] == nil { risky[key] = principal[key] }
            }
            for (key, value) in [("isEnabled", JSONValue.bool(true)), ("isProcessing", false), ("riskDetail", "none"),
                                 ("riskState", "atRisk"), ("riskLevel", "low"), ("riskLastUpdatedDateTime", .string(now))]
            where risky[key] == nil {
                risky[key] = value
            }
            if let history = risky["history"]?.arrayValue { riskyServicePrincipalHistory[id.lowercased()] = history }
            risky["history"] = nil
            riskyServicePrincipals.upsert(risky)
        }
        for raw in Self.objects(seed["servicePrincipalRiskDetections"]) {
            var detection = raw
            if detection["id"]?.stringValue == nil {
                detection["id"] = .string(StableIdentifier.hex64(kind: "spRiskDetection", name: JSONWriter.data(detection).base64EncodedString()))
            }
            servicePrincipalRiskDetections.upsert(detection)
        }

        // Logs are loaded as they are (annotations stripped, date-times in UTC), so a tenant can start with
        // history; an entry without an id gets a stable one derived from its content.
        for (key, kind) in [("signIns", "signIn"), ("directoryAudits", "directoryAudit")] {
            for raw in Self.objects(seed[key]) {
                var entry = raw
                if entry["id"]?.stringValue == nil {
                    entry["id"] = .string(StableIdentifier.guid(kind: kind, name: JSONWriter.data(raw).base64EncodedString()))
                }
                if key == "signIns" { signIns.upsert(entry) } else { directoryAudits.upsert(entry) }
            }
        }

        try loadApplications(seed["applications"])
    }

    /// The objects of a seed key: an array of objects (annotations stripped, date-times in UTC), or a
    /// single object.
    static func objects(_ value: JSONValue?) -> [JSONValue] {
        switch value {
        case .some(.array(let elements)):
            return elements.filter { $0.objectValue != nil }.map { $0.strippingODataAnnotations().normalizingTimestamps() }
        case .some(.object): return [value!.strippingODataAnnotations().normalizingTimestamps()]
        default: return []
        }
    }

    func resolveMember(_ reference: String, context: String) throws -> String {
        if let object = directoryObject(reference) { return object.object["id"]!.stringValue! }
        if let user = user(idOrUserPrincipalName: reference) { return user["id"]!.stringValue! }
        let lowered = reference.lowercased()
        for collection in [groups, servicePrincipals] {
            if let match = collection.all.first(where: { $0["displayName"]?.stringValue?.lowercased() == lowered }) {
                return match["id"]!.stringValue!
            }
        }
        throw SeedError(description: "\(context): '\(reference)' is not a user, group or service principal of the seed")
    }

    private mutating func loadRoleAssignments(_ value: JSONValue?) throws {
        func roleId(_ key: String) throws -> String {
            if BuiltIns.roleTemplatesById[key.lowercased()] != nil { return key.lowercased() }
            if let role = BuiltIns.roleTemplates.first(where: { $0.displayName.lowercased() == key.lowercased() }) { return role.id }
            throw SeedError(description: "roleAssignments: '\(key)' is not a built-in role template id or name")
        }
        switch value {
        case .some(.object(let byRole)):
            for (role, members) in byRole {
                let id = try roleId(role)
                let resolved = try (members.stringArray ?? []).map { try resolveMember($0, context: "roleAssignments") }
                roleAssignments[id, default: []].append(contentsOf: resolved)
            }
        case .some(.array(let entries)):
            for entry in entries {
                guard let role = entry["roleTemplateId"]?.stringValue ?? entry["roleDefinitionId"]?.stringValue ?? entry["role"]?.stringValue else { continue }
                let members = entry["members"]?.stringArray ?? entry["principalId"]?.stringValue.map { [$0] } ?? []
                let id = try roleId(role)
                roleAssignments[id, default: []].append(contentsOf: try members.map { try resolveMember($0, context: "roleAssignments") })
            }
        default: break
        }
    }

    static func normalizedNamedLocation(_ raw: JSONValue, now: String) -> JSONValue {
        var location = raw
        if location["@odata.type"] == nil {
            if location["ipRanges"] != nil { location["@odata.type"] = "#microsoft.graph.ipNamedLocation" }
            else if location["countriesAndRegions"] != nil { location["@odata.type"] = "#microsoft.graph.countryNamedLocation" }
        }
        if location["id"]?.stringValue == nil {
            location["id"] = .string(StableIdentifier.guid(kind: "namedLocation", name: location["displayName"]?.stringValue ?? ""))
        }
        if location["createdDateTime"]?.stringValue == nil { location["createdDateTime"] = .string(now) }
        if location["modifiedDateTime"]?.stringValue == nil { location["modifiedDateTime"] = location["createdDateTime"] }
        if let ranges = location["ipRanges"]?.arrayValue {
            location["ipRanges"] = .array(ranges.map { range in
                var range = range
                if range["@odata.type"] == nil, let cidr = range["cidrAddress"]?.stringValue {
                    range["@odata.type"] = .string(cidr.contains(":") ? "#microsoft.graph.iPv6CidrRange" : "#microsoft.graph.iPv4CidrRange")
                }
                return range
            })
        }
        return location
    }

    /// Registers an authentication strength found in a seed (top level or expanded inside a policy).
    mutating func registerStrength(_ raw: JSONValue) {
        guard let id = raw["id"]?.stringValue ?? raw["displayName"]?.stringValue.map({ StableIdentifier.guid(kind: "strength", name: $0) }),
              !BuiltIns.builtInStrengthIds.contains(id), !customAuthenticationStrengths.contains(id)
        else { return }
        var strength = raw
        strength["id"] = .string(id)
        let now = GraphTimestamp.now()
        for (key, value) in [("createdDateTime", JSONValue.string(now)), ("policyType", "custom"), ("requirementsSatisfied", "mfa"),
                             ("allowedCombinations", []), ("combinationConfigurations", []), ("description", .null)]
        where strength[key] == nil {
            strength[key] = value
        }
        if strength["modifiedDateTime"] == nil { strength["modifiedDateTime"] = strength["createdDateTime"] }
        customAuthenticationStrengths.upsert(strength)
    }

    mutating func normalizedPolicy(_ raw: JSONValue, now: String) -> JSONValue {
        var policy = raw
        if policy["id"]?.stringValue == nil {
            policy["id"] = .string(StableIdentifier.guid(kind: "policy", name: policy["displayName"]?.stringValue ?? ""))
        }
        if policy["createdDateTime"]?.stringValue == nil { policy["createdDateTime"] = .string(now) }
        for key in ["modifiedDateTime", "templateId"] where policy[key] == nil { policy[key] = .null }
        policy["deletedDateTime"] = nil
        policy["partialEnablementStrategy"] = nil
        if let strength = policy["grantControls"]?["authenticationStrength"], case .object = strength {
            registerStrength(strength)
            if let id = strength["id"]?.stringValue ?? strength["displayName"]?.stringValue.map({ StableIdentifier.guid(kind: "strength", name: $0) }) {
                policy["grantControls"]?["authenticationStrength"] = ["id": .string(id)]
            }
        }
        return policy
    }

    func normalizedDetection(_ raw: JSONValue, now: String) -> JSONValue {
        var detection = raw
        if detection["userId"] == nil, let upn = detection["userPrincipalName"]?.stringValue, let user = user(idOrUserPrincipalName: upn) {
            detection["userId"] = user["id"]
        }
        if let userId = detection["userId"]?.stringValue, let user = users.get(userId) {
            if detection["userPrincipalName"] == nil { detection["userPrincipalName"] = user["userPrincipalName"] }
            if detection["userDisplayName"] == nil { detection["userDisplayName"] = user["displayName"] }
        }
        if detection["id"]?.stringValue == nil {
            detection["id"] = .string(StableIdentifier.hex64(kind: "riskDetection", name: JSONWriter.data(detection).base64EncodedString()))
        }
        let detected = detection["detectedDateTime"]?.stringValue ?? detection["activityDateTime"]?.stringValue ?? now
        for (key, value) in [("requestId", JSONValue.string(StableIdentifier.random())), ("correlationId", .string(StableIdentifier.random())),
                             ("riskState", "atRisk"), ("riskLevel", "medium"), ("riskDetail", "none"), ("source", "IdentityProtection"),
                             ("detectionTimingType", "realtime"), ("activity", "signin"), ("tokenIssuerType", "AzureAD"),
                             ("ipAddress", .null), ("location", .null), ("activityDateTime", .string(detected)),
                             ("detectedDateTime", .string(detected)), ("lastUpdatedDateTime", .string(detected)), ("additionalInfo", "[]")]
        where detection[key] == nil {
            detection[key] = value
        }
        return detection
    }

    private mutating func loadApplications(_ value: JSONValue?) throws {
        for raw in Self.objects(value) {
            guard let clientId = raw["clientId"]?.stringValue ?? raw["appId"]?.stringValue else {
                throw SeedError(description: "an application needs a clientId")
            }
            var certificates: [RegisteredCertificate] = []
            for pem in [raw["certificatePem"]?.stringValue].compactMap({ $0 }) + (raw["certificatePems"]?.stringArray ?? []) {
                certificates.append(try RegisteredCertificate(pem: pem))
            }
            let federated = (raw["federatedCredentials"]?.arrayValue ?? []).map { credential in
                FederatedCredential(name: credential["name"]?.stringValue ?? "credential",
                                    issuer: credential["issuer"]?.stringValue ?? "",
                                    subject: credential["subject"]?.stringValue ?? "",
                                    audiences: credential["audiences"]?.stringArray ?? [EmulatorDefaults.federationAudience])
            }
            addApplication(RegisteredApplication(
                clientId: clientId, displayName: raw["displayName"]?.stringValue ?? clientId, secret: raw["secret"]?.stringValue,
                certificates: certificates, federatedCredentials: federated,
                permissions: raw["permissions"]?.stringArray ?? BuiltIns.defaultPermissions, servicePrincipalId: ""))
        }
        if applications.isEmpty {
            addApplication(RegisteredApplication(
                clientId: EmulatorDefaults.clientId, displayName: EmulatorDefaults.applicationName, secret: EmulatorDefaults.clientSecret,
                certificates: [], federatedCredentials: [], permissions: BuiltIns.defaultPermissions, servicePrincipalId: ""))
        }
    }

    /// Registers an application and gives it a service principal (an app needs one to sign in).
    mutating func addApplication(_ application: RegisteredApplication) {
        var application = application
        if let existing = servicePrincipals.all.first(where: { $0["appId"]?.stringValue?.lowercased() == application.clientId.lowercased() }) {
            application.servicePrincipalId = existing["id"]!.stringValue!
        } else {
            let id = StableIdentifier.guid(kind: "servicePrincipal", name: application.clientId)
            servicePrincipals.upsert(["id": .string(id), "appId": .string(application.clientId), "displayName": .string(application.displayName),
                                      "accountEnabled": true, "servicePrincipalType": "Application"])
            application.servicePrincipalId = id
        }
        applications.removeAll { $0.clientId.lowercased() == application.clientId.lowercased() }
        applications.append(application)
    }

    /// The tenant in seed format (what `GET /_emulator/state` returns and `--state` persists).
    func seedDocument() -> JSONValue {
        var document: [String: JSONValue] = [
            "tenantId": .string(tenantId),
            "domains": .array(domains.map(JSONValue.string)),
            "users": .array(users.all),
            "deletedUsers": .array(deletedUsers.all),
            "groups": .array(groups.all.map { group in
                var group = group
                group["members"] = .array((groupMembers[group["id"]!.stringValue!.lowercased()] ?? []).map(JSONValue.string))
                return group
            }),
            "roleAssignments": .object(roleAssignments.mapValues { .array($0.map(JSONValue.string)) }),
            "servicePrincipals": .array(servicePrincipals.all),
            "namedLocations": .array(namedLocations.all),
            "deletedNamedLocations": .array(deletedNamedLocations.all),
            "policies": .array(policies.all),
            "deletedPolicies": .array(deletedPolicies.all),
            "authenticationStrengthPolicies": .array(customAuthenticationStrengths.all),
            "termsOfUse": .array(termsOfUse.all),
            "authenticationContexts": .array(authenticationContexts.all),
            "riskDetections": .array(riskDetections.all),
            "servicePrincipalRiskDetections": .array(servicePrincipalRiskDetections.all),
            "signIns": .array(signIns.all),
            "directoryAudits": .array(directoryAudits.all),
        ]
        document["riskyUsers"] = .array(riskyUsers.all.map { risky in
            var risky = risky
            risky["history"] = .array(riskyUserHistory[risky["id"]!.stringValue!.lowercased()] ?? [])
            return risky
        })
        document["riskyServicePrincipals"] = .array(riskyServicePrincipals.all.map { risky in
            var risky = risky
            risky["history"] = .array(riskyServicePrincipalHistory[risky["id"]!.stringValue!.lowercased()] ?? [])
            return risky
        })
        document["applications"] = .array(applications.map { application in
            var entry: [String: JSONValue] = [
                "clientId": .string(application.clientId), "displayName": .string(application.displayName),
                "permissions": .array(application.permissions.map(JSONValue.string)),
                "federatedCredentials": .array(application.federatedCredentials.map { credential in
                    ["name": .string(credential.name), "issuer": .string(credential.issuer), "subject": .string(credential.subject),
                     "audiences": .array(credential.audiences.map(JSONValue.string))]
                }),
            ]
            if let secret = application.secret { entry["secret"] = .string(secret) }
            if !application.certificates.isEmpty { entry["certificatePems"] = .array(application.certificates.map { .string($0.pem) }) }
            return .object(entry)
        })
        return .object(document)
    }
}
