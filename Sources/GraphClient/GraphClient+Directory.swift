import Foundation
import GraphWire
import PolicyModel

/// A user, group, service principal or role template, reduced to what name resolution needs.
public struct DirectoryObject: Sendable, Hashable {
    public var id: String
    public var displayName: String?
    public var userPrincipalName: String?
    /// The application (client) id of a service principal.
    public var appId: String?
    /// `@odata.type` when Graph sent one (e.g. `#microsoft.graph.user` from `getByIds`).
    public var odataType: String?
    /// The object as Graph returned it.
    public var raw: JSONValue

    /// Reads a directory object; `nil` without an `id`.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.id = id
        self.displayName = json["displayName"]?.stringValue
        self.userPrincipalName = json["userPrincipalName"]?.stringValue
        self.appId = json["appId"]?.stringValue
        self.odataType = json["@odata.type"]?.stringValue
        self.raw = json
    }
}

/// The result of resolving names: every requested name with the objects that matched it (none,
/// one, or several — ambiguous).
public struct NameResolution: Sendable, Hashable {
    /// Matches per requested name, in the caller's spelling.
    public var matches: [String: [DirectoryObject]]

    public init(matches: [String: [DirectoryObject]]) { self.matches = matches }

    /// Names that matched nothing.
    public var unresolved: [String] { matches.filter { $0.value.isEmpty }.keys.sorted() }
    /// Names that matched more than one object.
    public var ambiguous: [String] { matches.filter { $0.value.count > 1 }.keys.sorted() }
    /// The single match of `name`, if exactly one.
    public subscript(name: String) -> DirectoryObject? {
        guard let found = matches[name], found.count == 1 else { return nil }
        return found[0]
    }
}

extension GraphClient {
    var directoryVersion: GraphVersion { configuration.directoryVersion }

    /// Users by `userPrincipalName` (case-insensitive), 15 names per `$filter … in (…)`, batched.
    public func resolveUsers(upns: [String]) async throws(GraphError) -> NameResolution {
        try await resolve(
            names: upns, collection: "/users", property: "userPrincipalName", select: ["id", "displayName", "userPrincipalName"]
        ) { $0.userPrincipalName }
    }

    /// Groups by `displayName` (case-insensitive; several groups may share a name).
    public func resolveGroups(names: [String]) async throws(GraphError) -> NameResolution {
        try await resolve(names: names, collection: "/groups", property: "displayName", select: ["id", "displayName"]) { $0.displayName }
    }

    /// Service principals by display name and by application id. Both results are keyed by the
    /// value asked for.
    public func resolveServicePrincipals(names: [String] = [], appIds: [String] = []) async throws(GraphError) -> NameResolution {
        let select = ["id", "appId", "displayName"]
        var result = try await resolve(names: names, collection: "/servicePrincipals", property: "displayName", select: select) {
            $0.displayName
        }
        let byAppId = try await resolve(names: appIds, collection: "/servicePrincipals", property: "appId", select: select) { $0.appId }
        result.matches.merge(byAppId.matches) { old, new in Array(Set(old + new)) }
        return result
    }

    /// The built-in directory role templates (`id` is what `includeRoles` takes).
    public func listRoleTemplates() async throws(GraphError) -> [DirectoryObject] {
        try await listAll("/directoryRoleTemplates", query: GraphQuery(select: ["id", "displayName", "description"]), version: directoryVersion)
            .compactMap(DirectoryObject.init(json:))
    }

    /// Objects by id (`POST /directoryObjects/getByIds`, 1,000 ids per call): ids → names for plans.
    public func getByIds(_ ids: [String], types: [String] = ["user", "group", "servicePrincipal"]) async throws(GraphError)
        -> [DirectoryObject]
    {
        var objects: [DirectoryObject] = []
        let unique = Array(Set(ids)).sorted()
        for start in stride(from: 0, to: unique.count, by: 1000) {
            let chunk = Array(unique[start..<min(start + 1000, unique.count)])
            let body: JSONValue = ["ids": .array(chunk.map { .string($0) }), "types": .array(types.map { .string($0) })]
            let response = try await postAction("/directoryObjects/getByIds", body: body, version: directoryVersion, semantics: .read)
            objects += (response.body?["value"]?.arrayValue ?? []).compactMap(DirectoryObject.init(json:))
        }
        return objects
    }

    /// Every member of a group, nested groups expanded (`transitiveMembers`).
    public func listTransitiveMembers(groupId: String) async throws(GraphError) -> [DirectoryObject] {
        try await listAll(
            "/groups/\(Self.segment(groupId))/transitiveMembers",
            query: GraphQuery(select: ["id", "displayName", "userPrincipalName"], top: 999), version: directoryVersion
        ).compactMap(DirectoryObject.init(json:))
    }

    /// Every group a user belongs to, directly or through nesting (`transitiveMemberOf`).
    public func listTransitiveMemberOf(userId: String) async throws(GraphError) -> [DirectoryObject] {
        try await listAll(
            "/users/\(Self.segment(userId))/transitiveMemberOf", query: GraphQuery(select: ["id", "displayName"], top: 999),
            version: directoryVersion
        ).compactMap(DirectoryObject.init(json:))
    }

    /// The groups (nested included) and directory role templates a user holds, from one
    /// `transitiveMemberOf` listing (lowercased ids).
    public func listTransitiveMemberships(userId: String) async throws(GraphError) -> (groupIds: Set<String>, roleTemplateIds: Set<String>) {
        let objects = try await listAll(
            "/users/\(Self.segment(userId))/transitiveMemberOf", query: GraphQuery(select: ["id", "roleTemplateId"], top: 999),
            version: directoryVersion)
        var groups: Set<String> = []
        var roles: Set<String> = []
        for object in objects {
            if let template = object["roleTemplateId"]?.stringValue {
                roles.insert(template.lowercased())
            } else if object["@odata.type"]?.stringValue == "#microsoft.graph.group", let id = object["id"]?.stringValue {
                groups.insert(id.lowercased())
            }
        }
        return (groups, roles)
    }

    /// Every user, with only what Conditional Access evaluation needs (`id`, `userPrincipalName`,
    /// `userType`, `accountEnabled`), 999 per page.
    public func listUsersForEvaluation() async throws(GraphError) -> [JSONValue] {
        try await listAll("/users", query: GraphQuery(select: ["id", "userPrincipalName", "userType", "accountEnabled"], top: 999),
                          version: directoryVersion)
    }

    /// The ids of every member of a group, nested groups expanded (users, groups and devices alike),
    /// with their `@odata.type`.
    public func listTransitiveMemberIds(groupId: String) async throws(GraphError) -> [DirectoryObject] {
        try await listAll("/groups/\(Self.segment(groupId))/transitiveMembers", query: GraphQuery(select: ["id"], top: 999),
                          version: directoryVersion).compactMap(DirectoryObject.init(json:))
    }

    /// The principals (users, or role-assignable groups) holding a directory role actively and
    /// tenant-wide: `roleManagement/directory/roleAssignments` filtered on the role's template id.
    public func listRoleAssignmentPrincipals(roleTemplateId: String) async throws(GraphError) -> [String] {
        let escaped = roleTemplateId.replacingOccurrences(of: "'", with: "''")
        let assignments = try await listAll(
            "/roleManagement/directory/roleAssignments",
            query: GraphQuery(filter: "roleDefinitionId eq '\(escaped)'", select: ["principalId", "directoryScopeId"]), version: directoryVersion)
        return assignments.filter { ($0["directoryScopeId"]?.stringValue ?? "/") == "/" }.compactMap { $0["principalId"]?.stringValue }
    }

    /// Resolves `names` against `collection` with `property in (…)` filters of 15 values, sent as
    /// one `$batch` (chunked by 20). Matching is case-insensitive.
    func resolve(
        names: [String], collection: String, property: String, select: [String], key: (DirectoryObject) -> String?
    ) async throws(GraphError) -> NameResolution {
        let distinct = Array(Set(names)).sorted()
        let found = try await lookUp(distinct, collection: collection, property: property, select: select).compactMap(DirectoryObject.init(json:))
        var byKey: [String: [DirectoryObject]] = [:]
        for object in found {
            guard let value = key(object)?.lowercased() else { continue }
            if !(byKey[value]?.contains(where: { $0.id == object.id }) ?? false) { byKey[value, default: []].append(object) }
        }
        var matches: [String: [DirectoryObject]] = [:]
        for name in distinct { matches[name] = byKey[name.lowercased()] ?? [] }
        return NameResolution(matches: matches)
    }

    /// The objects of `collection` whose `property` is one of `values`: `property in (…)` filters of 15
    /// values, one `$batch` (chunked by 20), pages followed. Raw JSON with the `select`ed properties.
    func lookUp(_ values: [String], collection: String, property: String, select: [String]) async throws(GraphError) -> [JSONValue] {
        let distinct = Array(Set(values)).sorted()
        guard !distinct.isEmpty else { return [] }
        let groups = stride(from: 0, to: distinct.count, by: 15).map { Array(distinct[$0..<min($0 + 15, distinct.count)]) }
        var items: [BatchRequestItem] = []
        for (index, group) in groups.enumerated() {
            let query = GraphQuery(filter: GraphQuery.inList(property, group), select: select, top: 999)
            items.append(BatchRequestItem(id: String(index + 1), method: "GET", url: query.apply(to: collection)))
        }
        if items.count == 1 { return try await listAll(items[0].url, version: directoryVersion) }
        var found: [JSONValue] = []
        let answers = try await batch(items, version: directoryVersion)
        for item in items {
            guard let answer = answers[item.id] else { continue }
            guard (200..<300).contains(answer.status), let body = answer.body, var page = ODataPage(json: body) else {
                throw Self.batchItemError(answer, item: item, version: directoryVersion)
            }
            found += page.value
            // Rare: a page of a filtered lookup continues; follow it directly.
            while let next = page.nextLink {
                let response = try await send(GraphRequest(method: "GET", path: collection, version: directoryVersion, absoluteURL: next))
                guard let json = response.body, let nextPage = ODataPage(json: json) else { break }
                found += nextPage.value
                page = nextPage
            }
        }
        return found
    }

    /// Each user's `signInSessionsValidFromDateTime` (set by `revokeSignInSessions`: tokens issued
    /// before it are invalid), keyed by lowercased id; users without one are absent.
    public func signInSessionsValidFrom(userIds: [String]) async throws(GraphError) -> [String: String] {
        let users = try await lookUp(userIds.map { $0.lowercased() }, collection: "/users", property: "id",
                                     select: ["id", "signInSessionsValidFromDateTime"])
        var result: [String: String] = [:]
        for user in users {
            if let id = user["id"]?.stringValue, let time = user["signInSessionsValidFromDateTime"]?.stringValue { result[id.lowercased()] = time }
        }
        return result
    }

    static func batchItemError(_ answer: BatchResponseItem, item: BatchRequestItem, version: GraphVersion) -> GraphError {
        let envelope = answer.body.flatMap(ODataErrorEnvelope.init(json:))
        return GraphError(
            kind: .service, status: answer.status, code: envelope?.code,
            message: envelope?.message ?? HTTPStatusText.text(answer.status),
            requestId: answer.headers.first { $0.key.lowercased() == "request-id" }?.value ?? envelope?.requestId,
            clientRequestId: envelope?.clientRequestId, method: item.method, path: "/\(version.rawValue)\(item.url)")
    }
}
