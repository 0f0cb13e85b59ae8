import GraphClient
import PolicyEvaluation
import PolicyModel
import Reconciliation

extension ReconcileSession {
    /// Who `plan` affects: every enabled user of the tenant (and every service principal a
    /// workload-identity policy names) evaluated against the policies before and after it, with
    /// ``ImpactAnalysis``. Reads the directory once: users paged with `$select`, the transitive
    /// members of each group the policies name, and the holders of each role they name, the three
    /// concurrently (directory requests, not conditional-access ones; `--debug` says how many).
    func impact(for plan: Plan) async throws -> PlanImpact {
        let client = connection.client
        let requestsBefore = client.statistics.attempts
        let clock = ContinuousClock()
        let readStart = clock.now
        let before = snapshot.policies
        let after = policiesAfter(plan)
        let references = Self.references(in: before + after)

        let (subjects, disabled, hasExternalUsers) = try await directoryUsers(groups: references.groups, roles: references.roles)
        var principals = references.servicePrincipals.sorted().map { id in
            SignInSubject(servicePrincipal: id, label: snapshot.directoryNames.name(for: id) ?? id)
        }
        if references.allServicePrincipals {
            principals.append(SignInSubject(servicePrincipal: Self.otherServicePrincipalId, label: "any other service principal of the tenant"))
        }
        let (beforeDirectory, afterDirectory) = evaluationDirectories()
        let analysisStart = clock.now
        let result = ImpactAnalysis.analyse(
            before: .init(policies: before, directory: beforeDirectory), after: .init(policies: after, directory: afterDirectory),
            population: .init(users: subjects, servicePrincipals: principals), applicationNames: snapshot.directoryNames.namesById)
        let requests = client.statistics.attempts - requestsBefore
        let analysisEnd = clock.now
        connection.logger.debug("""
            impact: \(requests) directory requests (users, \(references.groups.count) groups' transitive members, \
            \(references.roles.count) roles' assignments) in \(Self.milliseconds(analysisStart - readStart)); \(subjects.count) users in \
            \(result.userClasses) classes, \(principals.count) service principals, \(result.leavesEvaluated) outcome pairs compared in \
            \(Self.milliseconds(analysisEnd - analysisStart))
            """)
        var notes = ["devices are evaluated as unregistered and applications without custom security attributes"]
        if disabled > 0 { notes.append("\(disabled) disabled account\(disabled == 1 ? "" : "s") left out (they cannot sign in)") }
        if hasExternalUsers {
            notes.append("guests are evaluated as B2B collaboration guests or members (their home tenant is not read)")
        }
        return PlanImpact(changes: result.changes.map(Self.impactChange), usersEvaluated: subjects.count, userClasses: result.userClasses,
                          servicePrincipalsEvaluated: principals.count, notes: notes)
    }

    /// Every enabled user of the tenant as evaluation sees them: with their transitive memberships of
    /// `groups` and their active holdings of `roles` (directly or through a role-assignable group).
    /// Users are paged with `$select`; the groups' members and the roles' holders are read beside them.
    func directoryUsers(groups: Set<String>, roles: Set<String>) async throws
        -> (subjects: [SignInSubject], disabled: Int, hasExternalUsers: Bool) {
        let client = connection.client
        // The users' pages follow one another; the groups' and roles' reads run beside them.
        async let userList = client.listUsersForEvaluation()
        async let groupMembers = Self.concurrently(groups.sorted()) { try await Self.members(of: $0, client: client) }
        async let roleHolders = Self.concurrently(roles.sorted()) { try await client.listRoleAssignmentPrincipals(roleTemplateId: $0) }
        var users: [String: (label: String, external: GuestOrExternalUserType?)] = [:]
        var order: [String] = []
        var disabled = 0
        for user in try await userList {
            guard let id = user["id"]?.stringValue?.lowercased() else { continue }
            if user["accountEnabled"]?.boolValue == false {
                disabled += 1
                continue
            }
            let upn = user["userPrincipalName"]?.stringValue ?? id
            // A guest's kind is not in the user object; Graph's userType and the #EXT# UPN tell the B2B ones apart.
            let external: GuestOrExternalUserType? = user["userType"]?.stringValue == "Guest" ? .b2bCollaborationGuest
                : upn.contains("#EXT#") ? .b2bCollaborationMember : nil
            users[id] = (upn, external)
            order.append(id)
        }
        var groupsOf: [String: Set<String>] = [:]
        for (group, members) in try await groupMembers {
            for member in members { groupsOf[member, default: []].insert(group) }
        }
        var rolesOf: [String: Set<String>] = [:]
        for (role, principals) in try await roleHolders {
            for principal in principals {
                let holder = principal.lowercased()
                // A role held by a role-assignable group is held by its members.
                let holders = users[holder] != nil ? [holder] : try await Self.members(of: holder, client: client)
                for member in holders { rolesOf[member, default: []].insert(role) }
            }
        }
        let subjects = order.map { id in
            SignInSubject(user: id, label: users[id]!.label, groupIds: groupsOf[id] ?? [], roleTemplateIds: rolesOf[id] ?? [],
                          externalUserType: users[id]!.external)
        }
        return (subjects, disabled, users.values.contains { $0.external != nil })
    }

    static func milliseconds(_ duration: Duration) -> String {
        "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) ms"
    }

    /// A stand-in id for the tenant's service principals no policy names.
    static let otherServicePrincipalId = "00000000-0000-0000-0000-00000000a11b"

    /// `read` for every key, at most eight at a time (directory reads are paced by Graph's
    /// resource units, not one at a time like conditional access), in the keys' order.
    static func concurrently<Value: Sendable>(_ keys: [String], _ read: @escaping @Sendable (String) async throws -> Value) async throws
        -> [(String, Value)] {
        var results: [String: Value] = [:]
        try await withThrowingTaskGroup(of: (String, Value).self) { group in
            var pending = keys[...]
            for _ in 0..<8 {
                guard let key = pending.popFirst() else { break }
                group.addTask { (key, try await read(key)) }
            }
            while let (key, value) = try await group.next() {
                results[key] = value
                if let next = pending.popFirst() { group.addTask { (next, try await read(next)) } }
            }
        }
        return keys.map { ($0, results[$0]!) }
    }

    /// The user ids among a group's transitive members; none when the group no longer exists (a
    /// live policy may name a deleted group).
    static func members(of group: String, client: GraphClient) async throws -> [String] {
        let objects: [DirectoryObject]
        do {
            objects = try await client.listTransitiveMemberIds(groupId: group)
        } catch {
            if error.status == 404 { return [] }
            throw error
        }
        return objects.filter { $0.odataType == nil || $0.odataType == "#microsoft.graph.user" }.map { $0.id.lowercased() }
    }

    /// The groups, roles and service principals the policies name.
    static func references(in policies: [JSONValue]) -> (groups: Set<String>, roles: Set<String>, servicePrincipals: Set<String>,
                                                          allServicePrincipals: Bool) {
        var groups: Set<String> = []
        var roles: Set<String> = []
        var principals: Set<String> = []
        var all = false
        for policy in policies {
            let conditions = policy["conditions"] ?? .null
            let users = conditions["users"] ?? .null
            for key in ["includeGroups", "excludeGroups"] {
                groups.formUnion((users[key]?.stringArray ?? []).filter(DirectoryReference.isObjectID).map { $0.lowercased() })
            }
            for key in ["includeRoles", "excludeRoles"] {
                roles.formUnion((users[key]?.stringArray ?? []).filter(DirectoryReference.isObjectID).map { $0.lowercased() })
            }
            let clients = conditions["clientApplications"] ?? .null
            for key in ["includeServicePrincipals", "excludeServicePrincipals"] {
                for value in clients[key]?.stringArray ?? [] {
                    if DirectoryReference.isObjectID(value) { principals.insert(value.lowercased()) } else if value == "ServicePrincipalsInMyTenant" { all = true }
                }
            }
        }
        return (groups, roles, principals, all)
    }

    static func impactChange(_ change: ImpactAnalysis.Change) -> PlanImpact.Change {
        PlanImpact.Change(enforcement: change.enforcement.rawValue, before: outcome(change.before), after: outcome(change.after),
                          subjectKind: change.subjectKind.rawValue, users: change.subjects, context: change.context,
                          excludedContext: change.excludedContext)
    }
}
