import Foundation
import PolicyModel

extension GraphService {
    /// Directory collections page at 100 by default and 999 at most (reference §2.6).
    func directoryQuery(_ request: GraphRequest, objects: [JSONValue], typeName: String) throws -> CollectionQuery {
        try directoryQuery(request, typeName: typeName) { name in objects.contains { $0[name] != nil } }
    }

    /// The same, with `stored(name)` telling whether any stored object has a property outside the
    /// known set. It is asked only for such properties a filter names: walking every key of a
    /// 20,000-user directory per request cost more than the request.
    func directoryQuery(_ request: GraphRequest, typeName: String, stored: (String) -> Bool) throws -> CollectionQuery {
        let known: Set<String> = ["id", "displayName", "userPrincipalName", "mail", "appId", "accountEnabled", "userType",
                                  "servicePrincipalType", "securityEnabled", "mailEnabled", "groupTypes", "givenName", "surname",
                                  "mailNickname", "onPremisesSyncEnabled", "isBuiltIn", "templateId", "servicePrincipalNames", "tags"]
        return try withoutActuallyEscaping(stored) { stored in
            try CollectionQuery(request, defaultPageSize: 100, maximumPageSize: 999, isFilterable: { known.contains($0) || stored($0) },
                                typeName: typeName,
                                tooLargeMessage: { _ in "Invalid page size specified: the $top value must be between 1 and 999." })
        }
    }

    /// A directory collection listing: `$filter` on `id` alone (`id eq '…'`, `id in (…)`) is answered
    /// by key, as Graph's indexes would, instead of testing every stored object.
    func directoryList(_ request: GraphRequest, _ collection: EntityCollection, typeName: String, context: String) throws -> JSONValue {
        let query = try directoryQuery(request, typeName: typeName) { name in collection.all.contains { $0[name] != nil } }
        if let ids = query.filter?.idsOnly {
            var seen = Set<String>()
            let found = ids.filter { seen.insert($0.lowercased()).inserted }.compactMap { collection.get($0) }
            return query.page(found, request: request, context: context)
        }
        return query.page(collection.all, request: request, context: context)
    }

    static func typed(_ object: JSONValue, _ type: String) -> JSONValue {
        var object = object
        object["@odata.type"] = .string(ODataTypes.full(type))
        return object
    }

    func users(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        if rest.isEmpty {
            try requireMethod(request, "GET")
            let body = try await store.read { state in try directoryList(request, state.users, typeName: "user", context: "users") }
            return .json(200, body)
        }
        let key = rest[0]
        let relation = rest[safe: 1]?.lowercased()
        switch relation {
        case nil where request.method == "DELETE":
            try await store.write { state in
                guard state.deleteUser(idOrUserPrincipalName: key, at: emulatorNow()) != nil else { throw GraphFailure.notFound(key) }
            }
            return .noContent()
        case nil:
            try requireMethod(request, "GET")
            let body = try await store.read { state -> JSONValue in
                guard var user = state.user(idOrUserPrincipalName: key) else { throw GraphFailure.notFound(key) }
                user = try directoryQuery(request, objects: [user], typeName: "user").project(user)
                user["@odata.context"] = .string("\(request.serviceRoot)/$metadata#users/$entity")
                return user
            }
            return .json(200, body)
        case "memberof", "transitivememberof":
            try requireMethod(request, "GET")
            let transitive = relation == "transitivememberof"
            let body = try await store.read { state -> JSONValue in
                guard let user = state.user(idOrUserPrincipalName: key), let id = user["id"]?.stringValue else { throw GraphFailure.notFound(key) }
                let groupIds = transitive ? state.transitiveGroups(of: id) : state.directGroups(of: id)
                var objects = groupIds.compactMap { state.groups.get($0) }.map { Self.typed($0, "group") }
                let roles = transitive ? state.roleTemplates(of: id) : state.roleAssignments.keys.sorted().filter {
                    state.roleAssignments[$0]!.contains { $0.lowercased() == id.lowercased() }
                }
                objects += roles.compactMap { BuiltIns.roleTemplatesById[$0] }.map { role in
                    ["@odata.type": "#microsoft.graph.directoryRole", "id": .string(StableIdentifier.guid(kind: "directoryRole", name: role.id)),
                     "deletedDateTime": .null, "description": .string(role.description), "displayName": .string(role.displayName),
                     "roleTemplateId": .string(role.id)]
                }
                return try directoryQuery(request, objects: objects, typeName: "directoryObject")
                    .page(objects, request: request, context: "directoryObjects")
            }
            return .json(200, body)
        case "revokesigninsessions":
            try requireMethod(request, "POST")
            try await store.write { state in
                guard var user = state.user(idOrUserPrincipalName: key) else { throw GraphFailure.notFound(key) }
                user["signInSessionsValidFromDateTime"] = .string(emulatorNow())
                state.users.upsert(user)
            }
            return .json(200, ["@odata.context": .string("\(request.serviceRoot)/$metadata#Edm.Boolean"), "value": true])
        default:
            throw GraphFailure.noRoute(request)
        }
    }

    /// `/directory/deletedItems/microsoft.graph.user` (the soft-deleted users) and
    /// `/directory/deletedItems/{id}`. Groups and applications are never deleted in the emulator:
    /// their casts list nothing.
    func deletedItems(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        guard let head = rest.first, rest.count == 1 else { throw GraphFailure.noRoute(request) }
        let cast = head.lowercased()
        if cast.hasPrefix("microsoft.graph.") {
            guard ["microsoft.graph.user", "microsoft.graph.group", "microsoft.graph.application", "microsoft.graph.serviceprincipal"]
                .contains(cast) else { throw GraphFailure.noRoute(request) }
            let context = "directory/deletedItems/\(head)"
            let body = try await store.read { state -> JSONValue in
                let objects = cast == "microsoft.graph.user" ? state.deletedUsers.all : []
                return try directoryQuery(request, objects: objects, typeName: String(head.dropFirst("microsoft.graph.".count)))
                    .page(objects, request: request, context: context)
            }
            return .json(200, body)
        }
        let body = try await store.read { state -> JSONValue in
            guard let user = state.deletedUsers.get(head) else { throw GraphFailure.notFound(head) }
            var rendered = try directoryQuery(request, objects: [user], typeName: "user").project(Self.typed(user, "user"))
            rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#directory/deletedItems/$entity")
            return rendered
        }
        return .json(200, body)
    }

    func groups(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        if rest.isEmpty {
            let body = try await store.read { state in try directoryList(request, state.groups, typeName: "group", context: "groups") }
            return .json(200, body)
        }
        let id = rest[0]
        let relation = rest[safe: 1]?.lowercased()
        if let relation, relation == "members" || relation == "transitivemembers" {
            // The typed member list is built once per tenant revision: a 20,000-member group is paged
            // 999 at a time, and walking and typing every member per page cost more than the page.
            let members = try await store.filtered(key: "groups/\(id.lowercased())/\(relation)") { state -> [JSONValue] in
                guard state.groups.contains(id) else { throw GraphFailure.notFound(id) }
                let memberIds = relation == "members" ? (state.groupMembers[id.lowercased()] ?? []) : state.transitiveMembers(of: id)
                return memberIds.compactMap { state.directoryObject($0) }.map { Self.typed($0.object, $0.type) }
            }
            let body = try directoryQuery(request, objects: members, typeName: "directoryObject")
                .page(members, request: request, context: "directoryObjects")
            return .json(200, body)
        }
        let body = try await store.read { state -> JSONValue in
            guard var group = state.groups.get(id) else { throw GraphFailure.notFound(id) }
            switch relation {
            case nil:
                group = try directoryQuery(request, objects: [group], typeName: "group").project(group)
                group["@odata.context"] = .string("\(request.serviceRoot)/$metadata#groups/$entity")
                return group
            default:
                throw GraphFailure.noRoute(request)
            }
        }
        return .json(200, body)
    }

    func servicePrincipals(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        // servicePrincipals(appId='…') alternate key.
        let head = rest[0]
        var key: String? = rest[safe: 1]
        var byAppId = false
        if let open = head.firstIndex(of: "("), head.hasSuffix(")") {
            let inside = head[head.index(after: open)..<head.index(before: head.endIndex)]
            guard inside.lowercased().hasPrefix("appid=") else { throw GraphFailure.noRoute(request) }
            key = String(inside.dropFirst(6)).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            byAppId = true
        }
        guard let key else {
            let body = try await store.read { state in
                try directoryList(request, state.servicePrincipals, typeName: "servicePrincipal", context: "servicePrincipals")
            }
            return .json(200, body)
        }
        let lookupByAppId = byAppId
        let body = try await store.read { state -> JSONValue in
            let found = lookupByAppId
                ? state.servicePrincipals.all.first { $0["appId"]?.stringValue?.lowercased() == key.lowercased() }
                : state.servicePrincipals.get(key)
            guard var principal = found else { throw GraphFailure.notFound(key) }
            principal = try directoryQuery(request, objects: [principal], typeName: "servicePrincipal").project(principal)
            principal["@odata.context"] = .string("\(request.serviceRoot)/$metadata#servicePrincipals/$entity")
            return principal
        }
        return .json(200, body)
    }

    func roleTemplates(_ request: GraphRequest, rest: [String], definitions: Bool) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        func render(_ role: BuiltIns.RoleTemplate) -> JSONValue {
            if definitions {
                return ["id": .string(role.id), "description": .string(role.description), "displayName": .string(role.displayName),
                        "isBuiltIn": true, "isEnabled": true, "resourceScopes": ["/"], "templateId": .string(role.id), "version": "1",
                        "rolePermissions": [], "inheritsPermissionsFrom": []]
            }
            return ["id": .string(role.id), "deletedDateTime": .null, "description": .string(role.description),
                    "displayName": .string(role.displayName)]
        }
        let context = definitions ? "roleManagement/directory/roleDefinitions" : "directoryRoleTemplates"
        let all = BuiltIns.roleTemplates.map(render)
        if rest.isEmpty {
            return .json(200, try directoryQuery(request, objects: all, typeName: definitions ? "unifiedRoleDefinition" : "directoryRoleTemplate")
                .page(all, request: request, context: context))
        }
        guard let role = BuiltIns.roleTemplatesById[rest[0].lowercased()] else { throw GraphFailure.notFound(rest[0]) }
        var rendered = render(role)
        rendered["@odata.context"] = .string("\(request.serviceRoot)/$metadata#\(context)/$entity")
        return .json(200, rendered)
    }

    /// `GET /roleManagement/directory/roleAssignments` (`$filter` on `roleDefinitionId` or
    /// `principalId`): the seed's active assignments, tenant-wide (`directoryScopeId` `/`), as
    /// `unifiedRoleAssignment`s; the role definition id of a built-in role is its template id.
    func roleAssignments(_ request: GraphRequest, rest: [String]) async throws -> GraphResponse {
        try requireMethod(request, "GET")
        guard rest.isEmpty else { throw GraphFailure.noRoute(request) }
        let body = try await store.read { state -> JSONValue in
            var assignments: [JSONValue] = []
            for role in state.roleAssignments.keys.sorted() {
                for principal in state.roleAssignments[role]! {
                    assignments.append([
                        "id": .string(StableIdentifier.guid(kind: "roleAssignment", name: "\(role)/\(principal)")),
                        "principalId": .string(principal.lowercased()), "roleDefinitionId": .string(role.lowercased()),
                        "directoryScopeId": "/", "appScopeId": .null, "condition": .null,
                    ])
                }
            }
            // The assignment's own properties are filterable in every tenant, one without assignments too.
            let properties: Set<String> = ["principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"]
            return try directoryQuery(request, typeName: "unifiedRoleAssignment") { name in properties.contains(name) }
                .page(assignments, request: request, context: "roleManagement/directory/roleAssignments")
        }
        return .json(200, body)
    }

    func getByIds(_ request: GraphRequest) async throws -> GraphResponse {
        try requireMethod(request, "POST")
        let body = try request.jsonObject()
        guard let ids = body["ids"]?.stringArray else { throw GraphFailure.badRequest("The 'ids' parameter is required.", code: "Request_BadRequest") }
        guard ids.count <= 1000 else { throw GraphFailure.badRequest("The number of ids exceeds the maximum of 1000.", code: "Request_BadRequest") }
        let types = Set((body["types"]?.stringArray ?? []).map { $0.lowercased() })
        let value = try await store.read { state -> JSONValue in
            var objects: [JSONValue] = []
            for id in ids {
                if let found = state.directoryObject(id), types.isEmpty || types.contains(found.type.lowercased()) {
                    objects.append(Self.typed(found.object, found.type))
                } else if let role = BuiltIns.roleTemplatesById[id.lowercased()], types.isEmpty || types.contains("directoryroletemplate") {
                    objects.append(["@odata.type": "#microsoft.graph.directoryRoleTemplate", "id": .string(role.id),
                                    "displayName": .string(role.displayName), "description": .string(role.description), "deletedDateTime": .null])
                }
            }
            return .array(objects)
        }
        return .json(200, ["@odata.context": .string("\(request.serviceRoot)/$metadata#directoryObjects"), "value": value])
    }
}
