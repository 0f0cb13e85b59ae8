import ArgumentParser
import GraphClient
import PlanRendering
import PolicyEvaluation
import PolicyModel
import Reconciliation

/// `entraform whatif`: which policies apply to one sign-in, and what they demand: for the declared
/// policies (before they land) or the live ones.
struct WhatIfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Evaluate one sign-in against the declared (or, with --live, the tenant's) policies.",
        discussion: """
            Names who signs in (--user or --service-principal) and what for (--app, --user-action or --auth-context); \
            the other conditions are optional, and a policy that needs one that is not given does not apply \
            (it is listed as needing that input), as Microsoft's What If API does. Risks default to none. \
            Exit 0 evaluated, 1 error.
            """
    )

    @Argument(help: "The configuration directory.")
    var path: String = "."

    @Option(help: "The user signing in (UPN).")
    var user: String?

    @Option(name: .customLong("service-principal"), help: "The workload identity signing in (display name or object id).")
    var servicePrincipal: String?

    @Option(help: "The resource the token is for (display name or appId).")
    var app: String?

    @Option(help: ArgumentHelp(
        "With --app: the scopes the application asks for, space- or comma-separated (User.Read, or prefixed: https://graph.windows.net/User.Read).",
        discussion: "Only low-privilege scopes (openid, profile, email, offline_access, User.Read, …): evaluated as directory access (Windows Azure Active Directory), which All-resources policies enforce even when they exclude the application."))
    var scopes: String?

    @Flag(name: .customLong("confidential-client"), help: "With --scopes: the application is a confidential client (web app, daemon), whose low-privilege scopes include User.Read.All, GroupMember.Read.All, ….")
    var confidentialClient = false

    @Option(name: .customLong("user-action"), help: "registersecurityinfo or registerdevice.")
    var userAction: String?

    @Option(name: .customLong("auth-context"), help: "An authentication context id (c1…c99).")
    var authContext: String?

    @Option(help: "Device platform: android, iOS, windows, windowsPhone, macOS, linux (anything else matches only 'all').")
    var platform: String?

    @Option(name: .customLong("client-app"), help: "browser, mobileAppsAndDesktopClients, exchangeActiveSync, easSupported or other.")
    var clientApp: String?

    @Option(help: "The sign-in's public IP address (IPv4 or IPv6).")
    var ip: String?

    @Option(help: "The country the sign-in comes from (ISO 3166-1 alpha-2); empty for an address that maps to none.")
    var country: String?

    @Option(name: .customLong("sign-in-risk"), help: "low, medium, high or none (default).")
    var signInRisk: String?

    @Option(name: .customLong("user-risk"), help: "low, medium, high or none (default).")
    var userRisk: String?

    @Option(name: .customLong("service-principal-risk"), help: "low, medium, high or none (default).")
    var servicePrincipalRisk: String?

    @Option(name: .customLong("insider-risk"), help: "minor, moderate or elevated (default: none).")
    var insiderRisk: String?

    @Option(name: .customLong("auth-flow"), help: "deviceCodeFlow or authenticationTransfer (default: neither).")
    var authFlow: String?

    @Option(help: "The registered device's properties for device filters, e.g. 'isCompliant=true,trustType=AzureAD,systemLabels=a|b' (default: unregistered).")
    var device: String?

    @Option(name: .customLong("guest-type"), help: "The user's external kind (internalGuest, b2bCollaborationGuest, …); default from the user's userType.")
    var guestType: String?

    @Option(name: .customLong("home-tenant"), help: "An external user's home tenant id.")
    var homeTenant: String?

    @Flag(help: "Evaluate the tenant's live policies instead of the declared ones.")
    var live = false

    @Flag(name: .customLong("compare-graph"),
          help: "Also ask Microsoft's What If API (live policies only) and show where its answers differ.")
    var compareGraph = false

    @Option(help: "Output format: text or json.")
    var format: WhatIfFormat = .text

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Start from a persona of the Settings' scenarios (its user, application and conditions); other options override it.")
    var scenario: String?

    func validate() throws {
        guard !(user != nil && servicePrincipal != nil) else { throw ValidationError("give exactly one of --user and --service-principal") }
        guard [app, userAction, authContext].compactMap({ $0 }).count <= 1 else {
            throw ValidationError("give exactly one of --app, --user-action and --auth-context")
        }
        guard scopes == nil || (app != nil || scenario != nil) && userAction == nil && authContext == nil else {
            throw ValidationError("--scopes needs --app (the application asking for them)")
        }
        guard !confidentialClient || scopes != nil else { throw ValidationError("--confidential-client goes with --scopes") }
        if scenario == nil {
            guard user != nil || servicePrincipal != nil else { throw ValidationError("give exactly one of --user and --service-principal (or --scenario)") }
            guard app != nil || userAction != nil || authContext != nil else {
                throw ValidationError("give exactly one of --app, --user-action and --auth-context (or --scenario)")
            }
        }
        _ = try inputs()
    }

    /// The optional conditions, parsed; a bad value is a usage error naming the valid ones.
    func inputs() throws -> (apply: (inout SignInContext) -> Void, described: [String]) {
        func parse<Value: RawRepresentable & CaseIterable>(_ text: String?, _ option: String, as _: Value.Type) throws -> Value?
        where Value.RawValue == String {
            guard let text else { return nil }
            if let value = Value.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) { return value }
            throw ValidationError("--\(option) '\(text)' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let client = try parse(clientApp, "client-app", as: ClientAppType.self)
        let risks = try (parse(signInRisk, "sign-in-risk", as: RiskLevel.self), parse(userRisk, "user-risk", as: RiskLevel.self),
                         parse(servicePrincipalRisk, "service-principal-risk", as: RiskLevel.self))
        let insider = try parse(insiderRisk, "insider-risk", as: InsiderRiskLevel.self)
        let flow = try parse(authFlow, "auth-flow", as: TransferMethod.self)
        let address = try ip.map { text -> IPAddress in
            guard let address = IPAddress(text) else { throw ValidationError("--ip '\(text)' is not an IPv4 or IPv6 address") }
            return address
        }
        let deviceProperties = try device.map(Self.deviceProperties)
        var described: [String] = []
        if let platform { described.append("platform \(platform)") }
        if let client { described.append("client \(client.rawValue)") }
        if let ip { described.append("IP \(ip)") }
        if let country { described.append("country \(country.isEmpty ? "unknown" : country)") }
        if let level = risks.0 { described.append("sign-in risk \(level.rawValue)") }
        if let level = risks.1 { described.append("user risk \(level.rawValue)") }
        if let level = risks.2 { described.append("service principal risk \(level.rawValue)") }
        if let insider { described.append("insider risk \(insider.rawValue)") }
        if let flow { described.append("flow \(flow.rawValue)") }
        if let device { described.append("device \(device)") }
        let platform = platform
        let country = country?.uppercased()
        return ({ context in
            // Only what is given: a --scenario's values stay unless a flag overrides them.
            if let platform {
                context.platform = DevicePlatform.allCases.first { $0.rawValue.caseInsensitiveCompare(platform) == .orderedSame }?.rawValue ?? platform
            }
            if let client { context.clientAppType = client }
            if let address { context.ipAddress = address }
            if let country { context.country = country }
            if let level = risks.0 { context.signInRisk = level }
            if let level = risks.1 { context.userRisk = level }
            if let level = risks.2 { context.servicePrincipalRisk = level }
            if let insider { context.insiderRisk = insider }
            if let flow { context.authenticationFlow = flow }
            if let deviceProperties { context.device = deviceProperties }
        }, described)
    }

    /// `isCompliant=true,trustType=AzureAD,systemLabels=a|b` → properties (`|` separates a collection's items).
    static func deviceProperties(_ text: String) throws -> [String: FilterValue] {
        var properties: [String: FilterValue] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let name = FilterRule.deviceProperties.first(where: { $0.caseInsensitiveCompare(parts[0]) == .orderedSame })
            else {
                throw ValidationError("--device '\(pair)': write property=value with a device property (\(FilterRule.deviceProperties.prefix(6).joined(separator: ", ")), …)")
            }
            let value = parts[1]
            properties[name] = switch value.lowercased() {
            case "true": .bool(true)
            case "false": .bool(false)
            default: value.contains("|") ? .collection(value.split(separator: "|").map(String.init)) : .string(value)
            }
        }
        return properties
    }

    func run() async throws {
        let (apply, described) = try inputs()
        let code = await TenantCommandRunner.run {
            try await ReconcileSession.with(path: path, connection: connection, useColor: false, staging: .declared) { session in
                if !live, session.resolved.hasErrors {
                    Console.err(session.renderedDiagnostics(session.resolved.diagnostics, useColor: false))
                    return 1
                }
                let client = session.connection.client
                var command = self
                var persona: Settings.Scenario?
                if let scenario {
                    let declared = session.load.configuration.settings?.value.scenarios ?? []
                    guard let found = declared.first(where: { $0.name.caseInsensitiveCompare(scenario) == .orderedSame }) else {
                        throw WhatIfError("no scenario named '\(scenario)' in the Settings; declared: \(declared.map { "'\($0.name)'" }.joined(separator: ", "))")
                    }
                    persona = found
                    if command.user == nil && command.servicePrincipal == nil { command.user = found.user.description }
                    if command.app == nil && command.userAction == nil && command.authContext == nil {
                        command.app = found.application?.description ?? SignInTarget.otherApplicationId
                    }
                }
                let (subject, subjectLabel) = try await command.resolveSubject(client: client)
                var (target, targetLabel) = try await command.resolveTarget(client: client)
                if let scopes, case .application(let appId) = target {
                    let requested = scopes.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
                    if LowPrivilegeScopes.areLowPrivilege(requested, confidentialClient: confidentialClient) {
                        target = .directoryAccess(clientAppId: appId)
                        targetLabel += " asking only for low-privilege scopes (\(requested.joined(separator: " "))): evaluated as directory access, "
                            + "Windows Azure Active Directory"
                    } else {
                        targetLabel += " asking for \(requested.joined(separator: " ")) (not only low-privilege scopes: the application decides)"
                    }
                }
                var context = SignInContext(subject: subject, target: target)
                if let persona { context.apply(persona: persona) }
                apply(&context)
                let (policies, locations) = policiesAndLocations(session)
                let directory = EvaluationDirectory(namedLocations: locations, names: session.snapshot.directoryNames.namesById)
                let evaluation = SignInEvaluator.evaluate(policies, context: context, directory: directory)
                var inputs = described
                if let persona { inputs.insert("scenario '\(persona.name)'", at: 0) }
                var question = WhatIfQuestion(subject: subjectLabel, target: targetLabel, inputs: inputs,
                                              policySource: live ? "live" : "declared")
                if compareGraph {
                    let answers = try await client.evaluateConditionalAccess(Self.whatIfRequest(context))
                    question.graphAnswers = answers.compactMap { answer in
                        guard let name = answer["displayName"]?.stringValue else { return nil }
                        return GraphWhatIfAnswer(displayName: name, applies: answer["policyApplies"]?.boolValue ?? false,
                                                 reasons: answer["analysisReasons"]?.stringValue ?? "")
                    }
                }
                switch format {
                case .text: Console.out(WhatIfRenderer.text(evaluation, question: question))
                case .json: Console.out(WhatIfRenderer.json(evaluation, question: question))
                }
                return 0
            }
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// The same sign-in as a What If API request (Graph's shape, reference ca-evaluation.md §8.1).
    static func whatIfRequest(_ context: SignInContext) -> JSONValue {
        let identity: JSONValue = context.subject.kind == .user
            ? ["@odata.type": "#microsoft.graph.userSignIn", "userId": .string(context.subject.id),
               "externalUserType": context.subject.externalUserType.map { .string($0.rawValue) } ?? .null,
               "externalTenantId": context.subject.homeTenantId.map(JSONValue.string) ?? .null]
            : ["@odata.type": "#microsoft.graph.servicePrincipalSignIn", "servicePrincipalId": .string(context.subject.id)]
        let target: JSONValue = switch context.target {
        case .application(let appId): ["@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [.string(appId)]]
        case .userAction(let action):
            ["@odata.type": "#microsoft.graph.userActionContext",
             "userAction": action.hasSuffix("registerdevice") ? "registerOrJoinDevices" : "registerSecurityInformation"]
        case .authenticationContext(let reference): ["@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": .string(reference)]
        // Graph's What If API has no scopes: it is asked about the application itself.
        case .directoryAccess(let clientAppId): ["@odata.type": "#microsoft.graph.applicationContext", "includeApplications": [.string(clientAppId)]]
        }
        var conditions: [String: JSONValue] = [
            "signInRiskLevel": .string(context.signInRisk.rawValue), "userRiskLevel": .string(context.userRisk.rawValue),
            "servicePrincipalRiskLevel": .string(context.servicePrincipalRisk.rawValue),
            "insiderRiskLevel": .string(context.insiderRisk?.rawValue ?? "none"),
        ]
        if let platform = context.platform { conditions["devicePlatform"] = .string(platform) }
        if let client = context.clientAppType { conditions["clientAppType"] = .string(client.rawValue) }
        if let country = context.country { conditions["country"] = .string(country) }
        if let address = context.ipAddress { conditions["ipAddress"] = .string(address.description) }
        if let flow = context.authenticationFlow { conditions["authenticationFlow"] = ["transferMethod": .string(flow.rawValue)] }
        if let device = context.device {
            conditions["deviceInfo"] = .object(Dictionary(uniqueKeysWithValues: device.map { key, value in
                let name = key == "deviceOwnership" ? "ownership" : key
                let json: JSONValue = switch value {
                case .string(let text): .string(text)
                case .bool(let flag): .bool(flag)
                case .collection(let items): .array(items.map(JSONValue.string))
                }
                return (name, json)
            }))
        }
        return ["signInIdentity": identity, "signInContext": target, "signInConditions": .object(conditions), "appliedPoliciesOnly": false]
    }

    /// The policies to evaluate and the named locations their ids stand for (declared definitions win).
    func policiesAndLocations(_ session: ReconcileSession) -> ([JSONValue], [JSONValue]) {
        if live { return (session.snapshot.policies, session.snapshot.namedLocations) }
        let policies = session.resolved.desired.filter { $0.kind == .conditionalAccessPolicy }.map(\.body)
        return (policies, ReconcileSession.declaredNamedLocations(resolved: session.resolved, snapshot: session.snapshot))
    }

    func resolveSubject(client: GraphClient) async throws -> (SignInSubject, String) {
        if let user {
            let escaped = user.replacingOccurrences(of: "'", with: "''")
            let found = try await client.listAll(
                "/users", query: GraphQuery(filter: "userPrincipalName eq '\(escaped)'", select: ["id", "userPrincipalName", "userType"]),
                version: client.configuration.directoryVersion)
            guard let object = found.first, let id = object["id"]?.stringValue else { throw WhatIfError("user '\(user)' not found in the tenant") }
            let upn = object["userPrincipalName"]?.stringValue ?? user
            let memberships = try await client.listTransitiveMemberships(userId: id)
            var external: GuestOrExternalUserType?
            if let guestType {
                guard let type = GuestOrExternalUserType.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(guestType) == .orderedSame }) else {
                    throw WhatIfError("--guest-type '\(guestType)' is not one of \(GuestOrExternalUserType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                external = type
            } else if upn.contains("#EXT#") {
                external = object["userType"]?.stringValue == "Member" ? .b2bCollaborationMember : .b2bCollaborationGuest
            } else if object["userType"]?.stringValue == "Guest" {
                external = .internalGuest
            }
            let subject = SignInSubject(user: id, label: upn, groupIds: memberships.groupIds, roleTemplateIds: memberships.roleTemplateIds,
                                        externalUserType: external, homeTenantId: homeTenant)
            return (subject, upn)
        }
        let name = servicePrincipal ?? ""
        if DirectoryReference.isObjectID(name) { return (SignInSubject(servicePrincipal: name, label: name), name) }
        let resolution = try await client.resolveServicePrincipals(names: [name])
        guard let found = resolution[name] else {
            throw WhatIfError("service principal '\(name)' \(resolution.ambiguous.isEmpty ? "not found" : "is ambiguous; give its object id")")
        }
        return (SignInSubject(servicePrincipal: found.id, label: found.displayName ?? name), found.displayName ?? name)
    }

    func resolveTarget(client: GraphClient) async throws -> (SignInTarget, String) {
        if let userAction {
            let short = userAction.lowercased().replacingOccurrences(of: "urn:user:", with: "")
            guard ["registersecurityinfo", "registerdevice"].contains(short) else {
                throw WhatIfError("--user-action '\(userAction)' is not registersecurityinfo or registerdevice")
            }
            return (.userAction("urn:user:\(short)"), "user action \(short)")
        }
        if let authContext { return (.authenticationContext(authContext), "authentication context \(authContext)") }
        let name = app ?? ""
        if DirectoryReference.isObjectID(name) {
            let known = FirstPartyApplications.application(appId: name)?.displayName
            return (.application(appId: name.lowercased()), known.map { "\($0) (\(name))" } ?? name)
        }
        let resolution = try await client.resolveServicePrincipals(names: [name])
        if let appId = resolution[name]?.appId { return (.application(appId: appId.lowercased()), resolution[name]?.displayName ?? name) }
        let firstParty = FirstPartyApplications.applications(named: name)
        if firstParty.count == 1 { return (.application(appId: firstParty[0].appId), firstParty[0].displayName) }
        throw WhatIfError("application '\(name)' not found in the tenant nor among Microsoft's first-party applications; give its appId")
    }
}

/// A what-if input that names nothing.
struct WhatIfError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum WhatIfFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
