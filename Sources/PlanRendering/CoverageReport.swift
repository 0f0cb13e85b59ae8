import PolicyEvaluation
import PolicyModel

/// Everything `entraform report` shows: the coverage matrix, the lint findings, and how names read.
public struct CoverageReport: Sendable {
    /// Where the policies came from.
    public enum Source: Sendable, Hashable {
        /// The configuration directory read offline: populations from the policies' own references.
        case declaredOffline(path: String)
        /// The configuration as a plan would leave the tenant, with the tenant's users.
        case declaredInTenant(path: String, tenant: String?)
        /// The tenant's live policies and users.
        case live(tenant: String?)
    }

    public var matrix: CoverageMatrix
    public var source: Source
    /// Lint findings (EF201–EF210) with their rule ids.
    public var diagnostics: [Diagnostic]
    /// Object ids (lowercased) and references → display names: groups, roles, users, applications, named locations.
    public var names: [String: String]
    /// Users read from the tenant (nil offline).
    public var usersEvaluated: Int?
    /// Things the reader should know (disabled accounts left out, …), one sentence each.
    public var notes: [String]

    public init(matrix: CoverageMatrix, source: Source, diagnostics: [Diagnostic], names: [String: String] = [:], usersEvaluated: Int? = nil,
                notes: [String] = []) {
        self.matrix = matrix
        self.source = source
        self.diagnostics = diagnostics
        self.names = Dictionary(names.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.usersEvaluated = usersEvaluated
        self.notes = notes
    }
}

/// The words every format shares: row labels, cell texts, policies' conditions.
enum CoverageWords {
    static func name(_ reference: String, _ report: CoverageReport) -> String { report.names[reference.lowercased()] ?? reference }

    static func membership(_ membership: CoverageMatrix.Membership, _ report: CoverageReport) -> String {
        switch membership {
        case .user(let id): "user \(name(id, report))"
        case .group(let id): "group \(name(id, report))"
        case .role(let id): "role \(name(id, report))"
        case .external(let type): "external (\(type.rawValue))"
        }
    }

    /// `group Finance + role Global Administrator`, or `everyone else`.
    static func population(_ row: CoverageMatrix.Population, _ report: CoverageReport) -> String {
        row.memberships.isEmpty ? "everyone else" : row.memberships.map { membership($0, report) }.joined(separator: " + ")
    }

    /// `37 users: alice@…, bob@… and 35 more`, or nil for a population not counted.
    static func members(_ row: CoverageMatrix.Population) -> String? {
        guard let count = row.count else { return nil }
        var text = "\(count) user\(count == 1 ? "" : "s")"
        if !row.sampleMembers.isEmpty {
            text += ": " + row.sampleMembers.joined(separator: ", ") + (count > row.sampleMembers.count ? " and \(count - row.sampleMembers.count) more" : "")
        }
        return text
    }

    static func column(_ column: CoverageMatrix.Column) -> String { column.application }

    /// The cell's short text: `block`, `mfa`, `mfa + compliantDevice`, `allowed`; where platforms
    /// differ, each group's: `block on android · allowed on iOS, windows, …`.
    static func short(_ cell: CoverageMatrix.Cell) -> String {
        guard let variants = cell.platformVariants else { return outcomeWord(cell) }
        return variants.map { "\(outcomeWord($0.cell)) on \($0.platforms)" }.joined(separator: " · ")
    }

    static func outcomeWord(_ cell: CoverageMatrix.Cell) -> String {
        switch cell.kind {
        case .blocked: "block"
        case .allowed: "allowed"
        case .requires: cell.outcome.clauses.map { $0.joined(separator: "|") }.joined(separator: " + ")
        }
    }

    /// The cell in full: the outcome, the policies that produce it, and what report-only policies
    /// would add; per platform group where platforms differ.
    static func detail(_ cell: CoverageMatrix.Cell) -> String {
        guard let variants = cell.platformVariants else { return outcomeDetail(cell) }
        return variants.map { "on \($0.platforms):\n" + outcomeDetail($0.cell) }.joined(separator: "\n")
    }

    static func outcomeDetail(_ cell: CoverageMatrix.Cell) -> String {
        var lines = [WhatIfRenderer.sentence(cell.outcome)]
        let session = cell.outcome.sessionControlsInWords
        if !session.isEmpty { lines.append("session: " + session.joined(separator: "; ")) }
        lines.append(cell.policies.isEmpty ? "no enabled policy applies" : "by: " + cell.policies.joined(separator: ", "))
        if !cell.reportOnlyPolicies.isEmpty {
            lines.append("report-only would: \(WhatIfRenderer.sentence(cell.reportOnly)) (\(cell.reportOnlyPolicies.joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n")
    }

    static func source(_ source: CoverageReport.Source) -> String {
        switch source {
        case .declaredOffline(let path):
            "the configuration in \(path), read offline (populations are the combinations of users, groups and roles the policies name)"
        case .declaredInTenant(let path, let tenant):
            "the tenant \(tenant ?? "") as a plan of \(path) would leave it, with its users"
        case .live(let tenant): "the live policies of tenant \(tenant ?? "") and its users"
        }
    }

    static func assumptions(_ assumptions: CoverageMatrix.Assumptions) -> String {
        "Each cell is one sign-in: \(assumptions.clientAppType.rawValue), an unregistered device, no sign-in, user or insider risk, "
            + "an ordinary authentication flow, from \(assumptions.ipAddress) in country \(assumptions.country) (in no named location)."
    }

    static func state(_ policy: JSONValue) -> String {
        switch policy["state"]?.stringValue ?? "enabled" {
        case "enabledForReportingButNotEnforced": "report-only"
        case let state: state
        }
    }

    /// A policy's conditions and controls in words, one line per part it configures.
    static func conditions(_ policy: JSONValue, grant: Grant?, _ report: CoverageReport) -> [String] {
        func strings(_ value: JSONValue?) -> [String] { value?.stringArray ?? [] }
        func names(_ values: [String]) -> String { values.map { name($0, report) }.joined(separator: ", ") }
        let conditions = policy["conditions"] ?? .null
        var lines: [String] = []
        func pair(_ label: String, include: [String], exclude: [String]) {
            guard !include.isEmpty || !exclude.isEmpty else { return }
            var text = "\(label): " + (include.isEmpty ? "none" : names(include))
            if !exclude.isEmpty { text += "; except " + names(exclude) }
            lines.append(text)
        }
        let users = conditions["users"] ?? .null
        var includes: [String] = strings(users["includeUsers"]).map { $0 == "All" ? "all users" : name($0, report) }
        includes += strings(users["includeGroups"]).map { "group " + name($0, report) }
        includes += strings(users["includeRoles"]).map { "role " + name($0, report) }
        if let guests = users["includeGuestsOrExternalUsers"], !guests.isNull {
            includes.append("external users (\(guests["guestOrExternalUserTypes"]?.stringValue ?? strings(guests["guestOrExternalUserTypes"]).joined(separator: ", ")))")
        }
        var excludes: [String] = strings(users["excludeUsers"]).map { name($0, report) }
        excludes += strings(users["excludeGroups"]).map { "group " + name($0, report) }
        excludes += strings(users["excludeRoles"]).map { "role " + name($0, report) }
        if let guests = users["excludeGuestsOrExternalUsers"], !guests.isNull { excludes.append("external users") }
        if !includes.isEmpty || !excludes.isEmpty {
            lines.append("Users: " + (includes.isEmpty ? "none" : includes.joined(separator: ", "))
                + (excludes.isEmpty ? "" : "; except " + excludes.joined(separator: ", ")))
        }
        let clients = conditions["clientApplications"] ?? .null
        pair("Workload identities", include: strings(clients["includeServicePrincipals"]), exclude: strings(clients["excludeServicePrincipals"]))
        let applications = conditions["applications"] ?? .null
        pair("Applications", include: strings(applications["includeApplications"]), exclude: strings(applications["excludeApplications"]))
        pair("User actions", include: strings(applications["includeUserActions"]), exclude: [])
        pair("Authentication contexts", include: strings(applications["includeAuthenticationContextClassReferences"]), exclude: [])
        if let filter = applications["applicationFilter"], !filter.isNull {
            lines.append("Application filter: \(filter["mode"]?.stringValue ?? "") \(filter["rule"]?.stringValue ?? "")")
        }
        let platforms = conditions["platforms"] ?? .null
        pair("Platforms", include: strings(platforms["includePlatforms"]), exclude: strings(platforms["excludePlatforms"]))
        let locations = conditions["locations"] ?? .null
        pair("Locations", include: strings(locations["includeLocations"]), exclude: strings(locations["excludeLocations"]))
        pair("Client apps", include: strings(conditions["clientAppTypes"]), exclude: [])
        pair("Sign-in risk", include: strings(conditions["signInRiskLevels"]), exclude: [])
        pair("User risk", include: strings(conditions["userRiskLevels"]), exclude: [])
        pair("Service principal risk", include: strings(conditions["servicePrincipalRiskLevels"]), exclude: [])
        if let insider = conditions["insiderRiskLevels"]?.stringValue { lines.append("Insider risk: \(insider)") }
        if let flows = conditions["authenticationFlows"]?["transferMethods"]?.stringValue { lines.append("Authentication flows: \(flows)") }
        if let filter = conditions["devices"]?["deviceFilter"], !filter.isNull {
            lines.append("Device filter: \(filter["mode"]?.stringValue ?? "") \(filter["rule"]?.stringValue ?? "")")
        }
        if let grant {
            lines.append("Grant: " + (grant.block ? "block" : "require " + grant.controls.joined(separator: " \(grant.operator) ")))
        }
        let session = (policy["sessionControls"]?.objectValue ?? [:]).filter { !$0.value.isNull }
        if !session.isEmpty { lines.append("Session: " + SignInOutcome.sessionControlsInWords(session).joined(separator: "; ")) }
        return lines
    }

    static func diagnostic(_ diagnostic: Diagnostic) -> String {
        var text = "\(diagnostic.severity.rawValue)" + (diagnostic.code.map { " \($0)" } ?? "") + ": \(diagnostic.message)"
        if let location = diagnostic.location { text = "\(location.description): " + text }
        if let suggestion = diagnostic.suggestion { text += " (\(suggestion))" }
        return text
    }

    /// `240 policies · 2,000 populations · 36 columns`.
    static func counts(_ report: CoverageReport) -> String {
        let matrix = report.matrix
        var text = "\(matrix.policies.count) polic\(matrix.policies.count == 1 ? "y" : "ies") · \(matrix.rows.count) population"
            + "\(matrix.rows.count == 1 ? "" : "s") · \(matrix.columns.count) column\(matrix.columns.count == 1 ? "" : "s")"
        if let users = report.usersEvaluated { text += " · \(users) user\(users == 1 ? "" : "s")" }
        return text
    }
}
