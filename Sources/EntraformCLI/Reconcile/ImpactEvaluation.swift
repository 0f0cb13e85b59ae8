import GraphClient
import PolicyEvaluation
import PolicyModel
import Reconciliation

extension ReconcileSession {
    /// Who `plan` affects: every enabled user of the tenant (and every service principal a
    /// workload-identity policy names) evaluated against the policies before and after it, with
    /// ``ImpactAnalysis``. The directory (``ImpactDirectory``) is read once: for the live policies'
    /// groups and roles while the conditional access lists were paced (when the session read it),
    /// then for the groups and roles only the planned policies name. `--debug` says how many
    /// directory requests it took, and how long, beside the other reads and after them.
    func impact(for plan: Plan) async throws -> PlanImpact {
        let client = connection.client
        let clock = ContinuousClock()
        let readStart = clock.now
        let before = snapshot.policies
        let after = policiesAfter(plan)
        let references = Self.references(in: before + after)

        let directory = try await (impactDirectory?.get() ?? ImpactDirectory())
            .completed(groups: references.groups, roles: references.roles, client: client)
        let subjects = directory.subjects(groups: references.groups, roles: references.roles)
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
        let analysisEnd = clock.now
        let beside = impactDirectory == nil ? "" : "\(Self.milliseconds(directory.besideTime)) beside the conditional access reads and "
        connection.logger.debug("""
            impact: \(directory.requests) directory requests (users, \(references.groups.count) groups' transitive members, \
            \(references.roles.count) roles' assignments) in \(beside)\(Self.milliseconds(analysisStart - readStart)) after the plan; \
            \(subjects.count) users in \(result.userClasses) classes, \(principals.count) service principals, \(result.leavesEvaluated) outcome \
            pairs compared in \(Self.milliseconds(analysisEnd - analysisStart))
            """)
        var notes = ["devices are evaluated as unregistered and applications without custom security attributes"]
        let disabled = directory.disabled
        if disabled > 0 { notes.append("\(disabled) disabled account\(disabled == 1 ? "" : "s") left out (they cannot sign in)") }
        if directory.hasExternalUsers {
            notes.append("guests are evaluated as B2B collaboration guests or members (their home tenant is not read)")
        }
        var impact = PlanImpact(changes: result.changes.map(Self.impactChange), usersEvaluated: subjects.count, userClasses: result.userClasses,
                                servicePrincipalsEvaluated: principals.count, notes: notes)
        impact.subjectCounts = [:]
        for (enforcement, counts) in result.distinctSubjects {
            for (kind, count) in counts { impact.subjectCounts?["\(enforcement.rawValue)/\(kind.rawValue)"] = count }
        }
        return impact
    }

    static func milliseconds(_ duration: Duration) -> String {
        "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) ms"
    }

    /// A stand-in id for the tenant's service principals no policy names.
    static let otherServicePrincipalId = "00000000-0000-0000-0000-00000000a11b"

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

/// What the impact analysis reads of the directory: every user (paged with `$select`), the user ids
/// among the transitive members of the groups the policies name, and the users holding the roles
/// they name (directly or through a role-assignable group). Directory requests, not conditional
/// access ones; each read counts its own requests (``GraphRequestTally``), however many others run beside it.
struct ImpactDirectory: Sendable {
    struct User: Sendable {
        var id: String
        var label: String
        var external: GuestOrExternalUserType?
    }

    /// The enabled users, in the listing's order (none until read: ``hasUsers``).
    var users: [User] = []
    var hasUsers = false
    var disabled = 0
    /// Per group read (lowercased id): its transitive user members.
    var groupMembers: [String: [String]] = [:]
    /// Per role read (lowercased template id): the users holding it.
    var roleHolders: [String: [String]] = [:]
    /// Directory requests sent for all of this.
    var requests = 0
    /// How long the first read took (beside the conditional access reads, in `plan`).
    var besideTime: Duration = .zero

    /// Reads every user, and the members of `groups` and holders of `roles`, concurrently.
    static func read(groups: Set<String>, roles: Set<String>, client: GraphClient) async -> Result<ImpactDirectory, any Error> {
        let start = ContinuousClock.now
        do {
            var directory = try await ImpactDirectory().completed(groups: groups, roles: roles, client: client)
            directory.besideTime = ContinuousClock.now - start
            return .success(directory)
        } catch {
            return .failure(error)
        }
    }

    /// This directory with the users (when not read yet) and the groups and roles it lacks read.
    /// The users' pages follow one another; the groups' and roles' reads run beside them.
    func completed(groups: Set<String>, roles: Set<String>, client: GraphClient) async throws -> ImpactDirectory {
        let missingGroups = groups.subtracting(groupMembers.keys).sorted()
        let missingRoles = roles.subtracting(roleHolders.keys).sorted()
        guard !hasUsers || !missingGroups.isEmpty || !missingRoles.isEmpty else { return self }
        let tally = GraphRequestTally()
        var directory = self
        try await GraphRequestTally.$current.withValue(tally) {
            let readsUsers = !hasUsers
            async let userList = readsUsers ? client.listUsersForEvaluation() : []
            async let members = Self.concurrently(missingGroups) { try await Self.members(of: $0, client: client) }
            async let assignments = Self.concurrently(missingRoles) { try await client.listRoleAssignmentPrincipals(roleTemplateId: $0) }
            if readsUsers { directory.addUsers(try await userList) }
            for (group, ids) in try await members { directory.groupMembers[group] = ids }
            let userIds = Set(directory.users.map(\.id))
            for (role, principals) in try await assignments {
                var holders: [String] = []
                for principal in principals {
                    let holder = principal.lowercased()
                    // A role held by a role-assignable group is held by its members.
                    holders += userIds.contains(holder) ? [holder] : try await Self.members(of: holder, client: client)
                }
                directory.roleHolders[role] = holders
            }
        }
        directory.requests += tally.attempts
        return directory
    }

    mutating func addUsers(_ list: [JSONValue]) {
        hasUsers = true
        for user in list {
            guard let id = user["id"]?.stringValue?.lowercased() else { continue }
            if user["accountEnabled"]?.boolValue == false {
                disabled += 1
                continue
            }
            let upn = user["userPrincipalName"]?.stringValue ?? id
            // A guest's kind is not in the user object; Graph's userType and the #EXT# UPN tell the B2B ones apart.
            let external: GuestOrExternalUserType? = user["userType"]?.stringValue == "Guest" ? .b2bCollaborationGuest
                : upn.contains("#EXT#") ? .b2bCollaborationMember : nil
            users.append(User(id: id, label: upn, external: external))
        }
    }

    var hasExternalUsers: Bool { users.contains { $0.external != nil } }

    /// Every enabled user as evaluation sees them: with their memberships of `groups` and holdings of `roles`.
    func subjects(groups: Set<String>, roles: Set<String>) -> [SignInSubject] {
        var groupsOf: [String: Set<String>] = [:]
        for (group, members) in groupMembers where groups.contains(group) {
            for member in members { groupsOf[member, default: []].insert(group) }
        }
        var rolesOf: [String: Set<String>] = [:]
        for (role, holders) in roleHolders where roles.contains(role) {
            for holder in holders { rolesOf[holder, default: []].insert(role) }
        }
        return users.map { user in
            SignInSubject(user: user.id, label: user.label, groupIds: groupsOf[user.id] ?? [], roleTemplateIds: rolesOf[user.id] ?? [],
                          externalUserType: user.external)
        }
    }

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
}
