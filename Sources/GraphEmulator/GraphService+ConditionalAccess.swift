import Foundation
import PolicyModel

extension GraphService {
    func conditionalAccess(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        let resource = rest[0].lowercased()
        let tail = Array(rest.dropFirst())
        switch resource {
        case "policies": return try await policies(request, rest: tail, principal: principal)
        case "namedlocations": return try await namedLocations(request, rest: tail, principal: principal)
        case "deleteditems":
            guard let kind = tail.first?.lowercased() else { throw GraphFailure.noRoute(request) }
            if kind == "policies" { return try await deletedPolicies(request, rest: Array(tail.dropFirst()), principal: principal) }
            if kind == "namedlocations" { return try await deletedNamedLocations(request, rest: Array(tail.dropFirst()), principal: principal) }
            throw GraphFailure.noRoute(request)
        case "authenticationstrength":
            guard tail.first?.lowercased() == "policies" else { throw GraphFailure.noRoute(request) }
            return try await authenticationStrengths(request, rest: Array(tail.dropFirst()),
                                                     context: "identity/conditionalAccess/authenticationStrength/policies")
        case "authenticationcontextclassreferences": return try await authenticationContexts(request, rest: tail)
        case "evaluate": return try await evaluate(request)
        case "templates":
            try requireMethod(request, "GET")
            return .json(200, ["@odata.context": .string("\(request.serviceRoot)/$metadata#identity/conditionalAccess/templates"), "value": []])
        default: throw GraphFailure.noRoute(request)
        }
    }

    // MARK: Policies

    static let policyContext = "identity/conditionalAccess/policies"

    /// Query options of the policy collections (one page; `state` is an enumeration).
    static func policyQuery(_ request: GraphRequest) throws -> CollectionQuery {
        try CollectionQuery(request, defaultPageSize: nil, maximumPageSize: 999, filterable: nil, typeName: "conditionalAccessPolicy",
                            enums: ["state": ConditionalAccessSchema.policyState])
    }

    /// A stored policy in the request's version shape, with `authenticationStrength` expanded.
    func renderPolicy(_ stored: JSONValue, state: TenantState, request: GraphRequest) -> JSONValue {
        var policy = renderer(request).render(stored, as: ConditionalAccessSchema.policy)
        policy["deletedDateTime"] = stored["deletedDateTime"] ?? .null
        if case .object = stored["grantControls"] ?? .null {
            let id = stored["id"]?.stringValue ?? ""
            policy["grantControls"]?["authenticationStrength@odata.context"] =
                .string("\(request.serviceRoot)/$metadata#identity/conditionalAccess/policies('\(id)')/grantControls/authenticationStrength/$entity")
            if let strengthId = stored["grantControls"]?["authenticationStrength"]?["id"]?.stringValue,
               let strength = state.authenticationStrength(strengthId) {
                var expanded = renderStrength(strength, request: request)
                if BuiltIns.builtInStrengthIds.contains(strengthId) {
                    // Built-ins show 08:00 inside a policy and 00:00 from the strengths endpoint [live].
                    expanded["createdDateTime"] = "2021-12-01T08:00:00Z"
                    expanded["modifiedDateTime"] = "2021-12-01T08:00:00Z"
                }
                expanded["combinationConfigurations@odata.context"] =
                    .string("\(request.serviceRoot)/$metadata#identity/conditionalAccess/policies('\(id)')/grantControls/authenticationStrength/combinationConfigurations")
                policy["grantControls"]?["authenticationStrength"] = expanded
            } else {
                policy["grantControls"]?["authenticationStrength"] = .null
            }
        }
        return policy
    }

    /// Every write records a directory audit in the same change (``TenantState/recordAudit(_:_:id:displayName:old:new:context:)``).
    func policies(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        if rest.isEmpty {
            switch request.method {
            case "GET": return try await listPolicies(request)
            case "POST": return try await createPolicy(request, principal: principal)
            default: throw GraphFailure.methodNotAllowed()
            }
        }
        let id = rest[0]
        guard rest.count == 1 else { throw GraphFailure.noRoute(request) }
        try await checkReplicated(id)
        switch request.method {
        case "GET":
            let query = try Self.policyQuery(request)
            let body = try await store.read { state -> JSONValue in
                guard let stored = state.policies.get(id) else { throw GraphFailure.policyNotFound(id) }
                var policy = query.project(renderPolicy(stored, state: state, request: request))
                policy["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(Self.policyContext)/$entity")
                return policy
            }
            return .json(200, body)
        case "PATCH":
            let patch = try request.jsonObject()
            try validateSchema(.object(patch), as: ConditionalAccessSchema.policyWritable, request: request, typeName: "ConditionalAccessPolicy")
            let audit = auditContext(request, principal: principal)
            try await store.write { state in
                guard let stored = state.policies.get(id) else { throw GraphFailure.policyNotFound(id) }
                var merged = stored.merging(patch: Self.writableBody(patch))
                merged = Self.applyPolicyDefaults(merged)
                try Self.validatePolicySemantics(merged, state: state)
                merged["modifiedDateTime"] = .string(audit.activityDateTime)
                state.policies.upsert(merged)
                state.recordAudit(.update, .policy, id: merged["id"]?.stringValue ?? id, displayName: merged["displayName"]?.stringValue,
                                  old: stored, new: merged, context: audit)
            }
            return .noContent()
        case "DELETE":
            let audit = auditContext(request, principal: principal)
            try await store.write { state in
                guard var stored = state.policies.remove(id) else { throw GraphFailure.policyNotFound(id) }
                state.recordAudit(.delete, .policy, id: stored["id"]?.stringValue ?? id, displayName: stored["displayName"]?.stringValue,
                                  old: stored, new: nil, context: audit)
                stored["deletedDateTime"] = .string(audit.activityDateTime)
                state.deletedPolicies.upsert(stored)
            }
            return .noContent()
        default: throw GraphFailure.methodNotAllowed()
        }
    }

    private func listPolicies(_ request: GraphRequest) async throws -> GraphResponse {
        let query = try Self.policyQuery(request)
        let cacheKey = "policies|\(request.version.rawValue)|\(request.includesUnknownEnumMembers)|\(request.query.sorted { $0.key < $1.key })"
        let body = try await store.cachedBody(key: cacheKey) { state in
            // v1.0 cannot represent policies that use beta-only features, and leaves them out.
            let visible = state.policies.all.filter { request.version == .beta || !ConditionalAccessSchema.usesBetaOnlyFeatures($0) }
            let rendered = visible.map { renderPolicy($0, state: state, request: request) }
            return JSONWriter.data(query.page(rendered, request: request, context: Self.policyContext))
        }
        return GraphResponse(status: 200, headers: [("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")], body: body)
    }

    private func createPolicy(_ request: GraphRequest, principal: Principal) async throws -> GraphResponse {
        let body = try request.jsonObject()
        try validateSchema(.object(body), as: ConditionalAccessSchema.policyWritable, request: request, typeName: "ConditionalAccessPolicy")
        let limit = configuration.conditionalAccessPolicyLimit
        let audit = auditContext(request, principal: principal)
        let rendered = try await store.write { state -> JSONValue in
            try Self.checkPolicyLimit(state, limit: limit)
            var policy = Self.applyPolicyDefaults(Self.writableBody(body))
            try Self.validatePolicySemantics(policy, state: state)
            policy["id"] = .string(StableIdentifier.random())
            policy["createdDateTime"] = .string(audit.activityDateTime)
            policy["modifiedDateTime"] = .null
            policy["templateId"] = .null
            state.policies.upsert(policy)
            state.recordAudit(.add, .policy, id: policy["id"]!.stringValue!, displayName: policy["displayName"]?.stringValue,
                              old: nil, new: policy, context: audit)
            var rendered = renderPolicy(policy, state: state, request: request)
            rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(Self.policyContext)/$entity")
            return rendered
        }
        if let id = rendered["id"]?.stringValue { await store.markCreated(id) }
        return .json(201, rendered, headers: [("Location", "\(request.serviceRoot)/\(Self.policyContext)/\(rendered["id"]?.stringValue ?? "")")])
    }

    /// 400 when the tenant already holds `limit` policies (`EmulatorConfiguration.conditionalAccessPolicyLimit`).
    /// Graph's wording for this is undocumented (reference §7); the envelope and code are Graph's.
    static func checkPolicyLimit(_ state: TenantState, limit: Int) throws {
        guard state.policies.count >= limit else { return }
        throw GraphFailure.badRequest("The maximum number of conditional access policies (\(limit)) has been reached. "
                                      + "The tenant has \(state.policies.count); delete one before creating another.")
    }

    /// Drops server-owned and unused properties from a request body, and annotations.
    static func writableBody(_ body: [String: JSONValue]) -> JSONValue {
        var clean = JSONValue.object(body).strippingODataAnnotations()
        for key in ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime", "templateId", "partialEnablementStrategy", "description"] {
            clean[key] = nil
        }
        if let strength = clean["grantControls"]?["authenticationStrength"], case .object = strength {
            clean["grantControls"]?["authenticationStrength"] = strength["id"].map { ["id": $0] } ?? .null
        }
        return clean
    }

    /// Service defaults filled in on write: `clientAppTypes` → `["all"]`, grant `operator` → `"OR"`,
    /// sign-in frequency interval and authentication type.
    static func applyPolicyDefaults(_ policy: JSONValue) -> JSONValue {
        var policy = policy
        if policy["conditions"]?.objectValue != nil {
            if (policy["conditions"]?["clientAppTypes"]?.arrayValue ?? []).isEmpty { policy["conditions"]?["clientAppTypes"] = ["all"] }
        }
        if policy["grantControls"]?.objectValue != nil, policy["grantControls"]?["operator"]?.stringValue == nil {
            policy["grantControls"]?["operator"] = "OR"
        }
        if let frequency = policy["sessionControls"]?["signInFrequency"], case .object = frequency {
            var frequency = frequency
            if frequency["frequencyInterval"]?.stringValue == nil { frequency["frequencyInterval"] = "timeBased" }
            if frequency["authenticationType"]?.stringValue == nil { frequency["authenticationType"] = "primaryAndSecondaryAuthentication" }
            policy["sessionControls"]?["signInFrequency"] = frequency
        }
        return policy
    }

    /// `1007` when a body has unknown or mistyped properties (including beta-only ones on v1.0).
    func validateSchema(_ body: JSONValue, as type: ComplexType, request: GraphRequest, typeName: String) throws {
        if WireValidator(version: request.version).mismatch(in: body, as: type) != nil {
            let docs = typeName == "ConditionalAccessPolicy" ? "conditionalaccessroot-post-policies" : "conditionalaccessroot-post-namedlocations"
            throw GraphFailure.badRequest("1007: Incoming \(typeName) object is null or does not match the schema of \(typeName) type. For examples, please see API documentation at https://docs.microsoft.com/en-us/graph/api/\(docs)?view=graph-rest-1.0.")
        }
    }

    /// Graph's semantic checks of a whole policy. Codes other than 1032 are the emulator's own
    /// numbering (Graph's catalogue is undocumented); the message pattern is Graph's.
    static func validatePolicySemantics(_ policy: JSONValue, state: TenantState) throws {
        func fail(_ code: Int, _ reason: String) -> GraphFailure {
            GraphFailure.badRequest("The server could not process the request because it is malformed or incorrect.",
                                    inner: "\(code): ConditionalActionPolicy validation failed due to \(reason).")
        }
        guard let name = policy["displayName"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw fail(1001, "InvalidDisplayName")
        }
        guard policy["state"]?.stringValue != nil else { throw fail(1002, "InvalidState") }
        guard let conditions = policy["conditions"], case .object = conditions else { throw fail(1003, "InvalidConditions") }
        let users = conditions["users"]
        let clientApplications = conditions["clientApplications"]
        let hasUsers = !(users?["includeUsers"]?.stringArray ?? []).isEmpty || !(users?["includeGroups"]?.stringArray ?? []).isEmpty
            || !(users?["includeRoles"]?.stringArray ?? []).isEmpty || !(users?["includeGuestsOrExternalUsers"] ?? .null).isNull
        let hasWorkloads = !(clientApplications?["includeServicePrincipals"]?.stringArray ?? []).isEmpty
            || !(clientApplications?["includeAgentIdServicePrincipals"]?.stringArray ?? []).isEmpty
        let hasAgents = !(conditions["agents"]?["includeAgentUsers"]?.stringArray ?? []).isEmpty
        guard hasUsers || hasWorkloads || hasAgents else { throw fail(1010, "UsersOrWorkloadIdentitiesRequired") }
        let applications = conditions["applications"]
        let hasApplications = !(applications?["includeApplications"]?.stringArray ?? []).isEmpty
            || !(applications?["includeUserActions"]?.stringArray ?? []).isEmpty
            || !(applications?["includeAuthenticationContextClassReferences"]?.stringArray ?? []).isEmpty
            || !(applications?["applicationFilter"] ?? .null).isNull
        guard hasApplications else { throw fail(1011, "ApplicationsRequired") }
        let grant = policy["grantControls"] ?? .null
        let session = policy["sessionControls"] ?? .null
        let hasGrant = !(grant["builtInControls"]?.stringArray ?? []).isEmpty || !(grant["authenticationStrength"] ?? .null).isNull
            || !(grant["termsOfUse"]?.stringArray ?? []).isEmpty || !(grant["customAuthenticationFactors"]?.stringArray ?? []).isEmpty
        let hasSession = session.objectValue?.values.contains { !$0.isNull } ?? false
        guard hasGrant || hasSession else { throw fail(1012, "GrantOrSessionControlRequired") }

        let builtIn = grant["builtInControls"]?.stringArray ?? []
        if builtIn.contains("block"), builtIn.count > 1 { throw fail(1013, "BlockCannotBeCombinedWithOtherControls") }
        if builtIn.contains("passwordChange") {
            let valid = grant["operator"]?.stringValue == "AND" && builtIn.contains("mfa")
                && applications?["includeApplications"]?.stringArray == ["All"]
            if !valid { throw fail(1032, "InvalidPasswordResetControl") }
        }

        // Known reference ids must exist.
        let guid = #/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/#
        func check(_ values: [String]?, special: Set<String>, exists: (String) -> Bool, code: Int, reason: String) throws {
            for value in values ?? [] where !special.contains(value) {
                if value.wholeMatch(of: guid) == nil || !exists(value) { throw fail(code, reason) }
            }
        }
        for key in ["includeUsers", "excludeUsers"] {
            try check(users?[key]?.stringArray, special: ["All", "None", "GuestsOrExternalUsers"], exists: { state.users.contains($0) },
                      code: 1020, reason: "InvalidUserIds")
        }
        for key in ["includeGroups", "excludeGroups"] {
            try check(users?[key]?.stringArray, special: [], exists: { state.groups.contains($0) }, code: 1021, reason: "InvalidGroupIds")
        }
        for key in ["includeRoles", "excludeRoles"] {
            try check(users?[key]?.stringArray, special: [], exists: { BuiltIns.roleTemplatesById[$0.lowercased()] != nil },
                      code: 1022, reason: "InvalidRoleIds")
        }
        for key in ["includeLocations", "excludeLocations"] {
            try check(conditions["locations"]?[key]?.stringArray, special: ["All", "AllTrusted", "00000000-0000-0000-0000-000000000000"],
                      exists: { state.namedLocations.contains($0) }, code: 1023, reason: "InvalidNamedLocationIds")
        }
        for key in ["includeServicePrincipals", "excludeServicePrincipals"] {
            try check(clientApplications?[key]?.stringArray, special: ["ServicePrincipalsInMyTenant", "None"],
                      exists: { state.servicePrincipals.contains($0) }, code: 1024, reason: "InvalidServicePrincipalIds")
        }
        for reference in applications?["includeAuthenticationContextClassReferences"]?.stringArray ?? []
        where !state.authenticationContexts.contains(reference) {
            throw fail(1025, "InvalidAuthenticationContextClassReferences")
        }
        if let strengthId = grant["authenticationStrength"]?["id"]?.stringValue, state.authenticationStrength(strengthId) == nil {
            throw fail(1026, "InvalidAuthenticationStrengthPolicyId")
        }
        if builtIn.contains("mfa"), !(grant["authenticationStrength"] ?? .null).isNull {
            throw fail(1027, "MfaAndAuthenticationStrengthCannotBeCombined")
        }
        try check(grant["termsOfUse"]?.stringArray, special: [], exists: { state.termsOfUse.contains($0) }, code: 1028, reason: "InvalidTermsOfUseIds")
    }

    // MARK: Deleted policies

    func deletedPolicies(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        let limit = configuration.conditionalAccessPolicyLimit
        return try await deletedItems(request, rest: rest, principal: principal, DeletedItems(
            context: "identity/conditionalAccess/deletedItems/policies", restoredContext: Self.policyContext,
            active: \.policies, deleted: \.deletedPolicies, audited: .policy,
            render: { service, stored, state, request in service.renderPolicy(stored, state: state, request: request) },
            query: { try Self.policyQuery($0) },
            beforeRestore: { _, state in try Self.checkPolicyLimit(state, limit: limit) }))
    }
}

extension GraphFailure {
    /// 404 for a conditional access object (the code string is not verified against Graph).
    static func policyNotFound(_ id: String) -> GraphFailure {
        GraphFailure(status: 404, code: "ResourceNotFound", message: "The requested resource '\(id)' was not found.")
    }
}
