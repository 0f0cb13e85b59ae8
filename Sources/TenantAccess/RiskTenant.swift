import Foundation
import GraphClient
import GraphWire
import PolicyEvaluation
import PolicyLoading
import PolicyModel
import Reconciliation

/// ``RiskResponding`` over ``GraphClient``: batched reads by id, `confirmCompromised`/`dismiss` with
/// at most 60 ids per call, `revokeSignInSessions` per user.
package struct GraphRiskTenant: RiskResponding {
    package let client: GraphClient

    package init(client: GraphClient) { self.client = client }

    /// Risky objects by id; a user no longer in the directory is marked deleted (Graph's own
    /// `isDeleted` has been seen `false` for deleted users).
    package func currentState(of ids: [String], kind: RiskSubject) async throws -> [String: RiskObservedState] {
        var states = try await client.getRiskyObjects(ids: ids, servicePrincipals: kind == .servicePrincipals).mapValues(RiskObservedState.init(json:))
        guard kind == .users, !ids.isEmpty else { return states }
        let existing = Set(try await client.getByIds(ids, types: ["user"]).map { $0.id.lowercased() })
        for id in ids where !existing.contains(id.lowercased()) {
            var state = states[id] ?? RiskObservedState(riskLevel: nil, riskState: nil)
            state.isDeleted = true
            states[id] = state
        }
        return states
    }

    package func openDetections(of ids: [String], kind: RiskSubject) async throws -> [String: [RiskEvidence]] {
        try await client.openRiskDetections(ids: ids, servicePrincipals: kind == .servicePrincipals)
            .mapValues { $0.compactMap(RiskEvidence.init(detection:)) }
    }

    package func confirmCompromised(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult {
        let receipts = kind == .users
            ? try await client.confirmCompromised(userIds: ids) : try await client.confirmServicePrincipalsCompromised(ids: ids)
        return Self.result(receipts)
    }

    package func dismiss(_ ids: [String], kind: RiskSubject) async throws -> RiskWriteResult {
        let receipts = kind == .users ? try await client.dismiss(userIds: ids) : try await client.dismissServicePrincipals(ids: ids)
        return Self.result(receipts)
    }

    package func revokeSignInSessions(userId: String) async throws -> RiskWriteResult {
        Self.result([try await client.revokeSignInSessions(userId: userId)])
    }

    package func signInSessionsValidFrom(userIds: [String]) async throws -> [String: String] {
        try await client.signInSessionsValidFrom(userIds: userIds)
    }

    package static func result(_ receipts: [GraphWriteReceipt]) -> RiskWriteResult {
        let last = receipts.last
        return RiskWriteResult(status: last?.status ?? 204, requestId: last?.requestId, clientRequestId: last?.clientRequestId)
    }
}

/// `risk plan`/`risk apply` from a directory: load and validate, connect, resolve scopes (names →
/// ids, groups → transitive members, in batches), read risky objects and detections with the
/// narrowest filters, and evaluate.
package enum RiskPlanning {
    /// Why planning stopped before asking the tenant anything: a configuration that cannot be read,
    /// or diagnostics (with the texts they point into) for the CLI to render.
    package struct Stopped: Error {
        package var readError: String?
        package var diagnostics: [Diagnostic] = []
        package var texts: [String: String] = [:]
        /// Files loaded, for the summary line (`nil`: no summary, e.g. for resolution errors).
        package var fileCount: Int?
        /// The caller's colour preference, passed through for whoever renders.
        package var useColor = false

        package init(readError: String) { self.readError = readError }

        package init(diagnostics: [Diagnostic], texts: [String: String], fileCount: Int?, useColor: Bool) {
            self.diagnostics = diagnostics
            self.texts = texts
            self.fileCount = fileCount
            self.useColor = useColor
        }
    }

    /// Identity Protection and directory requests made while planning (for `--debug`/benchmarks).
    package struct Statistics {
        var riskyListings = 0
        var detectionListings = 0
    }

    package static func load(path: String, useColor: Bool) throws -> LoadResult {
        let sources: [PolicySource]
        do {
            sources = try ConfigurationFiles.collect(path)
        } catch {
            throw Stopped(readError: error.description)
        }
        let load = ConfigurationLoader.load(sources)
        if load.hasErrors {
            throw Stopped(diagnostics: load.diagnostics, texts: load.texts, fileCount: sources.count, useColor: useColor)
        }
        return load
    }

    /// Evaluates the configuration's rules against the tenant, or against one user (`onlyUser`: a
    /// UPN or object id, as an alert names them): then the risky-user and detection listings are
    /// filtered to that user (`id eq` / `userId eq`), a few requests, and service principal rules
    /// are left out.
    package static func plan(load: LoadResult, client: GraphClient, now: Date, executedActionIds: Set<String>, useColor: Bool,
                             onlyUser: String? = nil) async throws -> RiskPlan {
        let configuration = load.configuration
        var rules = configuration.riskResponseRules.map(\.value)
        var onlyUserId: String?
        if let onlyUser {
            onlyUserId = try await userId(onlyUser, client: client)
            rules = rules.filter { ($0.subject ?? .users) == .users }
        }
        guard !rules.isEmpty else { return RiskPlan(generatedAt: GraphTime.string(now)) }

        let resolved = try await resolve(load: load, client: client, useColor: useColor)

        // Groups → transitive members (directory), risky objects and detections (Identity
        // Protection, one listing per rule slice) are read at once: they are independent, and the
        // pacing keeps each service class within its own limit.
        var groupIds = Set(resolved.emergencyGroupIds.map { $0.lowercased() })
        for scope in resolved.scopes { groupIds.formUnion((scope.includeGroupIds + scope.excludeGroupIds).map { $0.lowercased() }) }
        async let expandedGroups = transitiveMembers(of: Array(groupIds).sorted(), client: client)
        async let userSide = riskData(subject: .users, rules: rules, client: client, now: now, onlyUserId: onlyUserId)
        async let principalSide = riskData(subject: .servicePrincipals, rules: rules, client: client, now: now)
        let members = try await expandedGroups
        let (riskyUsers, detections) = try await userSide
        let (riskyPrincipals, principalDetections) = try await principalSide

        let scopes = Dictionary(resolved.scopes.map { ($0.ruleName, $0) }, uniquingKeysWith: { first, _ in first })
        let inputs = configuration.riskResponseRules.filter { onlyUser == nil || ($0.value.subject ?? .users) == .users }.map { declared -> RiskRuleInput in
            let scope = scopes[declared.value.name].map {
                RiskScope(includeAll: $0.includeAll, includeUserIds: Set($0.includeUserIds), excludeUserIds: Set($0.excludeUserIds),
                          includeGroupIds: Set($0.includeGroupIds), excludeGroupIds: Set($0.excludeGroupIds))
            } ?? .everyone
            return RiskRuleInput(rule: declared.value, scope: scope, location: declared.sourceMap.location(of: "action") ?? declared.location,
                                 limitLocation: declared.sourceMap.location(of: "maxActionsPerRun"))
        }
        var input = RiskEvaluationInput(
            rules: inputs, groupMembers: members, emergencyUserIds: Set(resolved.emergencyUserIds),
            emergencyGroupIds: Set(resolved.emergencyGroupIds), riskyUsers: riskyUsers, detections: detections,
            riskyServicePrincipals: riskyPrincipals, servicePrincipalDetections: principalDetections,
            executedActionIds: executedActionIds, now: now)
        // Users whose sessions a rule would revoke: when were they last revoked (one batched look-up)?
        let evaluator = RiskRuleEvaluator()
        let revocationCandidates = evaluator.revocationCandidates(input)
        if !revocationCandidates.isEmpty {
            input.sessionsValidFrom = try await client.signInSessionsValidFrom(userIds: revocationCandidates.sorted())
        }
        return evaluator.evaluate(input)
    }

    /// The object id of a user named by UPN or id; a name that matches nobody is an error.
    static func userId(_ user: String, client: GraphClient) async throws -> String {
        if DirectoryReference.isObjectID(user) { return user.lowercased() }
        guard let found = try await client.resolveUsers(upns: [user])[user] else {
            throw RiskUserNotFound(user: user)
        }
        return found.id.lowercased()
    }

    /// Names → ids for the rules' scopes and the emergency access accounts: UPNs and group names
    /// looked up in batches, object ids confirmed with one getByIds. Unresolved names stop with their
    /// file:line:column.
    package static func resolve(load: LoadResult, client: GraphClient, useColor: Bool) async throws -> ResolvedRiskRules {
        let configuration = load.configuration
        let query = Resolver.riskQuery(for: configuration)
        var directory = DirectoryIndex()
        let users = try await client.resolveUsers(upns: Array(query.names[.user] ?? []))
        directory.add(users.matches.values.flatMap { $0 }.map { DirectoryEntry(id: $0.id, name: $0.userPrincipalName ?? $0.displayName ?? $0.id) },
                      as: .user)
        let groups = try await client.resolveGroups(names: Array(query.names[.group] ?? []))
        directory.add(groups.matches.values.flatMap { $0 }.map { DirectoryEntry(id: $0.id, name: $0.displayName ?? $0.id) }, as: .group)
        let objectIds = (query.ids[.user] ?? []).union(query.ids[.group] ?? [])
        if !objectIds.isEmpty {
            for object in try await client.getByIds(Array(objectIds), types: ["user", "group"]) {
                let entry = DirectoryEntry(id: object.id, name: object.userPrincipalName ?? object.displayName ?? object.id)
                directory.add([entry], as: object.odataType == "#microsoft.graph.group" ? .group : .user)
            }
        }
        let resolved = Resolver.resolveRiskRules(configuration, directory: directory)
        if resolved.hasErrors {
            throw Stopped(diagnostics: resolved.diagnostics, texts: load.texts, fileCount: nil, useColor: useColor)
        }
        return resolved
    }

    /// The emergency access accounts of a configuration as user ids: its users and the transitive
    /// members of its groups.
    /// The rules are left out: a typo in an unrelated rule's scope must not stop an urgent manual action.
    package static func emergencyAccountIds(load: LoadResult, client: GraphClient, useColor: Bool) async throws -> Set<String> {
        var settingsOnly = load
        settingsOnly.configuration.riskResponseRules = []
        let resolved = try await resolve(load: settingsOnly, client: client, useColor: useColor)
        let groups = try await transitiveMembers(of: resolved.emergencyGroupIds.map { $0.lowercased() }.sorted(), client: client)
        return Set(resolved.emergencyUserIds.map { $0.lowercased() }).union(groups.values.joined())
    }

    /// Risky objects of one subject kind and their detections, read concurrently: one listing of
    /// risky objects and the detection listings of ``RiskQueryFilters/detectionListings(rules:subject:now:)``,
    /// merged without duplicates. Nothing is read when no rule has this subject.
    package static func riskData(subject: RiskSubject, rules: [RiskResponseRule], client: GraphClient, now: Date, onlyUserId: String? = nil)
        async throws -> (risky: [JSONValue], detections: [JSONValue])
    {
        guard RiskQueryFilters.needs(subject, rules: rules) else { return ([], []) }
        let select = RiskQueryFilters.detectionFields(subject: subject)
        let filters = RiskQueryFilters.detectionListings(rules: rules, subject: subject, now: now)
            .map { RiskQueryFilters.restricted($0, key: "userId", to: onlyUserId) }
        let riskyFilter = RiskQueryFilters.restricted(RiskQueryFilters.riskyObjects(rules: rules, subject: .users), key: "id", to: onlyUserId)
        async let risky = subject == .users
            ? client.listRiskyUsers(filter: riskyFilter)
            : client.listRiskyServicePrincipals(filter: RiskQueryFilters.riskyObjects(rules: rules, subject: .servicePrincipals))
        let listings = try await withThrowingTaskGroup(of: (Int, [JSONValue]).self) { group in
            for (index, filter) in filters.enumerated() {
                group.addTask {
                    let page = subject == .users
                        ? try await client.listRiskDetections(filter: filter, select: select)
                        : try await client.listServicePrincipalRiskDetections(filter: filter, select: select)
                    return (index, page)
                }
            }
            var results = [[JSONValue]](repeating: [], count: filters.count)
            for try await (index, listing) in group { results[index] = listing }
            return results
        }
        return (try await risky, RiskQueryFilters.merged(listings))
    }

    /// Transitive member ids per group: one `$batch` sub-request per group (20 per batch), following
    /// `@odata.nextLink` for large groups.
    package static func transitiveMembers(of groupIds: [String], client: GraphClient) async throws -> [String: Set<String>] {
        guard !groupIds.isEmpty else { return [:] }
        let version = client.configuration.directoryVersion
        let items = groupIds.enumerated().map { index, id in
            BatchRequestItem(id: String(index + 1), method: "GET", url: "/groups/\(id)/transitiveMembers?$select=id&$top=999")
        }
        let answers = try await client.batch(items, version: version)
        var result: [String: Set<String>] = [:]
        for (index, item) in items.enumerated() {
            let groupId = groupIds[index]
            guard let answer = answers[item.id], (200..<300).contains(answer.status), let body = answer.body, var page = ODataPage(json: body)
            else {
                // Fall back to the plain listing, which reports the error properly.
                result[groupId] = Set(try await client.listTransitiveMembers(groupId: groupId).map { $0.id.lowercased() })
                continue
            }
            var ids = Set(page.value.compactMap { $0["id"]?.stringValue?.lowercased() })
            while let next = page.nextLink {
                let response = try await client.send(GraphRequest(method: "GET", path: "/groups", version: version, absoluteURL: next))
                guard let json = response.body, let nextPage = ODataPage(json: json) else { break }
                ids.formUnion(nextPage.value.compactMap { $0["id"]?.stringValue?.lowercased() })
                page = nextPage
            }
            result[groupId] = ids
        }
        return result
    }
}

/// `--user` named nobody in the tenant.
package struct RiskUserNotFound: Error, CustomStringConvertible {
    package var user: String
    package var description: String { "no user '\(user)' in the tenant (by userPrincipalName or object id)" }
}
