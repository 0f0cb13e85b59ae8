import GraphClient
import PolicyEvaluation
import PolicyModel
import Reconciliation

extension ReconcileSession {
    /// The Settings' what-if personas evaluated with the engine against the tenant's policies as they
    /// are (before) and as they will be once `plan` is applied (after: declared bodies for the policies
    /// it manages, live ones for the rest, deleted ones gone). `nil` without scenarios. Costs one
    /// batched user look-up and one `transitiveMemberOf` read per persona (directory requests).
    func scenarioOutcomes(for plan: Plan) async throws -> [ScenarioOutcome]? {
        guard let scenarios = load.configuration.settings?.value.scenarios, !scenarios.isEmpty else { return nil }
        let client = connection.client
        let upns = scenarios.map(\.user).compactMap { reference -> String? in
            if case .name(let upn) = reference.form { return upn }
            return nil
        }
        let users = try await client.resolveUsers(upns: upns)
        let appNames = scenarios.compactMap(\.application).compactMap { reference -> String? in
            if case .name(let name) = reference.form { return name }
            return nil
        }
        let applications = try await client.resolveServicePrincipals(names: appNames)

        let after = policiesAfter(plan)
        let (beforeDirectory, afterDirectory) = evaluationDirectories()

        var outcomes: [ScenarioOutcome] = []
        for scenario in scenarios {
            let userText = scenario.user.description
            let userId: String? = if case .id(let id) = scenario.user.form { id } else { users[userText]?.id }
            guard let userId else { continue }  // the resolver has reported a user that names nobody
            let memberships = try await client.listTransitiveMemberships(userId: userId)
            let upn = users[userText]?.userPrincipalName ?? userText
            // A B2B account's UPN carries #EXT#; the persona format has no guest kind of its own.
            let subject = SignInSubject(user: userId, label: upn, groupIds: memberships.groupIds, roleTemplateIds: memberships.roleTemplateIds,
                                        externalUserType: upn.contains("#EXT#") ? .b2bCollaborationGuest : nil)
            let (appId, appLabel) = Self.application(scenario.application?.description, tenant: applications)
            var context = SignInContext(subject: subject, target: .application(appId: appId))
            context.apply(persona: scenario)
            let before = SignInEvaluator.evaluate(snapshot.policies, context: context, directory: beforeDirectory)
            let planned = SignInEvaluator.evaluate(after, context: context, directory: afterDirectory)
            var described = [subject.label, "to \(appLabel)"]
            if let platform = scenario.platform { described.append("on \(platform.rawValue)") }
            if let client = scenario.clientAppType { described.append("(\(client.rawValue))") }
            if let country = scenario.country { described.append("from \(country)") } else if let ip = scenario.ipAddress { described.append("from \(ip)") }
            outcomes.append(ScenarioOutcome(
                name: scenario.name, signIn: described.joined(separator: " "),
                before: Self.outcome(before.outcome), after: Self.outcome(planned.outcome), reportOnlyAfter: Self.outcome(planned.reportOnly),
                missingInputs: Array(Set(before.missingInputs + planned.missingInputs)).sorted()))
        }
        return outcomes
    }

    /// The tenant's policies once `plan` is applied: declared bodies for those it creates or
    /// updates, live ones for those it leaves as they are (managed or not), deleted ones gone.
    func policiesAfter(_ plan: Plan) -> [JSONValue] {
        let policyChanges = plan.changes.filter { $0.kind == .conditionalAccessPolicy }
        let rewritten = Set(policyChanges.filter { $0.action != .noOp }.compactMap { $0.id?.lowercased() })
        let written = Set(policyChanges.filter { $0.action == .create || $0.action == .update }.map(\.displayName))
        return snapshot.policies.filter { !rewritten.contains(($0["id"]?.stringValue ?? "").lowercased()) }
            + resolved.desired.filter { $0.kind == .conditionalAccessPolicy && written.contains($0.displayName) }.map(\.body)
    }

    /// The named locations (and names of strengths and terms) policies see before and after the plan.
    func evaluationDirectories() -> (before: EvaluationDirectory, after: EvaluationDirectory) {
        let names = snapshot.directoryNames.namesById
        return (EvaluationDirectory(namedLocations: snapshot.namedLocations, names: names),
                EvaluationDirectory(namedLocations: Self.declaredNamedLocations(resolved: resolved, snapshot: snapshot), names: names))
    }

    /// The scenario's application as an appId and a label: a GUID, the tenant's service principal of
    /// that name, or a first-party name; without one, an application no policy names.
    static func application(_ written: String?, tenant: NameResolution) -> (String, String) {
        let other = SignInTarget.otherApplicationId
        guard let written else { return (other, "any other application") }
        if DirectoryReference.isObjectID(written) {
            return (written.lowercased(), FirstPartyApplications.application(appId: written)?.displayName ?? written)
        }
        if let appId = tenant[written]?.appId { return (appId.lowercased(), tenant[written]?.displayName ?? written) }
        if let firstParty = FirstPartyApplications.applications(named: written).first { return (firstParty.appId, firstParty.displayName) }
        return (other, written)
    }

    static func outcome(_ outcome: SignInOutcome) -> ScenarioOutcome.Outcome {
        ScenarioOutcome.Outcome(blocked: outcome.blocked, blockingPolicies: outcome.blockingPolicies, clauses: outcome.clauses,
                                sessionControls: outcome.sessionControlsInWords)
    }
}

extension SignInContext {
    /// A Settings persona's conditions: platform, client, risks (default none), country or address.
    mutating func apply(persona: Settings.Scenario) {
        platform = persona.platform?.rawValue
        clientAppType = persona.clientAppType
        signInRisk = persona.signInRiskLevel ?? .none
        userRisk = persona.userRiskLevel ?? .none
        country = persona.country?.uppercased()
        ipAddress = persona.ipAddress.flatMap(IPAddress.init)
    }
}
