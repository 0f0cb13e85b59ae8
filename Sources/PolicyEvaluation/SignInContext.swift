import PolicyModel

/// Who signs in, as Conditional Access sees them: ids, transitive groups, active built-in roles and,
/// for external users, their kind and home tenant.
public struct SignInSubject: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case user, servicePrincipal }

    public var kind: Kind
    /// Object id (lowercased).
    public var id: String
    /// How output names them (UPN, display name).
    public var label: String
    /// Every group the user belongs to, nested groups included (lowercased ids).
    public var groupIds: Set<String>
    /// Directory role templates the user holds actively and tenant-wide (lowercased ids).
    public var roleTemplateIds: Set<String>
    /// The external user kind; `nil` for an internal member.
    public var externalUserType: GuestOrExternalUserType?
    /// An external user's home tenant id.
    public var homeTenantId: String?

    public init(user id: String, label: String, groupIds: Set<String> = [], roleTemplateIds: Set<String> = [],
                externalUserType: GuestOrExternalUserType? = nil, homeTenantId: String? = nil) {
        kind = .user
        self.id = id.lowercased()
        self.label = label
        self.groupIds = Set(groupIds.map { $0.lowercased() })
        self.roleTemplateIds = Set(roleTemplateIds.map { $0.lowercased() })
        self.externalUserType = externalUserType
        self.homeTenantId = homeTenantId?.lowercased()
    }

    public init(servicePrincipal id: String, label: String) {
        kind = .servicePrincipal
        self.id = id.lowercased()
        self.label = label
        groupIds = []
        roleTemplateIds = []
    }
}

/// What the sign-in asks for.
public enum SignInTarget: Sendable, Hashable {
    /// A token for this resource (appId).
    case application(appId: String)
    /// A user action: `urn:user:registersecurityinfo` or `urn:user:registerdevice`.
    case userAction(String)
    /// An authentication context (`c1`…`c99`).
    case authenticationContext(String)
    /// A token request by the application `clientAppId` asking only for low-privilege directory
    /// scopes (``LowPrivilegeScopes``: `openid`, `profile`, `User.Read`, …). Since Microsoft's phased
    /// rollout from March 2026 Entra evaluates it as directory access, audience Windows Azure Active
    /// Directory: policies on All resources apply *with or without* exclusions (excluding the client
    /// application no longer exempts it), and so do policies naming Windows Azure Active Directory
    /// (ca-evaluation.md §3.2; Microsoft Learn, "Conditional Access: Target resources", "Conditional
    /// Access behavior when an all resources policy has a resource exclusion").
    case directoryAccess(clientAppId: String)

    /// An appId no policy names: "any other application" (a sign-in with no particular resource).
    public static let otherApplicationId = "0e000000-0000-4000-8000-00000000a11a"
    /// Windows Azure Active Directory (Azure AD Graph): the audience of low-privilege directory access.
    public static let windowsAzureActiveDirectoryAppId = "00000002-0000-0000-c000-000000000000"
}

/// The scopes whose requests, alone, count as low-privilege directory access (ca-evaluation.md §3.2).
/// A scope is `User.Read` (Microsoft Graph), or prefixed with its resource:
/// `https://graph.microsoft.com/User.Read`, `https://graph.windows.net/User.Read`, or an appId.
public enum LowPrivilegeScopes {
    static let openIdScopes: Set<String> = ["email", "offline_access", "openid", "profile"]
    /// Native and single-page applications: Azure AD Graph, and Microsoft Graph with `People.Read`.
    static let publicClient: (azureADGraph: Set<String>, microsoftGraph: Set<String>) = (
        openIdScopes.union(["user.read"]), openIdScopes.union(["user.read", "people.read"]))
    /// Confidential clients (web apps, daemons) may also ask for these and stay low-privilege.
    static let confidentialClient: (azureADGraph: Set<String>, microsoftGraph: Set<String>) = (
        publicClient.azureADGraph.union(["user.read.all", "user.readbasic.all"]),
        publicClient.microsoftGraph.union(["user.read.all", "user.readbasic.all", "people.read.all", "groupmember.read.all", "member.read.hidden"]))

    /// True when every scope is low-privilege for the client kind (and at least one is given).
    public static func areLowPrivilege(_ scopes: [String], confidentialClient confidential: Bool) -> Bool {
        let sets = confidential ? confidentialClient : publicClient
        return !scopes.isEmpty && scopes.allSatisfy { scope in
            let lowered = scope.lowercased()
            if openIdScopes.contains(lowered) { return true }
            guard let slash = lowered.lastIndex(of: "/") else { return sets.microsoftGraph.contains(lowered) }
            let resource = lowered[..<slash], name = String(lowered[lowered.index(after: slash)...])
            if resource.hasSuffix("graph.windows.net") || resource == SignInTarget.windowsAzureActiveDirectoryAppId {
                return sets.azureADGraph.contains(name)
            }
            if resource.hasSuffix("graph.microsoft.com") || resource == "00000003-0000-0000-c000-000000000000" {
                return sets.microsoftGraph.contains(name)
            }
            return false
        }
    }
}

/// A sign-in to evaluate. An input left `nil` is unknown: a policy that configures that condition does
/// not apply, and the input is reported missing (Microsoft's What If API behaves so, "Conditional
/// Access What If tool"). Risks default to `none` and the authentication flow to an ordinary one.
public struct SignInContext: Sendable, Hashable {
    public var subject: SignInSubject
    public var target: SignInTarget
    public var clientAppType: ClientAppType?
    /// `android`, `iOS`, `windows`, `windowsPhone`, `macOS`, `linux`, or anything else (an unknown
    /// platform matches only `all`).
    public var platform: String?
    public var ipAddress: IPAddress?
    /// ISO 3166-1 alpha-2, as the IP maps to (or GPS reports).
    public var country: String?
    public var signInRisk: RiskLevel = .none
    public var userRisk: RiskLevel = .none
    public var servicePrincipalRisk: RiskLevel = .none
    /// `nil` = no insider risk.
    public var insiderRisk: InsiderRiskLevel?
    /// `nil` = neither device code nor authentication transfer.
    public var authenticationFlow: TransferMethod?
    /// The registered device's properties (`isCompliant`, `trustType`, …); `nil` = unregistered (all null).
    public var device: [String: FilterValue]?
    /// The target application's custom security attributes (`Set_Attribute` → value), for app filters.
    public var applicationAttributes: [String: FilterValue]?

    public init(subject: SignInSubject, target: SignInTarget) {
        self.subject = subject
        self.target = target
    }
}

/// What the evaluation needs besides policies: named locations, names for strengths and terms, and the
/// membership of Microsoft's application groups.
public struct EvaluationDirectory: Sendable {
    /// Named locations by lowercased id (Graph GET shape).
    public var namedLocations: [String: JSONValue]
    /// id → display name of authentication strengths and terms of use agreements.
    public var names: [String: String]
    /// The appIds the `Office365` group stands for.
    public var office365AppIds: Set<String>
    /// The appIds the `MicrosoftAdminPortals` group stands for.
    public var adminPortalAppIds: Set<String>

    public init(namedLocations: [JSONValue] = [], names: [String: String] = [:],
                office365AppIds: Set<String> = MicrosoftApplicationGroups.office365,
                adminPortalAppIds: Set<String> = MicrosoftApplicationGroups.adminPortals) {
        var locations: [String: JSONValue] = [:]
        for location in namedLocations {
            if let id = location["id"]?.stringValue { locations[id.lowercased()] = location }
        }
        self.namedLocations = locations
        self.names = names
        self.office365AppIds = Set(office365AppIds.map { $0.lowercased() })
        self.adminPortalAppIds = Set(adminPortalAppIds.map { $0.lowercased() })
    }
}

/// Members of the application groups Conditional Access offers. Microsoft publishes their display names
/// only ("Apps included in Conditional Access Office 365 app suite"; "Microsoft Admin Portals" in
/// "Conditional Access: Target resources"); the appIds below are those names resolved (reference
/// ca-evaluation.md §3.3). Both lists are incomplete by nature: an app outside them is not taken for a member.
public enum MicrosoftApplicationGroups {
    public static let office365: Set<String> = [
        "00000002-0000-0ff1-ce00-000000000000", "00000003-0000-0ff1-ce00-000000000000", "00000004-0000-0ff1-ce00-000000000000",
        "00000005-0000-0ff1-ce00-000000000000", "00000006-0000-0ff1-ce00-000000000000", "00000007-0000-0ff1-ce00-000000000000",
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",
        "e1829006-9cf1-4d05-8b48-2e665cb48e6a", "48ac35b8-9aa8-4d74-927d-1f4a14a0b239", "7557eb47-c689-4224-abcf-aef9bd7573df",
        "d3590ed6-52b3-4102-aeff-aad2292ab01c", "4765445b-32c6-49b0-83e6-1d93765276ca", "4b233688-031c-404b-9a80-a4f3f2351f90",
        "67ad5377-2d78-4ac2-a867-6300cda00e85", "ec156f81-f23a-47bd-b16f-9fb2c66420f9", "66a88757-258c-4c72-893c-3e8bed4d6899",
        "13d54852-ae25-4f0b-823a-b09eea89f431", "2d4d3d8e-2be3-4bef-9f87-7875a61c29de", "ab9b8c07-8f02-4f72-87fa-80105867a763",
        "c9a559d2-7aab-4f13-a6ed-e7e9c52aec87", "b737dad2-2f6c-4c65-90e3-ca563267e8b9", "09abbdfd-ed23-44ee-a2d9-a627aa1c90f3",
        "cf53fce8-def6-4aeb-8d30-b158e7b1cf83", "2634dd23-5e5a-431c-81ca-11710d9079f4", "95de633a-083e-42f5-b444-a4295d8e9314",
        "3ff8e6ba-7dc3-4e9e-ba40-ee12b60d6d48", "905fcf26-4eb7-48a0-9ff0-8dcc7194b5ba", "a23b959c-7ce8-4e57-9140-b90eb88a9e97",
        "475226c6-020e-4fb2-8a90-7a972cbfc1d4", "6204c1d1-4712-4c46-a7d9-3ed63d992682", "94c63fef-13a3-47bc-8074-75af8c65887a",
        "e03a13ee-9730-4cae-8525-47559c8cf18a", "dcad865d-9257-4521-ad4d-bae3e137b345", "08e18876-6177-487e-b8b5-cf950c1e598c",
        "86b4b4b4-db10-481c-876b-07447e7f204f", "fb8d773d-7ef8-4ec0-a117-179f88add510", "6b91db1b-f05b-405a-a0b2-e3f60b28d645",
    ]

    public static let adminPortals: Set<String> = [
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",  // Azure Portal
        "497effe9-df71-4043-a8bb-14cf78c4b63b",  // Exchange Admin Center
        "80ccca67-54bd-44ab-8625-4b79c4dc7775",  // Microsoft 365 Security and Compliance Center
        "2ddfbe71-ed12-4123-b99b-d5fc8a062a79",  // Microsoft Teams Admin Portal Service
    ]
}
