import Foundation
import PolicyEvaluation
import PolicyModel
import Reconciliation

/// The lint rules (``PolicySetLint``) as diagnostics: on the declared configuration offline
/// (`validate`), and on the tenant as a plan leaves it or as drift finds it.
enum Lint {
    /// Findings with the severities the settings give them; rules set to `off` are left out.
    static func diagnostics(_ findings: [PolicySetLint.Finding], settings: Settings?) -> [Diagnostic] {
        findings.compactMap { finding in
            let severity: Diagnostic.Severity
            switch (settings ?? Settings()).severity(of: finding.rule) {
            case .off: return nil
            case .error: severity = .error
            case .warning: severity = .warning
            }
            return Diagnostic(severity, finding.message, at: finding.location, suggestion: finding.suggestion, code: finding.rule.rawValue)
        }
    }

    /// The declared set alone, references as written. The set-level rules run only when the
    /// configuration manages the whole tenant (no `manage.namePrefix`); whether a policy is new is
    /// not known offline, so EF202 and EF209 wait for `plan`.
    static func declared(_ configuration: Configuration) -> [Diagnostic] {
        let settings = configuration.settings?.value
        let policies = configuration.policies.compactMap { declared in
            graphShape(declared.value).map {
                PolicySetLint.Policy(displayName: declared.value.displayName, body: $0, location: declared.location, keyLocations: keyLocations(declared))
            }
        }
        let locations = configuration.namedLocations.compactMap { declared in
            graphShape(declared.value).map { PolicySetLint.NamedLocation(displayName: declared.value.displayName, body: $0, location: declared.location) }
        }
        let input = PolicySetLint.Input(
            policies: policies, namedLocations: locations,
            emergencyUsers: (settings?.emergencyAccess?.users ?? []).map(\.description),
            emergencyGroups: (settings?.emergencyAccess?.groups ?? []).map(\.description),
            checksWholeTenant: settings?.manage?.namePrefix == nil)
        return diagnostics(PolicySetLint.run(input), settings: settings)
    }

    /// Where the keys lint findings point at are in a declared policy.
    static func keyLocations(_ declared: Declared<ConditionalAccessPolicy>) -> [String: SourceLocation] {
        var locations: [String: SourceLocation] = [:]
        for key in PolicySetLint.Policy.locatedKeys { locations[key] = declared.sourceMap.location(of: key) }
        return locations
    }

    /// A declaration in Graph's property names (references as written).
    static func graphShape<Value: Encodable>(_ value: Value) -> JSONValue? {
        guard let data = try? JSONEncoder().encode(value) else { return nil }
        return try? JSONValue.parse(data)
    }
}

extension ReconcileSession {
    /// The lint rules over the tenant as `plan` leaves it: the policies after it, the declared named
    /// locations, and the policies it creates (EF202).
    func lintDiagnostics(after plan: Plan) -> [Diagnostic] {
        let created = plan.changes.filter { $0.kind == .conditionalAccessPolicy && $0.action == .create }.map(\.displayName)
        return lintDiagnostics(policies: policiesAfter(plan), namedLocations: Self.declaredNamedLocations(resolved: resolved, snapshot: snapshot),
                               created: Set(created))
    }

    /// The lint rules over `policies` and `namedLocations` (the tenant as a plan leaves it, or as it
    /// is): declared ones at their file positions, live ones by name, `created` names new (EF202),
    /// and the live policies' references to users, groups, roles and service principals the
    /// directory no longer has (EF209).
    func lintDiagnostics(policies: [JSONValue], namedLocations: [JSONValue], created: Set<String>) -> [Diagnostic] {
        let declaredPolicies = Dictionary(load.configuration.policies.map { ($0.value.displayName.lowercased(), $0) },
                                          uniquingKeysWith: { first, _ in first })
        let declaredLocations = Dictionary(load.configuration.namedLocations.map { ($0.value.displayName.lowercased(), $0.location) },
                                           uniquingKeysWith: { first, _ in first })
        let subjects = policies.map { body in
            let name = body["displayName"]?.stringValue ?? ""
            let declared = declaredPolicies[name.lowercased()]
            return PolicySetLint.Policy(displayName: name, body: body, isNew: created.contains(name), location: declared?.location,
                                        keyLocations: declared.map(Lint.keyLocations) ?? [:])
        }
        let locations = namedLocations.map { body in
            let name = body["displayName"]?.stringValue ?? ""
            return PolicySetLint.NamedLocation(displayName: name, body: body, location: declaredLocations[name.lowercased()])
        }
        var missing: [PolicySetLint.MissingReference] = []
        for policy in snapshot.policies {
            let name = policy["displayName"]?.stringValue ?? ""
            let users = policy["conditions"]?["users"] ?? .null
            let clients = policy["conditions"]?["clientApplications"] ?? .null
            let lists: [(String, JSONValue?)] = [("user", users["includeUsers"]), ("user", users["excludeUsers"]), ("group", users["includeGroups"]),
                                                 ("group", users["excludeGroups"]), ("role", users["includeRoles"]), ("role", users["excludeRoles"]),
                                                 ("service principal", clients["includeServicePrincipals"]),
                                                 ("service principal", clients["excludeServicePrincipals"])]
            for (kind, list) in lists {
                for id in list?.stringArray ?? [] where DirectoryReference.isObjectID(id) && snapshot.directoryNames.name(for: id) == nil {
                    missing.append(PolicySetLint.MissingReference(policy: name, kind: kind, id: id))
                }
            }
        }
        let input = PolicySetLint.Input(policies: subjects, namedLocations: locations, emergencyUsers: resolved.emergencyUserIds,
                                        emergencyGroups: resolved.emergencyGroupIds, missingReferences: missing)
        return Lint.diagnostics(PolicySetLint.run(input), settings: load.configuration.settings?.value)
    }
}
