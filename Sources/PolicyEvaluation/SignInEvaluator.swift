import PolicyModel

/// Why a policy does not apply: the first condition that failed, in Graph's `whatIfAnalysisReasons`
/// vocabulary (and its bit order, which is the order conditions are checked in).
public enum WhatIfReason: String, Sendable, Hashable, Codable, CaseIterable {
    case notEnoughInformation, users, workloadIdentities, application, userActions, authenticationContext,
        devicePlatform, devices, clientApps, location, signInRisk, policyNotEnabled, userRisk, insiderRisk,
        authenticationFlow
}

/// One policy's verdict for a sign-in.
public struct PolicyVerdict: Sendable, Hashable {
    public var displayName: String
    public var id: String?
    public var state: String
    public var applies: Bool
    /// The first condition that did not match (nil when the policy applies).
    public var reason: WhatIfReason?
    /// Inputs the sign-in lacked that this policy's conditions need (`platform`, `ipAddress or country`, …).
    public var missingInputs: [String]
    /// The policy's grant: blocked, or the controls it requires under its operator.
    public var grant: Grant?
    /// The policy's session controls (Graph shape), when it applies.
    public var sessionControls: [String: JSONValue]

    public var isReportOnly: Bool { state == "enabledForReportingButNotEnforced" }
}

/// A policy's grant controls.
public struct Grant: Sendable, Hashable {
    public var block: Bool
    /// `AND` or `OR`.
    public var `operator`: String
    /// Graph's control names; an authentication strength or terms of use by display name.
    public var controls: [String]
}

/// What Conditional Access demands of the sign-in: blocked, or every clause satisfied (each clause is
/// one control, or a choice between several from one policy's `OR`), with the session controls merged.
public struct SignInOutcome: Sendable, Hashable {
    public var blocked: Bool
    /// Policies that block.
    public var blockingPolicies: [String]
    /// All must hold; each clause is satisfied by any one of its controls.
    public var clauses: [[String]]
    /// Merged session controls (Graph names).
    public var sessionControls: [String: JSONValue]

    /// Every control named, in the order Entra prompts for them.
    public var requires: [String] { SignInEvaluator.promptOrder(Array(Set(clauses.joined()))) }
    /// `AND` when every clause is a single control, `OR` when the only clause is a choice, `AND` of choices otherwise.
    public var `operator`: String { clauses.count == 1 && clauses[0].count > 1 ? "OR" : "AND" }
    /// Nothing demanded.
    public var isAllowed: Bool { !blocked && clauses.isEmpty }
    /// The clauses this sign-in cannot meet however the user tries (see ``UnsatisfiableReason``).
    public var unsatisfiable: [[String]] = []
    /// Why ``unsatisfiable`` clauses cannot be met.
    public var unsatisfiableReason: UnsatisfiableReason?
    /// Not blocked by a policy, but demanding something the sign-in cannot give: the sign-in fails.
    public var isEffectivelyBlocked: Bool { !blocked && !unsatisfiable.isEmpty }
}

/// Why a sign-in cannot meet a grant control it is asked for.
public enum UnsatisfiableReason: String, Sendable, Hashable, Codable {
    /// Legacy authentication clients (`exchangeActiveSync`, `other`) can do neither interactive nor
    /// device controls (reference ca-evaluation.md §9 item 8; Microsoft Learn "Conditions: client apps").
    case legacyClient
    /// A device code flow sign-in cannot satisfy device-state controls (`compliantDevice`,
    /// `domainJoinedDevice`; reference §4.5 and §9 item 14; Microsoft Learn "Authentication flows").
    case deviceCodeFlow
}

/// The evaluation of one sign-in against a set of policies.
public struct SignInEvaluation: Sendable, Hashable {
    public var verdicts: [PolicyVerdict]
    /// What enabled policies enforce.
    public var outcome: SignInOutcome
    /// What report-only policies would add if they were on (computed the same way, never enforced).
    public var reportOnly: SignInOutcome
    /// Inputs missing for some policy's condition, across policies.
    public var missingInputs: [String] { Array(Set(verdicts.flatMap(\.missingInputs))).sorted() }
}

/// Evaluates a sign-in against Conditional Access policies as Microsoft Entra does (reference
/// ca-evaluation.md §1–6; Microsoft Learn "Building a Conditional Access policy" and "Conditional Access:
/// Users, groups, and workload identities"): a policy applies when every configured condition matches,
/// each as *included and not excluded*; among applying enabled policies block wins, every policy's grant
/// must be met (AND across policies, each policy's own operator inside), and session controls merge to
/// the most restrictive. Report-only policies are evaluated alike and kept apart. Pure.
public enum SignInEvaluator {
    /// Evaluates one sign-in. To evaluate many against the same policies, compile them once with
    /// ``CompiledPolicies``.
    public static func evaluate(_ policies: [JSONValue], context: SignInContext, directory: EvaluationDirectory) -> SignInEvaluation {
        CompiledPolicies(policies, directory: directory).evaluate(context)
    }

    /// Entra's prompt order (Microsoft Learn, "Building a Conditional Access policy": MFA, device
    /// state, then terms of use); authentication strengths take MFA's slot; unknown names follow.
    static func promptOrder(_ controls: [String]) -> [String] {
        controls.sorted { (promptRank($0), $0) < (promptRank($1), $1) }
    }

    static func promptRank(_ control: String) -> Int {
        let order = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication", "passwordChange",
                     "riskRemediation"]
        if control.hasPrefix("authenticationStrength:") { return 0 }
        if let index = order.firstIndex(of: control) { return index }
        return control.hasPrefix("termsOfUse:") ? order.count : order.count + 1
    }

    // MARK: One policy

    /// One policy's verdict for the sign-in (what Microsoft's What If API answers per policy): the
    /// conditions in Graph's order (``CompiledPolicy/verdict(_:)``), stopping at the first that fails.
    public static func verdict(for policy: JSONValue, context: SignInContext, directory: EvaluationDirectory) -> PolicyVerdict {
        var symbols = SymbolTable()
        let compiled = CompiledPolicy(policy, directory: directory, symbols: &symbols)
        return compiled.verdict(PreparedSignIn(context, symbols: symbols))
    }

    enum Match: Equatable {
        case yes, no
        /// The condition is configured but the sign-in does not say (the named input).
        case unknown(String)

        init(_ flag: Bool) { self = flag ? .yes : .no }
    }

    static func strings(_ value: JSONValue?) -> [String] { value?.stringArray ?? [] }

    static func contains(_ list: [String], _ word: String) -> Bool { list.contains { $0.equalsIgnoringCase(word) } }

    /// A flags value: Graph's comma-joined string, or a list.
    static func flagList(_ value: JSONValue?) -> [String] {
        if let text = value?.stringValue { return text.split(separator: ",").map { String($0.filter { $0 != " " }) } }
        return strings(value)
    }

    /// The legacy MFA trusted IPs' location id.
    static let legacyTrustedIPs = "00000000-0000-0000-0000-000000000000"

    // MARK: Controls

    static func grant(_ value: JSONValue?, directory: EvaluationDirectory) -> Grant? {
        guard let value, !value.isNull else { return nil }
        let builtIn = strings(value["builtInControls"])
        var controls = builtIn.filter { $0 != "block" }
        if let strength = value["authenticationStrength"], !strength.isNull {
            let id = strength["id"]?.stringValue ?? strength.stringValue ?? ""
            let name = strength["displayName"]?.stringValue ?? directory.names[id.lowercased()] ?? directory.names[id] ?? id
            controls.append("authenticationStrength:\(name)")
        }
        for id in strings(value["termsOfUse"]) { controls.append("termsOfUse:\(directory.names[id.lowercased()] ?? directory.names[id] ?? id)") }
        for factor in strings(value["customAuthenticationFactors"]) { controls.append("customControl:\(factor)") }
        let block = builtIn.contains("block")
        guard block || !controls.isEmpty else { return nil }
        return Grant(block: block, operator: value["operator"]?.stringValue?.uppercased() == "AND" ? "AND" : "OR", controls: controls)
    }

    /// `outcome` with the clauses `context` cannot meet marked (``UnsatisfiableReason``).
    static func markingUnsatisfiable(_ outcome: SignInOutcome, context: SignInContext) -> SignInOutcome {
        let reason: UnsatisfiableReason? = switch (context.clientAppType, context.authenticationFlow) {
        case (.exchangeActiveSync?, _), (.other?, _): .legacyClient
        case (_, .deviceCodeFlow?): .deviceCodeFlow
        default: nil
        }
        guard let reason, !outcome.blocked else { return outcome }
        var marked = outcome
        // Every grant control is interactive or device-based: a legacy client meets none of them.
        marked.unsatisfiable = reason == .legacyClient ? outcome.clauses
            : outcome.clauses.filter { $0.allSatisfy { $0 == "compliantDevice" || $0 == "domainJoinedDevice" } }
        marked.unsatisfiableReason = marked.unsatisfiable.isEmpty ? nil : reason
        return marked
    }

    static func outcome(_ applying: [PolicyVerdict]) -> SignInOutcome {
        let blocking = applying.filter { $0.grant?.block == true }.map(\.displayName)
        var clauses: [[String]] = []
        for verdict in applying {
            guard let grant = verdict.grant, !grant.block, !grant.controls.isEmpty else { continue }
            let policyClauses = grant.operator == "AND" || grant.controls.count == 1
                ? grant.controls.map { [$0] } : [promptOrder(grant.controls)]
            for clause in policyClauses where !clauses.contains(clause) { clauses.append(clause) }
        }
        // A single control already required makes any choice that offers it redundant.
        var singles = Set(clauses.filter { $0.count == 1 }.map { $0[0] })
        // A built-in authentication strength is multifactor: where one is required, `mfa` is met by it.
        if singles.contains(where: { builtInStrengthControls.contains($0) }) {
            clauses.removeAll { $0 == ["mfa"] }
            singles.remove("mfa")
        }
        clauses.removeAll { $0.count > 1 && !singles.isDisjoint(with: $0) }
        clauses = clauses.map(promptOrder).sorted { (promptRank($0[0]), $0.count, $0.joined(separator: ",")) < (promptRank($1[0]), $1.count, $1.joined(separator: ",")) }
        return SignInOutcome(blocked: !blocking.isEmpty, blockingPolicies: blocking.sorted(),
                             clauses: blocking.isEmpty ? clauses : [],
                             sessionControls: blocking.isEmpty ? mergedSessionControls(applying.map(\.sessionControls)) : [:])
    }

    /// Microsoft's built-in strengths as grant controls are named here; each is a set of MFA combinations.
    static let builtInStrengthControls: Set<String> = ["authenticationStrength:Multifactor authentication",
                                                       "authenticationStrength:Passwordless MFA",
                                                       "authenticationStrength:Phishing-resistant MFA"]

    /// The most restrictive of each session control (reference §1.5, "engine rule" where Microsoft is silent).
    static func mergedSessionControls(_ all: [[String: JSONValue]]) -> [String: JSONValue] {
        var merged: [String: JSONValue] = [:]
        func enabled(_ control: JSONValue) -> Bool { control["isEnabled"]?.boolValue ?? true }
        for controls in all {
            for (key, control) in controls where !control.isNull {
                switch key {
                case "signInFrequency":
                    guard enabled(control) else { continue }
                    if let current = merged[key], signInFrequencyHours(current) <= signInFrequencyHours(control) { continue }
                    merged[key] = control
                case "persistentBrowser":
                    guard enabled(control) else { continue }
                    if merged[key]?["mode"]?.stringValue == "never" { continue }
                    merged[key] = control
                case "cloudAppSecurity":
                    guard enabled(control) else { continue }
                    let rank = ["mcasConfigured": 0, "monitorOnly": 1, "blockDownloads": 2]
                    let current = merged[key]?["cloudAppSecurityType"]?.stringValue.flatMap { rank[$0] } ?? -1
                    if (control["cloudAppSecurityType"]?.stringValue.flatMap { rank[$0] } ?? 0) > current { merged[key] = control }
                case "disableResilienceDefaults":
                    if control.boolValue == true { merged[key] = true }
                default:
                    // On if any policy turns it on.
                    if control.objectValue == nil || enabled(control) { merged[key] = merged[key] ?? control }
                }
            }
        }
        return merged
    }

    /// A sign-in frequency in hours; every time is 0.
    static func signInFrequencyHours(_ control: JSONValue) -> Double {
        if control["frequencyInterval"]?.stringValue == "everyTime" { return 0 }
        let value = control["value"]?.numberValue ?? .infinity
        return control["type"]?.stringValue == "days" ? value * 24 : value
    }
}

extension SignInOutcome {
    /// The session controls in words, by control name: `sign-in frequency 4 hours`, `persistent browser never`.
    public var sessionControlsInWords: [String] { Self.sessionControlsInWords(sessionControls) }

    /// Session controls (Graph shape, one policy's or merged) in words.
    public static func sessionControlsInWords(_ sessionControls: [String: JSONValue]) -> [String] {
        sessionControls.keys.sorted().map { key in
            let control = sessionControls[key] ?? .null
            switch key {
            case "signInFrequency":
                if control["frequencyInterval"]?.stringValue == "everyTime" { return "sign-in frequency every time" }
                return "sign-in frequency \(control["value"]?.intValue ?? 0) \(control["type"]?.stringValue ?? "")"
            case "persistentBrowser": return "persistent browser \(control["mode"]?.stringValue ?? "")"
            case "cloudAppSecurity": return "app control \(control["cloudAppSecurityType"]?.stringValue ?? "")"
            default: return key
            }
        }
    }
}
