import Foundation
import PolicyModel

/// `GET /auditLogs/signIns[/{id}]` and `GET /auditLogs/directoryAudits[/{id}]` (v1.0 and beta).
///
/// Shapes: Microsoft Learn "signIn resource type", "List signIns", "directoryAudit resource type" and
/// "List directoryAudits". Both lists are newest first ("The collection of objects is listed in
/// descending order based on createdDateTime"; directory audits likewise by `activityDateTime`), page at
/// 1,000 by default and at most ("The maximum and default page size is 1,000 objects"), and take
/// `$filter`, `$top` and `$skiptoken`. Permission: `AuditLog.Read.All` (the permission tables say
/// "AuditLog.Read.All and Directory.Read.All", a documented known issue about the license check;
/// `Directory.Read.All` alone does not allow reading the logs, and the emulator checks
/// `AuditLog.Read.All` only). The service class is the identity and access reports one.
extension GraphService {
    static let auditLogRead = ["AuditLog.Read.All"]

    /// Permissions that let a caller see `appliedConditionalAccessPolicies` (Microsoft Learn, "List
    /// signIns": "If a user or app has permissions to read sign-in logs but not permission to read
    /// conditional access data, the appliedConditionalAccessPolicies property in the response will be
    /// omitted"; apps need Policy.Read.All, Policy.Read.ConditionalAccess or Policy.ReadWrite.ConditionalAccess).
    static let conditionalAccessDataRead: Set<String> = ["Policy.Read.All", "Policy.Read.ConditionalAccess", "Policy.ReadWrite.ConditionalAccess"]

    /// `conditionalAccessStatus` (v1.0 CSDL): success, failure, notApplied, unknownFutureValue.
    static let conditionalAccessStatus = GraphEnum(name: "conditionalAccessStatus", members: ["success", "failure", "notApplied", "unknownFutureValue"])
    /// `appliedConditionalAccessPolicyResult` (Microsoft Learn, "appliedConditionalAccessPolicy resource
    /// type"): the report-only members come after `unknownFutureValue`, so Graph returns them as
    /// `unknownFutureValue` unless the request has `Prefer: include-unknown-enum-members`.
    static let appliedPolicyResult = GraphEnum(name: "appliedConditionalAccessPolicyResult", members: [
        "success", "failure", "notApplied", "notEnabled", "unknown", "unknownFutureValue", "reportOnlySuccess", "reportOnlyFailure",
        "reportOnlyNotApplied", "reportOnlyInterrupted",
    ])

    /// Sign-in properties beta has and v1.0 does not (v1.0 `signIn` in the SDK models: no
    /// `authenticationRequirement`, `servicePrincipalId`, `signInEventTypes`, …).
    static let betaOnlySignInProperties: Set<String> = [
        "authenticationRequirement", "servicePrincipalId", "servicePrincipalName", "signInEventTypes", "userType", "userAgent", "appTokenProtectionStatus",
    ]

    /// Sign-in properties `$filter` may name (the "Supports $filter" notes of the signIn resource).
    static let signInFilterable: Set<String> = [
        "id", "createdDateTime", "userId", "userPrincipalName", "userDisplayName", "appId", "appDisplayName", "conditionalAccessStatus",
        "correlationId", "ipAddress", "clientAppUsed", "status", "location", "deviceDetail", "isInteractive", "riskDetail",
        "riskLevelAggregated", "riskLevelDuringSignIn", "riskState", "riskEventTypes_v2", "resourceId", "resourceDisplayName",
        "signInEventTypes", "servicePrincipalId", "appliedConditionalAccessPolicies",
    ]

    /// Directory audit properties `$filter` may name (the "Supports $filter" notes of directoryAudit).
    static let directoryAuditFilterable: Set<String> = [
        "id", "activityDateTime", "activityDisplayName", "category", "correlationId", "loggedByService", "operationType", "result",
        "initiatedBy", "targetResources",
    ]

    func auditLogs(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        guard let resource = rest.first?.lowercased() else { throw GraphFailure.noRoute(request) }
        let tail = Array(rest.dropFirst())
        switch resource {
        case "signins":
            let seesPolicies = !principal.roles.isDisjoint(with: Self.conditionalAccessDataRead)
            return try await auditCollection(request, rest: tail, context: "auditLogs/signIns", typeName: "signIn", timeKey: "createdDateTime",
                                             filterable: Self.signInFilterable,
                                             enums: ["conditionalAccessStatus": Self.conditionalAccessStatus,
                                                     "riskLevelAggregated": ConditionalAccessSchema.riskLevel,
                                                     "riskLevelDuringSignIn": ConditionalAccessSchema.riskLevel,
                                                     "riskState": Self.riskState, "riskDetail": Self.riskDetail],
                                             objects: { $0.signIns },
                                             keep: Self.signInListFilter(request),
                                             render: { self.renderSignIn($0, request: request, showPolicies: seesPolicies) })
        case "directoryaudits":
            return try await auditCollection(request, rest: tail, context: "auditLogs/directoryAudits", typeName: "directoryAudit",
                                             timeKey: "activityDateTime", filterable: Self.directoryAuditFilterable, enums: [:],
                                             objects: { $0.directoryAudits }, keep: nil, render: { $0 })
        default:
            throw GraphFailure.noRoute(request)
        }
    }

    /// Which stored sign-ins a listing returns before `$filter`: Graph lists interactive user sign-ins
    /// unless the filter asks for other `signInEventTypes` (beta, "List signIns"); v1.0 has no such
    /// filter and lists user sign-ins only.
    static func signInListFilter(_ request: GraphRequest) -> (@Sendable (JSONValue) -> Bool)? {
        let filter = request.query["$filter"] ?? ""
        if request.version == .beta, filter.lowercased().contains("signineventtypes") { return nil }
        return { signIn in
            guard let types = signIn["signInEventTypes"]?.stringArray else { return true }
            return types.contains { $0.lowercased() == "interactiveuser" || $0.lowercased() == "noninteractiveuser" }
        }
    }

    private func auditCollection(_ request: GraphRequest, rest: [String], context: String, typeName: String, timeKey: String,
                                 filterable: Set<String>, enums: [String: GraphEnum],
                                 objects: @escaping @Sendable (TenantState) -> EntityCollection,
                                 keep: (@Sendable (JSONValue) -> Bool)?,
                                 render: @escaping @Sendable (JSONValue) -> JSONValue) async throws -> GraphResponse {
        if rest.isEmpty {
            var query = try CollectionQuery(request, defaultPageSize: 1000, maximumPageSize: 1000, filterable: filterable, typeName: typeName,
                                            enums: enums)
            let filter = query.filter
            let key = "\(request.version.rawValue) \(context) \(request.query["$filter"] ?? "")"
            let matching = await store.filtered(key: key) { state in
                let all = objects(state).all.filter { (keep?($0) ?? true) && (filter?.matches($0) ?? true) }
                return Self.newestFirst(all, timeKey: timeKey)
            }
            query.filter = nil  // applied above
            return .json(200, query.page(matching, request: request, context: context, render: render))
        }
        guard rest.count == 1 else { throw GraphFailure.noRoute(request) }
        let id = rest[0]
        let body = try await store.read { state -> JSONValue in
            guard let object = objects(state).get(id) else { throw GraphFailure.notFound(id) }
            var rendered = render(object)
            rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(context)/$entity")
            return rendered
        }
        return .json(200, body)
    }

    /// Newest first by `timeKey`; entries recorded later come first among equal times.
    static func newestFirst(_ objects: [JSONValue], timeKey: String) -> [JSONValue] {
        let keyed = objects.enumerated().map { index, object in
            (index, object[timeKey]?.stringValue.flatMap(GraphTimestamp.date(from:)) ?? .distantPast, object)
        }
        return keyed.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 > $1.0 }.map(\.2)
    }

    /// A stored sign-in as the request's version renders it: beta-only properties dropped on v1.0,
    /// evolvable enum members hidden without `Prefer: include-unknown-enum-members`, and the applied
    /// policies omitted for callers without permission to read conditional access data.
    func renderSignIn(_ stored: JSONValue, request: GraphRequest, showPolicies: Bool) -> JSONValue {
        var signIn = stored
        if request.version == .v1 { for key in Self.betaOnlySignInProperties { signIn[key] = nil } }
        if !showPolicies { signIn["appliedConditionalAccessPolicies"] = nil }
        guard !request.includesUnknownEnumMembers else { return signIn }
        if let detail = signIn["riskDetail"]?.stringValue, Self.riskDetail.evolvable.contains(detail) { signIn["riskDetail"] = "unknownFutureValue" }
        if let policies = signIn["appliedConditionalAccessPolicies"]?.arrayValue {
            signIn["appliedConditionalAccessPolicies"] = .array(policies.map { policy in
                var policy = policy
                if let result = policy["result"]?.stringValue, Self.appliedPolicyResult.evolvable.contains(result) { policy["result"] = "unknownFutureValue" }
                return policy
            })
        }
        return signIn
    }

    // MARK: Recording directory audits

    /// The emulator clock's time in Graph's format: what conditional access writes, sign-ins and
    /// directory audits are stamped with.
    func emulatorNow() -> String { GraphTimestamp.string(from: configuration.clock.date()) }

    /// Who made a change and when, for the directory audit it records.
    func auditContext(_ request: GraphRequest, principal: Principal) -> DirectoryAuditContext {
        DirectoryAuditContext(principal: principal, correlationId: request.header("client-request-id") ?? StableIdentifier.random(),
                              userAgent: request.header("user-agent"), activityDateTime: emulatorNow())
    }
}

/// Who changed a conditional access object and when (see ``TenantState/recordAudit(_:_:id:displayName:old:new:context:)``).
struct DirectoryAuditContext: Sendable {
    var principal: Principal
    /// The request's `client-request-id` (so a client can find its own writes), else a new GUID.
    var correlationId: String
    var userAgent: String?
    var activityDateTime: String
}

/// The conditional access objects whose writes are audited.
enum AuditedObject: Sendable {
    case policy, namedLocation

    /// The noun of `activityDisplayName` and the name of the `modifiedProperties` entry that carries the
    /// whole object ("ConditionalAccessPolicy" is the wire's, in records of "Update conditional access
    /// policy"; "NamedLocation" is the emulator's guess by analogy, not verified against a live record).
    var noun: String { self == .policy ? "conditional access policy" : "named location" }
    var propertyName: String { self == .policy ? "ConditionalAccessPolicy" : "NamedLocation" }
}

/// A write to an audited object.
enum AuditedOperation: Sendable {
    case add, update, delete, restore, hardDelete

    /// Microsoft's activity names, as Entra writes them ("Add conditional access policy", "Update
    /// conditional access policy", "Delete conditional access policy", "Add named location", "Update
    /// named location", "Delete named location": Microsoft Learn "Microsoft Entra audit log categories
    /// and activities", and the `OperationName` values Sentinel and Defender queries match). Restoring and
    /// hard-deleting soft-deleted objects are the emulator's own names: not verified against a live record.
    func activity(_ object: AuditedObject) -> String {
        switch self {
        case .add: "Add \(object.noun)"
        case .update: "Update \(object.noun)"
        case .delete: "Delete \(object.noun)"
        case .restore: "Restore \(object.noun)"
        case .hardDelete: "Hard delete \(object.noun)"
        }
    }

    /// `operationType` (directoryAudit: "Add, Assign, Update, Unassign, and Delete").
    var operationType: String {
        switch self {
        case .add: "Add"
        case .update, .restore: "Update"
        case .delete, .hardDelete: "Delete"
        }
    }
}

extension TenantState {
    /// Records a `directoryAudit` for a write to a policy or named location, in Graph's shape
    /// (Microsoft Learn "directoryAudit resource type", and live "Update conditional access policy"
    /// records): category `Policy`, `loggedByService` "Conditional Access", `result` success, one target
    /// of type `Policy` whose single modified property carries the whole object before and after as
    /// JSON text (`null` before an add and after a delete), and `initiatedBy` naming the signed-in user
    /// of a delegated token or the application of an app-only token.
    mutating func recordAudit(_ operation: AuditedOperation, _ object: AuditedObject, id: String, displayName: String?,
                              old: JSONValue?, new: JSONValue?, context: DirectoryAuditContext) {
        func text(_ value: JSONValue?) -> JSONValue {
            guard let value else { return .null }
            return .string(String(decoding: JSONWriter.data(value), as: UTF8.self))
        }
        let principal = context.principal
        let initiatedBy: JSONValue
        if let user = principal.user {
            initiatedBy = ["user": ["id": .string(user.id), "displayName": .string(user.displayName), "userPrincipalName": .string(user.userPrincipalName),
                                    "ipAddress": .null],
                           "app": .null]
        } else {
            let servicePrincipal = servicePrincipals.get(principal.objectId)
            initiatedBy = ["app": ["appId": .string(principal.appId),
                                   "displayName": .string(principal.displayName),
                                   "servicePrincipalId": .string(principal.objectId),
                                   "servicePrincipalName": servicePrincipal?["displayName"] ?? .string(principal.displayName)],
                           "user": .null]
        }
        let suffix = String((0..<5).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ".randomElement()! })
        let audit: JSONValue = [
            "id": .string("IPCGraph_\(context.correlationId)_\(suffix)_\(Int.random(in: 10_000_000...99_999_999))"),
            "category": "Policy",
            "correlationId": .string(context.correlationId),
            "result": "success",
            "resultReason": .null,
            "activityDisplayName": .string(operation.activity(object)),
            "activityDateTime": .string(context.activityDateTime),
            "loggedByService": "Conditional Access",
            "operationType": .string(operation.operationType),
            "userAgent": context.userAgent.map(JSONValue.string) ?? .null,
            "initiatedBy": initiatedBy,
            "targetResources": [[
                "id": .string(id), "displayName": displayName.map(JSONValue.string) ?? .null, "type": "Policy",
                "userPrincipalName": .null, "groupType": .null,
                "modifiedProperties": [["displayName": .string(object.propertyName), "oldValue": text(old), "newValue": text(new)]],
            ]],
            "additionalDetails": [["key": "Category", "value": "Conditional Access"]],
        ]
        directoryAudits.upsert(audit)
    }
}
