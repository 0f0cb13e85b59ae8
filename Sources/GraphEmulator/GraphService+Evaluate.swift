import PolicyEvaluation
import PolicyModel

/// `POST /identity/conditionalAccess/evaluate` (Microsoft's What If API, reference ca-evaluation.md §8):
/// evaluates one sign-in against the tenant's enabled and report-only policies and returns each as
/// Graph renders it, with `policyApplies` and `analysisReasons`.
///
/// Graph's own semantics, where they are stricter than entraform's `whatif`: application groups
/// (`Office365`, `MicrosoftAdminPortals`) never match an appId ("Groups of apps … don't result in a
/// match"), and a condition whose input the request does not give does not match. Both the current
/// request shape (`signInIdentity`/`signInContext`/`signInConditions`) and the older preview shape
/// (`conditionalAccessWhatIfSubject`/`conditionalAccessContext`/`conditionalAccessWhatIfConditions`)
/// are accepted and answered alike.
extension GraphService {
    func evaluate(_ request: GraphRequest) async throws -> GraphResponse {
        try requireMethod(request, "POST")
        let body = try request.jsonObject()
        let identity = body["signInIdentity"] ?? body["subject"] ?? body["conditionalAccessWhatIfSubject"] ?? .null
        let target = body["signInContext"] ?? body["context"] ?? body["conditionalAccessContext"] ?? .null
        let conditions = body["signInConditions"] ?? body["conditions"] ?? body["conditionalAccessWhatIfConditions"] ?? .null
        let appliedOnly = body["appliedPoliciesOnly"]?.boolValue ?? false

        return try await store.read { state -> GraphResponse in
            let subject = try Self.subject(identity, state: state)
            var context = SignInContext(subject: subject, target: try Self.target(target))
            try Self.apply(conditions, to: &context)
            let directory = EvaluationDirectory(namedLocations: state.namedLocations.all, office365AppIds: [], adminPortalAppIds: [])
            var results: [JSONValue] = []
            for stored in state.policies.all where (stored["state"]?.stringValue ?? "") != "disabled" {
                let verdict = SignInEvaluator.verdict(for: stored, context: context, directory: directory)
                if appliedOnly && !verdict.applies { continue }
                var rendered = renderPolicy(stored, state: state, request: request)
                rendered["policyApplies"] = .bool(verdict.applies)
                rendered["analysisReasons"] = .string(verdict.applies ? "notSet"
                    : verdict.missingInputs.isEmpty ? (verdict.reason?.rawValue ?? "notSet") : "notEnoughInformation")
                results.append(rendered)
            }
            return .json(200, ["@odata.context": .string("\(request.serviceRoot)/$metadata#Collection(microsoft.graph.whatIfAnalysisResult)"),
                               "value": .array(results)])
        }
    }

    private static func subject(_ identity: JSONValue, state: TenantState) throws -> SignInSubject {
        let type = identity["@odata.type"]?.stringValue ?? ""
        if type.hasSuffix("servicePrincipalSignIn") || type.hasSuffix("servicePrincipalSubject") {
            guard let id = identity["servicePrincipalId"]?.stringValue else { throw GraphFailure.badRequest("servicePrincipalId is required") }
            return SignInSubject(servicePrincipal: id, label: id)
        }
        guard let userId = identity["userId"]?.stringValue else {
            throw GraphFailure.badRequest("signInIdentity must be a userSignIn with userId or a servicePrincipalSignIn with servicePrincipalId")
        }
        guard let user = state.user(idOrUserPrincipalName: userId), let id = user["id"]?.stringValue else {
            throw GraphFailure.badRequest("The user '\(userId)' was not found.")
        }
        let externalType = identity["externalUserType"]?.stringValue.flatMap { flags in
            flags.split(separator: ",").lazy.compactMap { GuestOrExternalUserType(rawValue: String($0)) }.first
        }
        return userSubject(id: id, user: user, state: state, externalUserType: externalType, homeTenantId: identity["externalTenantId"]?.stringValue)
    }

    /// A user of the tenant as Conditional Access sees them: transitive groups and active roles from the
    /// emulator's directory (shared by What If and the emulated sign-ins).
    static func userSubject(id: String, user: JSONValue, state: TenantState, externalUserType: GuestOrExternalUserType?,
                            homeTenantId: String?) -> SignInSubject {
        SignInSubject(user: id, label: user["userPrincipalName"]?.stringValue ?? id, groupIds: Set(state.transitiveGroups(of: id)),
                      roleTemplateIds: Set(state.roleTemplates(of: id)), externalUserType: externalUserType, homeTenantId: homeTenantId)
    }

    private static func target(_ context: JSONValue) throws -> SignInTarget {
        if let applications = context["includeApplications"]?.stringArray, let first = applications.first {
            return .application(appId: first.lowercased())
        }
        if let action = context["userAction"]?.stringValue {
            switch action {
            case "registerSecurityInformation": return .userAction("urn:user:registersecurityinfo")
            case "registerOrJoinDevices": return .userAction("urn:user:registerdevice")
            default: throw GraphFailure.badRequest("userAction '\(action)' is not registerSecurityInformation or registerOrJoinDevices")
            }
        }
        if let reference = context["authenticationContextValue"]?.stringValue ?? context["authenticationContext"]?.stringValue {
            return .authenticationContext(reference)
        }
        throw GraphFailure.badRequest("signInContext must be an applicationContext, a userActionContext or an authContext")
    }

    private static func apply(_ conditions: JSONValue, to context: inout SignInContext) throws {
        context.platform = conditions["devicePlatform"]?.stringValue
        context.clientAppType = conditions["clientAppType"]?.stringValue.flatMap(ClientAppType.init(rawValue:))
        context.country = conditions["country"]?.stringValue?.uppercased()
        context.ipAddress = conditions["ipAddress"]?.stringValue.flatMap(IPAddress.init)
        if let level = conditions["signInRiskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)) { context.signInRisk = level }
        if let level = conditions["userRiskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)) { context.userRisk = level }
        if let level = conditions["servicePrincipalRiskLevel"]?.stringValue.flatMap(RiskLevel.init(rawValue:)) { context.servicePrincipalRisk = level }
        context.insiderRisk = conditions["insiderRiskLevel"]?.stringValue.flatMap(InsiderRiskLevel.init(rawValue:))
        context.authenticationFlow = conditions["authenticationFlow"]?["transferMethod"]?.stringValue.flatMap(TransferMethod.init(rawValue:))
        if let device = conditions["deviceInfo"]?.objectValue {
            var properties: [String: FilterValue] = [:]
            for (key, value) in device {
                // What If names ownership `ownership`; the rule language says `deviceOwnership`.
                let name = key == "ownership" ? "deviceOwnership" : key
                switch value {
                case .bool(let flag): properties[name] = .bool(flag)
                case .string(let text): properties[name] = .string(text)
                case .array(let items): properties[name] = .collection(items.compactMap(\.stringValue))
                default: continue
                }
            }
            context.device = properties
        }
    }
}
