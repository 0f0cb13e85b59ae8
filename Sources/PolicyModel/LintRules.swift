/// The set-level checks `validate`, `plan` and `drift` run over a policy set (not one file): each has a
/// stable id, a one-line title, the reason it exists and a default severity, which the Settings'
/// `lint:` map overrides (`lint: {EF201: error, EF205: off}`).
public enum LintRule: String, CaseIterable, Sendable, Hashable, Codable {
    case EF201, EF202, EF203, EF204, EF205, EF206, EF207, EF208, EF209, EF210

    public var title: String {
        switch self {
        case .EF201: "An enabled policy for all users or for directory roles does not exclude the emergency access accounts"
        case .EF202: "A new policy is created enabled, without a report-only period first"
        case .EF203: "Legacy authentication (exchangeActiveSync, other) is not blocked for all users by any enabled policy"
        case .EF204: "A policy can never apply: it includes and excludes the same users, applications, platforms or locations"
        case .EF205: "Two policies have the same conditions: conflicting controls, or one is redundant"
        case .EF206: "A privileged directory role is not covered by an enabled policy that requires MFA"
        case .EF207: "A policy combines block with other grant controls"
        case .EF208: "More than 200 of the tenant's 240 policies are used"
        case .EF209: "A live policy references a directory object that no longer exists"
        case .EF210: "A trusted named location holds a very wide range (IPv4 /8 or wider, IPv6 /32 or wider)"
        }
    }

    /// Why the rule exists (the README's lint table says the same).
    public var rationale: String {
        switch self {
        case .EF201:
            "Microsoft recommends excluding emergency access (break-glass) accounts from every Conditional Access policy, so a mistaken policy cannot lock every administrator out (\"Manage emergency access accounts in Microsoft Entra ID\")."
        case .EF202:
            "Report-only mode shows from the sign-in logs whom a policy would block or challenge before it is enforced (\"Conditional Access report-only mode\"); enabling a new policy at once skips that evidence."
        case .EF203:
            "Legacy protocols cannot do MFA; Microsoft's baseline policy blocks them for all users (\"Block legacy authentication with Conditional Access\")."
        case .EF204:
            "A policy whose includes are all excluded applies to nobody: it is dead weight that counts against the tenant's limit and hides a mistake."
        case .EF205:
            "Conditional Access combines every applying policy (block wins, grants are ANDed): two policies with the same conditions either contradict each other or repeat each other."
        case .EF206:
            "Privileged roles are the first target of attackers; Microsoft's template \"Require multifactor authentication for admins\" covers these 14 roles."
        case .EF207:
            "Block wins over every other control, so the other controls in the same policy are never asked for and mislead reviewers."
        case .EF208:
            "A tenant holds at most 240 Conditional Access policies (195 before 2026); close to the limit, new policies need room."
        case .EF209:
            "A policy that names a deleted user, group or role silently stops covering (or excluding) it; an exclusion that vanished can lock people out."
        case .EF210:
            "A trusted location is often exempt from MFA; a range that wide trusts a large part of the Internet."
        }
    }

    public var defaultSeverity: LintSeverity { .warning }
}

/// How a lint rule reports: as an error (the command fails), a warning, or not at all.
public enum LintSeverity: String, LanguageEnumeration {
    case error, warning, off
}

/// Microsoft's privileged roles that the "Require multifactor authentication for admins" template
/// targets (Microsoft Learn, "Require MFA for administrators"): display name and role template id.
public enum PrivilegedRoles {
    public static let all: [(name: String, templateId: String)] = [
        ("Global Administrator", "62e90394-69f5-4237-9190-012177145e10"),
        ("Security Administrator", "194ae4cb-b126-40b2-bd5b-6091b380977d"),
        ("SharePoint Administrator", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"),
        ("Exchange Administrator", "29232cdf-9323-42fd-ade2-1d097af3e4de"),
        ("Conditional Access Administrator", "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"),
        ("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8"),
        ("Billing Administrator", "b0f54661-2d74-4c50-afa3-1ec803f12efe"),
        ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
        ("Authentication Administrator", "c4e39bd9-1100-46d3-8c65-fb160da0071f"),
        ("Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"),
        ("Cloud Application Administrator", "158c047a-c907-4556-b7ef-446551a6b5f7"),
        ("Password Administrator", "966707d0-3269-4727-9be2-8c3a10f19b9d"),
        ("Privileged Authentication Administrator", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"),
        ("Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814"),
    ]
}
