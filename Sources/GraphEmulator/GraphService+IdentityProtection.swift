import Foundation
import PolicyModel

extension GraphService {
    static let riskDetail = GraphEnum(name: "riskDetail", members: ["none", "adminGeneratedTemporaryPassword", "userPerformedSecuredPasswordChange", "userPerformedSecuredPasswordReset", "adminConfirmedSigninSafe", "aiConfirmedSigninSafe", "userPassedMFADrivenByRiskBasedPolicy", "adminDismissedAllRiskForUser", "adminConfirmedSigninCompromised", "hidden", "adminConfirmedUserCompromised", "unknownFutureValue", "m365DAdminDismissedDetection", "adminConfirmedServicePrincipalCompromised", "adminDismissedAllRiskForServicePrincipal", "userChangedPasswordOnPremises", "adminDismissedRiskForSignIn", "adminConfirmedAccountSafe", "microsoftRevokedSessions"])
    static let activityType = GraphEnum(name: "activityType", members: ["signin", "user", "unknownFutureValue", "servicePrincipal"])
    static let tokenIssuerType = GraphEnum(name: "tokenIssuerType", members: ["AzureAD", "ADFederationServices", "UnknownFutureValue", "AzureADBackupAuth", "ADFederationServicesMFAAdapter", "NPSExtension"])
    static let riskState = GraphEnum(name: "riskState", members: ["none", "confirmedSafe", "remediated", "dismissed", "atRisk", "confirmedCompromised", "unknownFutureValue"])
    static let detectionTimingType = GraphEnum(name: "riskDetectionTimingType", members: ["notDefined", "realtime", "nearRealtime", "offline", "unknownFutureValue"])
    /// Enumeration-typed properties of the Identity Protection types (the same names on each), whose
    /// `$filter` literals must be quoted members.
    static let riskEnums: [String: GraphEnum] = [
        "riskLevel": ConditionalAccessSchema.riskLevel, "riskState": riskState, "riskDetail": riskDetail,
        "detectionTimingType": detectionTimingType, "activity": activityType, "tokenIssuerType": tokenIssuerType,
    ]

    /// Evolvable enum members hidden without `Prefer: include-unknown-enum-members`; beta-only
    /// detection fields hidden on v1.0.
    func renderRiskObject(_ stored: JSONValue, request: GraphRequest) -> JSONValue {
        var object = stored
        if request.version == .v1 { object["riskType"] = nil; object["mitreTechniqueId"] = nil }
        guard !request.includesUnknownEnumMembers else { return object }
        if let detail = object["riskDetail"]?.stringValue, Self.riskDetail.evolvable.contains(detail) { object["riskDetail"] = "unknownFutureValue" }
        if let activity = object["activity"]?.stringValue, Self.activityType.evolvable.contains(activity) { object["activity"] = "unknownFutureValue" }
        if let issuer = object["tokenIssuerType"]?.stringValue, Self.tokenIssuerType.evolvable.contains(issuer) { object["tokenIssuerType"] = "UnknownFutureValue" }
        if let detail = object["activity"]?["detail"]?.stringValue, Self.riskDetail.evolvable.contains(detail) { object["activity"]?["detail"] = "unknownFutureValue" }
        return object
    }

    /// Identity Protection pages at 20 by default and 500 at most; larger `$top` → 400.
    func riskQuery(_ request: GraphRequest, filterable: Set<String>, typeName: String) throws -> CollectionQuery {
        try CollectionQuery(request, defaultPageSize: 20, maximumPageSize: 500, filterable: filterable, typeName: typeName,
                            enums: Self.riskEnums, tooLargeMessage: { "Invalid page size specified: '\($0)'" })
    }

    func identityProtection(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        guard let resource = rest.first?.lowercased() else { throw GraphFailure.noRoute(request) }
        let tail = Array(rest.dropFirst())
        switch resource {
        case "riskdetections":
            return try await riskCollection(request, rest: tail, context: "identityProtection/riskDetections", typeName: "riskDetection",
                                            filterable: ["id", "riskLevel", "riskState", "riskEventType", "riskDetail", "userId", "userPrincipalName",
                                                         "userDisplayName", "detectedDateTime", "activityDateTime", "lastUpdatedDateTime",
                                                         "detectionTimingType", "source", "ipAddress", "activity", "tokenIssuerType", "riskType"],
                                            objects: { $0.riskDetections })
        case "serviceprincipalriskdetections":
            return try await riskCollection(request, rest: tail, context: "identityProtection/servicePrincipalRiskDetections",
                                            typeName: "servicePrincipalRiskDetection",
                                            filterable: ["id", "riskLevel", "riskState", "riskEventType", "riskDetail", "appId", "servicePrincipalId",
                                                         "servicePrincipalDisplayName", "detectedDateTime", "activityDateTime", "lastUpdatedDateTime",
                                                         "detectionTimingType", "source"],
                                            objects: { $0.servicePrincipalRiskDetections })
        case "riskyusers":
            if let action = tail.first?.lowercased(), ["confirmcompromised", "dismiss", "confirmsafe"].contains(action) || action.hasPrefix("microsoft.graph.") {
                return try await riskyUserAction(request, action: action, principal: principal)
            }
            if tail.count == 2, tail[1].lowercased() == "history" {
                try requireMethod(request, "GET")
                let id = tail[0]
                let query = try riskQuery(request, filterable: ["id", "riskLevel", "riskState", "riskDetail", "riskLastUpdatedDateTime", "initiatedBy"],
                                          typeName: "riskyUserHistoryItem")
                let body = try await store.read { state -> JSONValue in
                    guard state.riskyUsers.contains(id) else { throw GraphFailure.notFound(id) }
                    let items = (state.riskyUserHistory[id.lowercased()] ?? []).map { renderRiskObject($0, request: request) }
                    return query.page(items, request: request, context: "identityProtection/riskyUsers('\(id)')/history")
                }
                return .json(200, body)
            }
            return try await riskCollection(request, rest: tail, context: "identityProtection/riskyUsers", typeName: "riskyUser",
                                            filterable: ["id", "riskLevel", "riskState", "riskDetail", "userPrincipalName", "userDisplayName",
                                                         "riskLastUpdatedDateTime", "isDeleted", "isProcessing"],
                                            objects: { $0.riskyUsers })
        case "riskyserviceprincipals":
            if let action = tail.first?.lowercased(), ["confirmcompromised", "dismiss"].contains(action) {
                return try await riskyServicePrincipalAction(request, action: action, principal: principal)
            }
            if tail.count == 2, tail[1].lowercased() == "history" {
                try requireMethod(request, "GET")
                let id = tail[0]
                let body = try await store.read { state -> JSONValue in
                    guard state.riskyServicePrincipals.contains(id) else { throw GraphFailure.notFound(id) }
                    return ["@odata.context": .string("\(request.serviceRoot)/$metadata#identityProtection/riskyServicePrincipals('\(id)')/history"),
                            "value": .array((state.riskyServicePrincipalHistory[id.lowercased()] ?? []).map { renderRiskObject($0, request: request) })]
                }
                return .json(200, body)
            }
            return try await riskCollection(request, rest: tail, context: "identityProtection/riskyServicePrincipals", typeName: "riskyServicePrincipal",
                                            filterable: ["id", "appId", "displayName", "riskLevel", "riskState", "riskDetail", "riskLastUpdatedDateTime",
                                                         "isEnabled", "isProcessing", "servicePrincipalType"],
                                            objects: { $0.riskyServicePrincipals })
        default:
            throw GraphFailure.noRoute(request)
        }
    }

    private func riskCollection(_ request: GraphRequest, rest: [String], context: String, typeName: String, filterable: Set<String>,
                                objects: @escaping @Sendable (TenantState) -> EntityCollection) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        if rest.isEmpty {
            var query = try riskQuery(request, filterable: filterable, typeName: typeName)
            let filter = query.filter
            let matching = await store.filtered(key: "\(request.version.rawValue) \(context) \(request.query["$filter"] ?? "")") { state in
                let all = objects(state).all
                guard let filter else { return all }
                return all.filter { filter.matches($0) }
            }
            query.filter = nil  // applied above
            let body = query.page(matching, request: request, context: context, render: { renderRiskObject($0, request: request) })
            return .json(200, body)
        }
        guard rest.count == 1 else { throw GraphFailure.noRoute(request) }
        let id = rest[0]
        let body = try await store.read { state -> JSONValue in
            guard let object = objects(state).get(id) else { throw GraphFailure.notFound(id) }
            var rendered = renderRiskObject(object, request: request)
            rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(context)/$entity")
            return rendered
        }
        return .json(200, body)
    }

    /// The ids in an action body: required, at most 60.
    private func actionIds(_ request: GraphRequest, key: String) throws -> [String] {
        let body = try request.jsonObject()
        guard let ids = body[key]?.stringArray, !ids.isEmpty else {
            throw GraphFailure.badRequest("The request body must contain a non-empty '\(key)' collection.")
        }
        guard ids.count <= 60 else {
            throw GraphFailure.badRequest("The number of \(key) (\(ids.count)) exceeds the maximum of 60 per request.")
        }
        return ids
    }

    private func riskyUserAction(_ request: GraphRequest, action: String, principal: Principal) async throws -> GraphResponse {
        try requireMethod(request, "POST")
        let ids = try actionIds(request, key: "userIds")
        let name = action.replacingOccurrences(of: "microsoft.graph.", with: "")
        let outcome: (level: String, state: String, detail: String)
        switch name {
        case "confirmcompromised": outcome = ("high", "confirmedCompromised", "adminConfirmedUserCompromised")
        case "dismiss": outcome = ("none", "dismissed", "adminDismissedAllRiskForUser")
        case "confirmsafe": outcome = ("none", "confirmedSafe", "adminConfirmedAccountSafe")
        default: throw GraphFailure.noRoute(request)
        }
        try await store.write { state in
            let now = emulatorNow()
            for id in ids {
                var risky: JSONValue
                if let existing = state.riskyUsers.get(id) {
                    risky = existing
                } else if let user = state.users.get(id) {
                    risky = ["id": user["id"]!, "isDeleted": false, "isProcessing": false, "userDisplayName": user["displayName"] ?? .null,
                             "userPrincipalName": user["userPrincipalName"] ?? .null]
                } else {
                    continue
                }
                risky["riskLevel"] = .string(outcome.level)
                risky["riskState"] = .string(outcome.state)
                risky["riskDetail"] = .string(outcome.detail)
                risky["riskLastUpdatedDateTime"] = .string(now)
                state.riskyUsers.upsert(risky)
                let userId = risky["id"]!.stringValue!
                var eventTypes: [JSONValue] = []
                if name == "confirmcompromised" {
                    eventTypes = ["adminConfirmedUserCompromised"]
                    let detection = state.normalizedDetection(
                        ["userId": .string(userId), "riskEventType": "adminConfirmedUserCompromised", "riskLevel": "high",
                         "riskState": "confirmedCompromised", "riskDetail": "adminConfirmedUserCompromised", "activity": "user",
                         "detectionTimingType": "offline", "source": "IdentityProtection", "detectedDateTime": .string(now),
                         "id": .string(StableIdentifier.hex64(kind: "riskDetection", name: "\(userId)-\(now)-\(UUID())"))], now: now)
                    state.riskDetections.upsert(detection)
                } else {
                    // Dismissing or confirming safe closes the user's open detections.
                    for detection in state.riskDetections.all
                    where detection["userId"]?.stringValue?.lowercased() == userId.lowercased() && detection["riskState"]?.stringValue == "atRisk" {
                        var closed = detection
                        closed["riskState"] = .string(outcome.state == "dismissed" ? "dismissed" : "confirmedSafe")
                        closed["riskDetail"] = .string(outcome.detail)
                        closed["lastUpdatedDateTime"] = .string(now)
                        state.riskDetections.upsert(closed)
                    }
                }
                var item = risky
                item["id"] = .string(userId)
                item["userId"] = .string(userId)
                item["initiatedBy"] = .string(principal.objectId)
                item["activity"] = ["detail": .string(outcome.detail), "riskEventTypes": .array(eventTypes)]
                state.riskyUserHistory[userId.lowercased(), default: []].append(item)
            }
        }
        return .noContent()
    }

    private func riskyServicePrincipalAction(_ request: GraphRequest, action: String, principal: Principal) async throws -> GraphResponse {
        try requireMethod(request, "POST")
        let ids = try actionIds(request, key: "servicePrincipalIds")
        let outcome = action == "confirmcompromised"
            ? (level: "high", state: "confirmedCompromised", detail: "adminConfirmedServicePrincipalCompromised")
            : (level: "none", state: "dismissed", detail: "adminDismissedAllRiskForServicePrincipal")
        try await store.write { state in
            let now = emulatorNow()
            for id in ids {
                var risky: JSONValue
                if let existing = state.riskyServicePrincipals.get(id) {
                    risky = existing
                } else if let principal = state.servicePrincipals.get(id) {
                    risky = ["id": principal["id"]!, "appId": principal["appId"] ?? .null, "displayName": principal["displayName"] ?? .null,
                             "isEnabled": true, "isProcessing": false, "servicePrincipalType": principal["servicePrincipalType"] ?? "Application"]
                } else {
                    continue
                }
                risky["riskLevel"] = .string(outcome.level)
                risky["riskState"] = .string(outcome.state)
                risky["riskDetail"] = .string(outcome.detail)
                risky["riskLastUpdatedDateTime"] = .string(now)
                state.riskyServicePrincipals.upsert(risky)
                var item = risky
                item["servicePrincipalId"] = risky["id"]
                item["initiatedBy"] = .string(principal.objectId)
                item["activity"] = ["detail": .string(outcome.detail), "riskEventTypes": []]
                state.riskyServicePrincipalHistory[id.lowercased(), default: []].append(item)
            }
        }
        return .noContent()
    }
}

extension TenantState {
    static let riskOrder = ["none": 0, "hidden": 0, "low": 1, "medium": 2, "high": 3]

    /// Adds a detection and updates the user's risk as Identity Protection would: the user becomes
    /// (or stays) at risk, at the higher of its current and the detection's level, with a history item.
    mutating func inject(detection raw: JSONValue, now: String) throws -> JSONValue {
        var detection = raw.strippingODataAnnotations().normalizingTimestamps()
        if detection["id"]?.stringValue == nil {
            detection["id"] = .string(StableIdentifier.hex64(kind: "riskDetection", name: "\(UUID())"))
        }
        if detection["detectedDateTime"] == nil { detection["detectedDateTime"] = .string(now) }
        detection = normalizedDetection(detection, now: now)
        guard let userId = detection["userId"]?.stringValue, let user = users.get(userId) else {
            throw GraphFailure.badRequest("The detection must name a user of the tenant (userId or userPrincipalName).")
        }
        riskDetections.upsert(detection)
        let level = detection["riskLevel"]?.stringValue ?? "medium"
        var risky = riskyUsers.get(userId) ?? ["id": user["id"]!, "isDeleted": false, "isProcessing": false,
                                               "userDisplayName": user["displayName"] ?? .null,
                                               "userPrincipalName": user["userPrincipalName"] ?? .null, "riskLevel": "none"]
        let current = risky["riskState"]?.stringValue == "atRisk" ? (risky["riskLevel"]?.stringValue ?? "none") : "none"
        risky["riskLevel"] = .string((Self.riskOrder[level] ?? 0) >= (Self.riskOrder[current] ?? 0) ? level : current)
        risky["riskState"] = "atRisk"
        risky["riskDetail"] = "none"
        risky["riskLastUpdatedDateTime"] = .string(now)
        riskyUsers.upsert(risky)
        var item = risky
        item["userId"] = user["id"]
        item["initiatedBy"] = .null
        item["activity"] = ["detail": "none", "riskEventTypes": [detection["riskEventType"] ?? "generic"]]
        riskyUserHistory[userId.lowercased(), default: []].append(item)
        return detection
    }
}
