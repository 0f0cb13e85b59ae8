import Foundation
import PolicyModel

extension GraphService {
    static let namedLocationContext = "identity/conditionalAccess/namedLocations"

    /// The concrete type of a stored or posted named location, if the version offers it.
    func namedLocationType(_ location: JSONValue, version: GraphVersion) -> ComplexType? {
        guard let name = location["@odata.type"]?.stringValue.map(ODataTypes.shortName),
              let entry = ConditionalAccessSchema.namedLocationTypes[name], entry.availability.includes(version)
        else { return nil }
        return entry.type
    }

    func renderNamedLocation(_ stored: JSONValue, request: GraphRequest) -> JSONValue? {
        guard let type = namedLocationType(stored, version: request.version) else { return nil }
        var rendered = renderer(request).render(stored, as: type, keepODataType: true)
        rendered["deletedDateTime"] = stored["deletedDateTime"] ?? .null
        return rendered
    }

    /// Every write records a directory audit in the same change (``TenantState/recordAudit(_:_:id:displayName:old:new:context:)``).
    func namedLocations(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        if rest.isEmpty {
            switch request.method {
            case "GET":
                let query = try CollectionQuery(request, defaultPageSize: nil, maximumPageSize: 999, filterable: nil, typeName: "namedLocation")
                let body = try await store.read { state in
                    query.page(state.namedLocations.all.compactMap { renderNamedLocation($0, request: request) }, request: request,
                               context: Self.namedLocationContext)
                }
                return .json(200, body)
            case "POST":
                let body = try request.jsonObject()
                guard let type = namedLocationType(.object(body), version: request.version) else { throw Self.namedLocationSchemaError() }
                try validateSchema(.object(body), as: type, request: request, typeName: "NamedLocation")
                guard let name = body["displayName"]?.stringValue, !name.isEmpty else { throw Self.namedLocationSchemaError() }
                let audit = auditContext(request, principal: principal)
                let rendered = try await store.write { state -> JSONValue in
                    var location = JSONValue.object(body).strippingODataAnnotations()
                    for key in ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime"] { location[key] = nil }
                    location["@odata.type"] = .string(ODataTypes.full(type.name))
                    let now = audit.activityDateTime
                    location["id"] = .string(StableIdentifier.random())
                    location["createdDateTime"] = .string(now)
                    location["modifiedDateTime"] = .string(now)
                    state.namedLocations.upsert(location)
                    state.recordAudit(.add, .namedLocation, id: location["id"]!.stringValue!, displayName: name, old: nil, new: location,
                                      context: audit)
                    var rendered = renderNamedLocation(location, request: request) ?? location
                    rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(Self.namedLocationContext)/$entity")
                    return rendered
                }
                if let id = rendered["id"]?.stringValue { await store.markCreated(id) }
                return .json(201, rendered)
            default: throw GraphFailure.methodNotAllowed()
            }
        }
        guard rest.count == 1 else { throw GraphFailure.noRoute(request) }
        let id = rest[0]
        try await checkReplicated(id)
        switch request.method {
        case "GET":
            let body = try await store.read { state -> JSONValue in
                guard let stored = state.namedLocations.get(id), var rendered = renderNamedLocation(stored, request: request) else {
                    throw GraphFailure.policyNotFound(id)
                }
                rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(Self.namedLocationContext)/$entity")
                return rendered
            }
            return .json(200, body)
        case "PATCH":
            let patch = try request.jsonObject()
            let audit = auditContext(request, principal: principal)
            try await store.write { state in
                guard let stored = state.namedLocations.get(id) else { throw GraphFailure.policyNotFound(id) }
                // The derived type must be named, and match the location's.
                guard let type = namedLocationType(.object(patch), version: request.version),
                      type.name == namedLocationType(stored, version: .beta)?.name
                else { throw Self.namedLocationSchemaError() }
                try validateSchema(.object(patch), as: type, request: request, typeName: "NamedLocation")
                var changes = JSONValue.object(patch).strippingODataAnnotations()
                for key in ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime", "@odata.type"] { changes[key] = nil }
                var merged = stored.merging(patch: changes)
                merged["modifiedDateTime"] = .string(audit.activityDateTime)
                state.namedLocations.upsert(merged)
                state.recordAudit(.update, .namedLocation, id: merged["id"]?.stringValue ?? id, displayName: merged["displayName"]?.stringValue,
                                  old: stored, new: merged, context: audit)
            }
            return .noContent()
        case "DELETE":
            let audit = auditContext(request, principal: principal)
            try await store.write { state in
                guard var stored = state.namedLocations.get(id) else { throw GraphFailure.policyNotFound(id) }
                let referenced = state.policies.all.contains { policy in
                    ["includeLocations", "excludeLocations"].contains { key in
                        policy["conditions"]?["locations"]?[key]?.stringArray?.contains { $0.lowercased() == id.lowercased() } ?? false
                    }
                }
                if referenced {
                    throw GraphFailure.badRequest("The server could not process the request because it is malformed or incorrect.",
                                                  inner: "1039: NamedLocation validation failed due to NamedLocationIsInUse.")
                }
                state.namedLocations.remove(id)
                state.recordAudit(.delete, .namedLocation, id: stored["id"]?.stringValue ?? id, displayName: stored["displayName"]?.stringValue,
                                  old: stored, new: nil, context: audit)
                stored["deletedDateTime"] = .string(audit.activityDateTime)
                state.deletedNamedLocations.upsert(stored)
            }
            return .noContent()
        default: throw GraphFailure.methodNotAllowed()
        }
    }

    static func namedLocationSchemaError() -> GraphFailure {
        GraphFailure.badRequest("1007: Incoming NamedLocation object is null or does not match the schema of NamedLocation type. For examples, please see API documentation at https://docs.microsoft.com/en-us/graph/api/conditionalaccessroot-post-namedlocations?view=graph-rest-1.0.")
    }

    func deletedNamedLocations(_ request: GraphRequest, rest: [String], principal: Principal) async throws -> GraphResponse {
        try await deletedItems(request, rest: rest, principal: principal, DeletedItems(
            context: "identity/conditionalAccess/deletedItems/namedLocations", restoredContext: nil,
            active: \.namedLocations, deleted: \.deletedNamedLocations, audited: .namedLocation,
            render: { service, stored, _, request in service.renderNamedLocation(stored, request: request) },
            query: nil))
    }

    // MARK: Authentication strengths

    func renderStrength(_ stored: JSONValue, request: GraphRequest) -> JSONValue {
        renderer(request).render(stored, as: ConditionalAccessSchema.authenticationStrength)
    }

    func authenticationStrengths(_ request: GraphRequest, rest: [String], context: String) async throws -> GraphResponse {
        if rest.isEmpty {
            switch request.method {
            case "GET":
                let query = try CollectionQuery(request, defaultPageSize: nil, maximumPageSize: 999,
                                                filterable: ["displayName", "policyType", "id"], typeName: "authenticationStrengthPolicy")
                let body = try await store.read { state in
                    query.page(state.allAuthenticationStrengths.map { renderStrength($0, request: request) }, request: request, context: context)
                }
                return .json(200, body)
            case "POST":
                let body = try request.jsonObject()
                if WireValidator(version: request.version).mismatch(in: .object(body), as: ConditionalAccessSchema.authenticationStrength) != nil
                    || (body["displayName"]?.stringValue ?? "").isEmpty || (body["allowedCombinations"]?.stringArray ?? []).isEmpty {
                    throw GraphFailure.badRequest("Invalid authentication strength policy: displayName and allowedCombinations are required.")
                }
                let rendered = try await store.write { state -> JSONValue in
                    if state.allAuthenticationStrengths.contains(where: { $0["displayName"]?.stringValue?.lowercased() == body["displayName"]?.stringValue?.lowercased() }) {
                        throw GraphFailure(status: 409, code: "Conflict", message: "An authentication strength policy with this display name already exists.")
                    }
                    var strength = JSONValue.object(body).strippingODataAnnotations()
                    let now = emulatorNow()
                    strength["id"] = .string(StableIdentifier.random())
                    strength["createdDateTime"] = .string(now)
                    strength["modifiedDateTime"] = .string(now)
                    strength["policyType"] = "custom"
                    strength["requirementsSatisfied"] = "mfa"
                    strength["combinationConfigurations"] = []
                    state.customAuthenticationStrengths.upsert(strength)
                    return renderStrength(strength, request: request)
                }
                return .json(201, rendered)
            default: throw GraphFailure.methodNotAllowed()
            }
        }
        let id = rest[0]
        if rest.count == 2 {
            let action = rest[1].lowercased()
            if action.hasSuffix("updateallowedcombinations") {
                try requireMethod(request, "POST")
                let body = try request.jsonObject()
                guard let combinations = body["allowedCombinations"]?.stringArray, !combinations.isEmpty else {
                    throw GraphFailure.badRequest("allowedCombinations is required.")
                }
                let result = try await store.write { state -> JSONValue in
                    guard var strength = state.customAuthenticationStrengths.get(id) else {
                        if BuiltIns.builtInStrengthIds.contains(id) { throw GraphFailure.badRequest("Built-in authentication strengths cannot be modified.") }
                        throw GraphFailure.notFound(id)
                    }
                    let previous = strength["allowedCombinations"]?.stringArray ?? []
                    strength["allowedCombinations"] = .array(combinations.map(JSONValue.string))
                    strength["modifiedDateTime"] = .string(emulatorNow())
                    state.customAuthenticationStrengths.upsert(strength)
                    return ["previousCombinations": .array(previous.map(JSONValue.string)),
                            "currentCombinations": .array(combinations.map(JSONValue.string)),
                            "conditionalAccessReferences": .array(state.policies.all.filter {
                                $0["grantControls"]?["authenticationStrength"]?["id"]?.stringValue == id
                            }.compactMap { $0["id"] })]
                }
                return .json(200, result)
            }
            throw GraphFailure.noRoute(request)
        }
        switch request.method {
        case "GET":
            let body = try await store.read { state -> JSONValue in
                guard let strength = state.authenticationStrength(id) else { throw GraphFailure.notFound(id) }
                var rendered = renderStrength(strength, request: request)
                rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(context)/$entity")
                return rendered
            }
            return .json(200, body)
        case "PATCH":
            let patch = try request.jsonObject()
            try await store.write { state in
                guard let strength = state.customAuthenticationStrengths.get(id) else {
                    if BuiltIns.builtInStrengthIds.contains(id) { throw GraphFailure.badRequest("Built-in authentication strengths cannot be modified.") }
                    throw GraphFailure.notFound(id)
                }
                var changes = JSONValue.object(patch).strippingODataAnnotations()
                for key in ["id", "createdDateTime", "modifiedDateTime", "policyType", "requirementsSatisfied", "allowedCombinations"] { changes[key] = nil }
                var merged = strength.merging(patch: changes)
                merged["modifiedDateTime"] = .string(emulatorNow())
                state.customAuthenticationStrengths.upsert(merged)
            }
            return .noContent()
        case "DELETE":
            try await store.write { state in
                guard state.customAuthenticationStrengths.contains(id) else {
                    if BuiltIns.builtInStrengthIds.contains(id) { throw GraphFailure.badRequest("Built-in authentication strengths cannot be deleted.") }
                    throw GraphFailure.notFound(id)
                }
                if state.policies.all.contains(where: { $0["grantControls"]?["authenticationStrength"]?["id"]?.stringValue == id }) {
                    throw GraphFailure.badRequest("The authentication strength policy is referenced by a conditional access policy and cannot be deleted.")
                }
                state.customAuthenticationStrengths.remove(id)
            }
            return .noContent()
        default: throw GraphFailure.methodNotAllowed()
        }
    }

    // MARK: Authentication contexts

    func authenticationContexts(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        let context = "identity/conditionalAccess/authenticationContextClassReferences"
        @Sendable func render(_ stored: JSONValue) -> JSONValue {
            var out = stored
            for key in ["displayName", "description"] where out[key] == nil { out[key] = .null }
            if out["isAvailable"] == nil { out["isAvailable"] = false }
            return out
        }
        if rest.isEmpty {
            try requireMethod(request, "GET")
            let query = try CollectionQuery(request, defaultPageSize: nil, maximumPageSize: 999, filterable: ["isAvailable", "id", "displayName"],
                                            typeName: "authenticationContextClassReference")
            let body = try await store.read { state in query.page(state.authenticationContexts.all.map(render), request: request, context: context) }
            return .json(200, body)
        }
        let id = rest[0]
        switch request.method {
        case "GET":
            let body = try await store.read { state -> JSONValue in
                guard let stored = state.authenticationContexts.get(id) else { throw GraphFailure.notFound(id) }
                return render(stored)
            }
            return .json(200, body)
        case "PATCH":
            let patch = try request.jsonObject()
            guard id.wholeMatch(of: #/c([1-9]|1[0-9]|2[0-5])/#) != nil else {
                throw GraphFailure.badRequest("Invalid authentication context class reference id '\(id)'. Allowed values are c1 through c25.")
            }
            for key in patch.keys where !["displayName", "description", "isAvailable", "id", "@odata.type"].contains(key) {
                throw GraphFailure.badRequest("Invalid property '\(key)'.")
            }
            try await store.write { state in
                var stored = state.authenticationContexts.get(id) ?? ["id": .string(id)]
                stored = stored.merging(patch: JSONValue.object(patch).strippingODataAnnotations())
                stored["id"] = .string(id)
                state.authenticationContexts.upsert(stored)
            }
            return .noContent()
        case "DELETE":
            try await store.write { state in
                guard let stored = state.authenticationContexts.get(id) else { throw GraphFailure.notFound(id) }
                if stored["isAvailable"]?.boolValue == true {
                    throw GraphFailure.badRequest("Authentication context class reference '\(id)' cannot be deleted while isAvailable is true.")
                }
                state.authenticationContexts.remove(id)
            }
            return .noContent()
        default: throw GraphFailure.methodNotAllowed()
        }
    }

    // MARK: Terms of use

    func termsOfUse(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        let context = "identityGovernance/termsOfUse/agreements"
        if rest.isEmpty {
            let query = try CollectionQuery(request, defaultPageSize: nil, maximumPageSize: 999, filterable: ["displayName", "id"], typeName: "agreement")
            let body = try await store.read { state in query.page(state.termsOfUse.all, request: request, context: context) }
            return .json(200, body)
        }
        let id = rest[0]
        let body = try await store.read { state -> JSONValue in
            guard let agreement = state.termsOfUse.get(id) else { throw GraphFailure.notFound(id) }
            return agreement
        }
        return .json(200, body)
    }
}
