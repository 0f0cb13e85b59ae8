import Foundation
import PolicyModel

/// What `entraform doctor` checks: the credential, a token, the token's permissions against what the
/// configuration needs, and a probe of each API. A pure report value; the CLI renders it.
public struct PreflightReport: Sendable {
    /// A permission the configuration needs, satisfied by any of `anyOf`.
    public struct Requirement: Sendable, Hashable {
        public var anyOf: [String]
        public var purpose: String

        public init(anyOf: [String], purpose: String) {
            self.anyOf = anyOf
            self.purpose = purpose
        }

        /// The first (least-privileged) permission, the one to grant.
        public var recommended: String { anyOf[0] }
    }

    /// One API probe.
    public struct Probe: Sendable, Hashable {
        public var name: String
        public var method: String
        public var path: String
        /// `nil` when no answer arrived.
        public var status: Int?
        public var ok: Bool
        /// A one-line explanation of a failure (never a token).
        public var detail: String?
        /// Whether a failure of this probe fails the preflight (probes of unneeded APIs don't).
        public var required: Bool
    }

    /// The credential found, described safely.
    public var credential: String
    /// Token acquisition failure, if any.
    public var tokenError: GraphError?
    /// App roles in the token (`roles` claim).
    public var roles: [String]
    /// Delegated scopes in the token (`scp` claim), for device code and Azure CLI sign-ins.
    public var scopes: [String]
    /// The requirements checked.
    public var requirements: [Requirement]
    /// Requirements not met by the token's roles/scopes.
    public var missing: [Requirement]
    /// Permissions that add something without being needed (``optionalRequirements``): their absence
    /// does not fail the preflight.
    public var optional: [Requirement] = []
    /// Optional permissions not in the token.
    public var missingOptional: [Requirement] = []
    public var probes: [Probe]
    /// Where to grant missing permissions, when the application is known.
    public var adminConsentURL: String?

    /// True when a token was had, no permission is missing and every required probe passed.
    public var passed: Bool {
        tokenError == nil && missing.isEmpty && probes.allSatisfy { $0.ok || !$0.required }
    }

    /// Permissions nothing requires but that make a command say more: `AuditLog.Read.All` lets
    /// `drift` say who changed each drifted object.
    public static let optionalRequirements: [Requirement] = [
        Requirement(anyOf: ["AuditLog.Read.All"], purpose: "read the audit and sign-in logs, so drift says who changed what and staged rollouts can advance"),
    ]

    /// The permissions a configuration needs (reference §3.5, least privilege first).
    ///
    /// - Parameters:
    ///   - write: whether the run writes (`apply`, `risk apply`). Without it (`doctor --read-only`:
    ///     `plan`, `drift`, `risk plan`) only read permissions are required; a ReadWrite permission
    ///     still satisfies a Read requirement (see `preflight`).
    ///   - riskResponse: whether the configuration has risk-response rules.
    ///   - riskyServicePrincipals: whether a rule acts on service principals.
    public static func requirements(write: Bool, riskResponse: Bool, riskyServicePrincipals: Bool = false) -> [Requirement] {
        var list: [Requirement] = [
            Requirement(anyOf: ["Policy.Read.All"], purpose: "read conditional access policies, named locations and authentication strengths"),
            Requirement(anyOf: ["Application.Read.All", "Directory.Read.All"], purpose: "resolve application names and ids"),
            Requirement(anyOf: ["User.Read.All", "Directory.Read.All"], purpose: "resolve users"),
            Requirement(anyOf: ["Group.Read.All", "Directory.Read.All"], purpose: "resolve groups"),
            Requirement(anyOf: ["RoleManagement.Read.Directory", "Directory.Read.All"], purpose: "resolve directory roles"),
        ]
        if write {
            list.append(Requirement(anyOf: ["Policy.ReadWrite.ConditionalAccess"], purpose: "create, update and delete policies and named locations"))
        }
        if riskResponse {
            list.append(Requirement(anyOf: ["IdentityRiskEvent.Read.All"], purpose: "read risk detections"))
            if write {
                list.append(
                    Requirement(anyOf: ["IdentityRiskyUser.ReadWrite.All"], purpose: "read risky users and confirm compromised / dismiss them"))
                list.append(
                    Requirement(anyOf: ["User.RevokeSessions.All", "User.ReadWrite.All"], purpose: "revoke the sign-in sessions of compromised users"))
            } else {
                list.append(Requirement(anyOf: ["IdentityRiskyUser.Read.All"], purpose: "read risky users and their history"))
            }
        }
        if riskyServicePrincipals {
            list.append(write
                ? Requirement(anyOf: ["IdentityRiskyServicePrincipal.ReadWrite.All"],
                              purpose: "read risky service principals and their detections, confirm compromised / dismiss them")
                : Requirement(anyOf: ["IdentityRiskyServicePrincipal.Read.All"], purpose: "read risky service principals and their detections"))
        }
        return list
    }
}

extension GraphClient {
    /// Runs the preflight: gets a token, compares its permissions with `requirements`, and probes
    /// each API once (`$top=1` where the collection allows it).
    public func preflight(
        credential: Credential, requirements: [PreflightReport.Requirement], probeRiskAPIs: Bool,
        optional: [PreflightReport.Requirement] = PreflightReport.optionalRequirements
    ) async -> PreflightReport {
        var report = PreflightReport(
            credential: credential.description, tokenError: nil, roles: [], scopes: [], requirements: requirements, missing: [], probes: [],
            adminConsentURL: nil)
        report.optional = optional
        if let clientId = credential.clientId, credential.kind != .deviceCode {
            let tenant = credential.tenantId ?? "organizations"
            report.adminConsentURL = "\(configuration.endpoints.loginURL)/\(GraphEndpoints.pathSegment(tenant))/adminconsent?client_id=\(clientId)"
        }
        let token: AccessToken
        do {
            token = try await tokens.token(forceRefresh: false)
        } catch {
            report.tokenError = error
            return report
        }
        let claims = token.claims
        report.roles = (claims?.roles ?? []).sorted()
        report.scopes = (claims?.scopes ?? []).sorted()
        let granted = Set(report.roles + report.scopes)
        // A permission of the ReadWrite family also grants its Read counterpart for our purposes.
        func satisfied(_ permission: String) -> Bool {
            granted.contains(permission) || granted.contains(permission.replacingOccurrences(of: ".Read.", with: ".ReadWrite."))
        }
        report.missing = requirements.filter { requirement in !requirement.anyOf.contains(where: satisfied) }
        report.missingOptional = optional.filter { requirement in !requirement.anyOf.contains(where: satisfied) }

        var probes: [(String, String, GraphVersion, Bool)] = [
            ("conditional access policies", ConditionalAccessPaths.policies, configuration.conditionalAccessVersion, true),
            ("named locations", ConditionalAccessPaths.namedLocations, configuration.conditionalAccessVersion, true),
            ("users", "/users?$top=1&$select=id", configuration.directoryVersion, true),
            ("groups", "/groups?$top=1&$select=id", configuration.directoryVersion, true),
            ("service principals", "/servicePrincipals?$top=1&$select=id", configuration.directoryVersion, true),
            ("directory role templates", "/directoryRoleTemplates", configuration.directoryVersion, true),
        ]
        probes.append(("risky users", "\(IdentityProtectionPaths.riskyUsers)?$top=1", configuration.directoryVersion, probeRiskAPIs))
        probes.append(("risk detections", "\(IdentityProtectionPaths.riskDetections)?$top=1", configuration.directoryVersion, probeRiskAPIs))
        for (name, path, version, required) in probes {
            var probe = PreflightReport.Probe(name: name, method: "GET", path: "/\(version.rawValue)\(path)", status: nil, ok: false, detail: nil, required: required)
            do {
                let response = try await send(GraphRequest(method: "GET", path: path, version: version))
                probe.status = response.status
                probe.ok = true
            } catch {
                probe.status = error.status
                var detail = "\(error.status.map(String.init) ?? error.kind.rawValue) \(error.code ?? ""): \(GraphError.oneLine(error.message))"
                if error.status == 403, path.hasPrefix("/identityProtection") {
                    detail += " — the tenant needs an Entra ID P2 licence, and the app IdentityRiskyUser.Read.All (ReadWrite to act) / IdentityRiskEvent.Read.All"
                } else if error.status == 403 {
                    detail += " — a permission is missing or admin consent was not granted"
                }
                probe.detail = detail
            }
            report.probes.append(probe)
        }
        return report
    }
}
