import Foundation
import GraphClient
import PolicyModel
import Reconciliation

/// Reads the live state a plan needs in the fewest requests: one list each for policies, named
/// locations, authentication strengths and authentication contexts (conditional access paths, paced
/// at one request per second), then the directory objects the configuration names and the live
/// policies reference, batched (`$filter … in (…)` inside `$batch`, `directoryObjects/getByIds`).
package struct TenantSnapshotReader {
    package let client: GraphClient

    package init(client: GraphClient) { self.client = client }

    package struct Result {
        package var snapshot: TenantSnapshot
        package var directory: DirectoryIndex
    }

    /// - Parameter livePolicies: the conditional access policies when the caller listed them already
    ///   (to start other reads on them while this one waits for the pacing of the next lists).
    package func read(query: DirectoryQuery, policies livePolicies: [JSONValue]? = nil) async throws(GraphError) -> Result {
        let policies: [JSONValue]
        if let livePolicies { policies = livePolicies } else { policies = try await client.listPolicies() }
        let namedLocations = try await client.listNamedLocations()
        let strengths = try await client.listAuthenticationStrengths()
        let liveReferences = LiveReferences(policies: policies)
        var directory = DirectoryIndex()
        directory.add(namedLocations.compactMap(Self.entry), as: .namedLocation)
        directory.add(strengths.compactMap(Self.entry), as: .authenticationStrength)

        if !(query.names[.authenticationContext] ?? []).isEmpty || !(query.ids[.authenticationContext] ?? []).isEmpty
            || !liveReferences.authenticationContexts.isEmpty {
            directory.add(try await client.listAuthenticationContexts().compactMap(Self.entry), as: .authenticationContext)
        }
        if !(query.names[.termsOfUse] ?? []).isEmpty || !(query.ids[.termsOfUse] ?? []).isEmpty || !liveReferences.termsOfUse.isEmpty {
            directory.add(try await client.listTermsOfUse().compactMap(Self.entry), as: .termsOfUse)
        }
        if !(query.names[.role] ?? []).isEmpty || !(query.ids[.role] ?? []).isEmpty || !liveReferences.roles.isEmpty {
            directory.add(try await client.listRoleTemplates().map { DirectoryEntry(id: $0.id, name: $0.displayName ?? $0.id) }, as: .role)
        }

        // Names the configuration uses.
        let users = try await client.resolveUsers(upns: Array(query.names[.user] ?? []))
        directory.add(users.matches.values.flatMap { $0 }.map(Self.userEntry), as: .user)
        let groups = try await client.resolveGroups(names: Array(query.names[.group] ?? []))
        directory.add(groups.matches.values.flatMap { $0 }.map(Self.namedEntry), as: .group)

        // Applications by name, then by the appIds (declared, and used by live policies) that the
        // name look-up did not already answer: usually the same applications.
        let servicePrincipals = try await client.resolveServicePrincipals(names: Array(query.names[.servicePrincipal] ?? []))
        directory.add(servicePrincipals.matches.values.flatMap { $0 }.map(Self.servicePrincipalEntry), as: .servicePrincipal)
        let knownAppIds = Set(directory.entries(.servicePrincipal).compactMap { $0.appId?.lowercased() })
        let wantedAppIds = (query.ids[.servicePrincipal] ?? []).union(liveReferences.applications)
            .filter { !knownAppIds.contains($0.lowercased()) }
        if !wantedAppIds.isEmpty {
            let byAppId = try await client.resolveServicePrincipals(appIds: Array(wantedAppIds))
            directory.add(byAppId.matches.values.flatMap { $0 }.map(Self.servicePrincipalEntry), as: .servicePrincipal)
            // AppIds without a service principal here are named from Microsoft's first-party catalogue,
            // unless a service principal of the tenant carries that name (the tenant wins): ask once,
            // for those names only, so a name written in a plan or an export resolves back to its appId.
            let foundAppIds = Set(directory.entries(.servicePrincipal).compactMap { $0.appId?.lowercased() })
            let queriedNames = Set((query.names[.servicePrincipal] ?? []).map { $0.lowercased() })
            let catalogueNames = Set(wantedAppIds.filter { !foundAppIds.contains($0.lowercased()) }
                .compactMap { FirstPartyApplications.application(appId: $0)?.displayName })
                .filter { !queriedNames.contains($0.lowercased()) }
            if !catalogueNames.isEmpty {
                let sameName = try await client.resolveServicePrincipals(names: catalogueNames.sorted())
                directory.add(sameName.matches.values.flatMap { $0 }.map(Self.servicePrincipalEntry), as: .servicePrincipal)
            }
        }

        // Object ids: declared ones are checked to exist; live ones are named in the plan. Ids the
        // name look-ups already answered (usually all of them) are not asked for again.
        let known = Set([ReferenceTarget.user, .group, .servicePrincipal].flatMap { directory.entries($0).map { $0.id.lowercased() } })
        let objectIds = (query.ids[.user] ?? []).union(query.ids[.group] ?? []).union(query.ids[.servicePrincipal] ?? [])
            .union(liveReferences.objects).filter { !known.contains($0.lowercased()) }
        if !objectIds.isEmpty {
            for object in try await client.getByIds(Array(objectIds)) {
                switch object.odataType {
                case "#microsoft.graph.user": directory.add([Self.userEntry(object)], as: .user)
                case "#microsoft.graph.group": directory.add([Self.namedEntry(object)], as: .group)
                case "#microsoft.graph.servicePrincipal": directory.add([Self.servicePrincipalEntry(object)], as: .servicePrincipal)
                default: break
                }
            }
        }

        // Suggestions for names that matched nothing: one prefix search each (only on this error path).
        directory.suggestionPool[.group] = try await suggestions(for: groups.unresolved, collection: "/groups", property: "displayName")
        directory.suggestionPool[.user] = try await suggestions(for: users.unresolved, collection: "/users", property: "userPrincipalName")
        directory.suggestionPool[.servicePrincipal] = try await suggestions(
            for: servicePrincipals.unresolved.filter { !DirectoryReference.isObjectID($0) }, collection: "/servicePrincipals",
            property: "displayName")

        let snapshot = TenantSnapshot(policies: policies, namedLocations: namedLocations, directoryNames: directory.names)
        return Result(snapshot: snapshot, directory: directory)
    }

    /// Names starting like each unresolved one, for "did you mean". At most ten look-ups.
    private func suggestions(for names: [String], collection: String, property: String) async throws(GraphError) -> [String] {
        var found: [String] = []
        for name in names.prefix(10) {
            let prefix = String(name.prefix(min(4, max(1, name.count - 1)))).replacingOccurrences(of: "'", with: "''")
            let query = GraphQuery(filter: "startsWith(\(property),'\(prefix)')", select: ["id", property], top: 100)
            let page = try await client.listAll(collection, query: query, version: client.configuration.directoryVersion)
            found += page.compactMap { $0[property]?.stringValue }
        }
        return found
    }

    package static func entry(_ json: JSONValue) -> DirectoryEntry? {
        guard let id = json["id"]?.stringValue else { return nil }
        return DirectoryEntry(id: id, name: json["displayName"]?.stringValue ?? id)
    }

    package static func userEntry(_ object: DirectoryObject) -> DirectoryEntry {
        DirectoryEntry(id: object.id, name: object.userPrincipalName ?? object.displayName ?? object.id)
    }

    package static func namedEntry(_ object: DirectoryObject) -> DirectoryEntry {
        DirectoryEntry(id: object.id, name: object.displayName ?? object.id)
    }

    package static func servicePrincipalEntry(_ object: DirectoryObject) -> DirectoryEntry {
        DirectoryEntry(id: object.id, name: object.displayName ?? object.appId ?? object.id, appId: object.appId)
    }
}

/// The ids live policies reference, by kind, so the plan can show their names.
package struct LiveReferences {
    package var objects = Set<String>()
    package var roles = Set<String>()
    package var applications = Set<String>()
    package var authenticationContexts = Set<String>()
    package var termsOfUse = Set<String>()

    package init(policies: [JSONValue]) {
        func ids(_ value: JSONValue?) -> [String] {
            (value?.stringArray ?? []).filter { DirectoryReference.isObjectID($0) }
        }
        for policy in policies {
            let users = policy["conditions"]?["users"]
            for key in ["includeUsers", "excludeUsers", "includeGroups", "excludeGroups"] { objects.formUnion(ids(users?[key])) }
            for key in ["includeRoles", "excludeRoles"] { roles.formUnion(ids(users?[key])) }
            let applications = policy["conditions"]?["applications"]
            for key in ["includeApplications", "excludeApplications"] { self.applications.formUnion(ids(applications?[key])) }
            authenticationContexts.formUnion(applications?["includeAuthenticationContextClassReferences"]?.stringArray ?? [])
            let clients = policy["conditions"]?["clientApplications"]
            for key in ["includeServicePrincipals", "excludeServicePrincipals"] { objects.formUnion(ids(clients?[key])) }
            termsOfUse.formUnion(ids(policy["grantControls"]?["termsOfUse"]))
        }
    }
}
