import PolicyModel

extension LockoutGuard {
    /// Controls an emergency access account cannot be counted on to meet: it is used from whatever
    /// device is at hand when everything else failed.
    static let deviceBoundControls: Set<String> = ["compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication"]

    /// Simulates the emergency access accounts' sign-ins under the enabled policies that target them
    /// on purpose (those naming the account or an emergency group in their includes: the structural
    /// check leaves them alone), with the evaluation engine: modern clients on every platform (and an
    /// unknown one), from inside every named location and from outside all of them, to every
    /// application the policies name, any other application, the admin portals, and security-info
    /// registration. A sign-in such a policy **blocks**, or for which it demands only device-bound
    /// controls (a compliant or hybrid-joined device, an approved or protected app), is an **error**:
    /// the account exists to get in when nothing else works. One diagnostic per policy and account,
    /// with the first sign-in that fails.
    ///
    /// A finding the tenant's own policy of the same name already has for the same sign-in is a
    /// warning: adopting the tenant as it is must plan (the plan does not make it worse).
    public static func simulate(_ policies: [GuardedPolicy], accounts: [EmergencyAccount], emergencyGroupIds: Set<String> = [],
                                live: [JSONValue] = [], directory: EvaluationDirectory) -> [Diagnostic] {
        let emergencyGroups = Set(emergencyGroupIds.map { $0.lowercased() })
        let enabled = policies.filter { ($0.body["state"]?.stringValue ?? "enabled") == "enabled" }
        let contexts = SimulatedSignIns(policies: enabled.map(\.body), directory: directory)
        var diagnostics: [Diagnostic] = []
        for account in accounts {
            let onPurpose = enabled.filter { policy in
                let users = policy.body["conditions"]?["users"] ?? .null
                let includeUsers = Set((users["includeUsers"]?.stringArray ?? []).map { $0.lowercased() })
                let includeGroups = Set((users["includeGroups"]?.stringArray ?? []).map { $0.lowercased() })
                return includeUsers.contains(account.id) || !includeGroups.isDisjoint(with: emergencyGroups)
            }
            guard !onPurpose.isEmpty else { continue }
            let subject = SignInSubject(user: account.id, label: account.label, groupIds: account.groupIds, roleTemplateIds: account.roleTemplateIds)
            var reported: Set<String> = []
            for sample in contexts.samples(for: subject) {
                for policy in onPurpose where !reported.contains(policy.displayName) {
                    guard let grant = unmeetable(policy.body, sample.context, directory) else { continue }
                    reported.insert(policy.displayName)
                    let what = grant.block ? "would block" : "would demand \(grant.controls.filter(deviceBoundControls.contains).joined(separator: " or ")) of"
                    let message = "'\(policy.displayName)' \(what) emergency access account \(account.label) signing in \(sample.description)"
                    let suggestion = "an emergency account must get in from any device and place; exclude it from this condition, or require only MFA or an authentication strength"
                    let counterpart = live.first { $0["displayName"]?.stringValue?.lowercased() == policy.displayName.lowercased() }
                    if let counterpart, unmeetable(counterpart, sample.context, directory) != nil {
                        diagnostics.append(.warning(message + " (the tenant already enforces it)", at: policy.location, suggestion: suggestion))
                    } else {
                        diagnostics.append(.error(message, at: policy.location, suggestion: suggestion))
                    }
                }
            }
        }
        return diagnostics
    }
}

extension LockoutGuard {
    /// The grant of an enabled `policy` that applies to the sign-in and cannot be met by an emergency
    /// account (block, or only device-bound controls); `nil` otherwise.
    static func unmeetable(_ policy: JSONValue, _ context: SignInContext, _ directory: EvaluationDirectory) -> Grant? {
        guard (policy["state"]?.stringValue ?? "enabled") == "enabled" else { return nil }
        let verdict = SignInEvaluator.verdict(for: policy, context: context, directory: directory)
        guard verdict.applies, let grant = verdict.grant else { return nil }
        let deviceOnly = !grant.block && (grant.operator == "OR"
            ? grant.controls.allSatisfy(deviceBoundControls.contains)
            : grant.controls.contains(where: deviceBoundControls.contains))
        return grant.block || deviceOnly ? grant : nil
    }
}

/// The sign-ins a lockout simulation tries: every value the policies distinguish, and one they do not.
struct SimulatedSignIns {
    struct Sample {
        var context: SignInContext
        var description: String
    }

    /// (appId or user action, how to say it)
    var targets: [(SignInTarget, String)] = []
    var platforms = ["windows", "macOS", "iOS", "android", "linux", "unknown platform"]
    var clients: [ClientAppType] = [.browser, .mobileAppsAndDesktopClients]
    /// (address, country, how to say it)
    var places: [(IPAddress?, String?, String)] = []


    init(policies: [JSONValue], directory: EvaluationDirectory) {
        var appIds: [String] = []
        for policy in policies {
            for key in ["includeApplications", "excludeApplications"] {
                for id in policy["conditions"]?["applications"]?[key]?.stringArray ?? [] where DirectoryReference.isObjectID(id) {
                    if !appIds.contains(id.lowercased()) { appIds.append(id.lowercased()) }
                }
            }
        }
        targets = appIds.map { (.application(appId: $0), "to \(FirstPartyApplications.application(appId: $0)?.displayName ?? $0)") }
        targets.append((.application(appId: "00000002-0000-0ff1-ce00-000000000000"), "to Office 365 Exchange Online"))
        targets.append((.application(appId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"), "to the Azure portal"))
        targets.append((.application(appId: SignInTarget.otherApplicationId), "to any other application"))
        targets.append((.userAction("urn:user:registersecurityinfo"), "to register security information"))

        // From inside each named location, and from outside all of them.
        let locations = directory.namedLocations.values.sorted { ($0["displayName"]?.stringValue ?? "") < ($1["displayName"]?.stringValue ?? "") }
        let allRanges = locations.flatMap { ($0["ipRanges"]?.arrayValue ?? []).compactMap { $0["cidrAddress"]?.stringValue } }
        let listedCountries = Set(locations.flatMap { ($0["countriesAndRegions"]?.stringArray ?? []).map { $0.uppercased() } })
        let outsideAddress = ["192.0.2.1", "100.64.0.1", "2001:db8:ffff::1", "240.0.0.1"].compactMap(IPAddress.init)
            .first { address in !allRanges.contains { address.isIn(cidr: $0) } }
        let outsideCountry = ["AQ", "BV", "HM", "XK"].first { !listedCountries.contains($0) }
        places.append((outsideAddress, outsideCountry, "from outside every named location"))
        for location in locations {
            let name = location["displayName"]?.stringValue ?? "a named location"
            if let cidr = location["ipRanges"]?.arrayValue?.first?["cidrAddress"]?.stringValue,
               let network = cidr.split(separator: "/").first.flatMap({ IPAddress(String($0)) }) {
                places.append((network, outsideCountry, "from '\(name)'"))
            } else if let country = location["countriesAndRegions"]?.stringArray?.first {
                places.append((outsideAddress, country.uppercased(), "from '\(name)'"))
            }
        }
    }

    func samples(for subject: SignInSubject) -> [Sample] {
        var samples: [Sample] = []
        for (target, targetText) in targets {
            for platform in platforms {
                for client in clients {
                    for (address, country, placeText) in places {
                        var context = SignInContext(subject: subject, target: target)
                        context.platform = platform
                        context.clientAppType = client
                        context.ipAddress = address
                        context.country = country
                        samples.append(Sample(context: context, description: "\(targetText) on \(platform) (\(client.rawValue)) \(placeText)"))
                    }
                }
            }
        }
        return samples
    }
}

extension LockoutGuard {
    /// Microsoft Graph: what entraform itself signs in to.
    static let microsoftGraph = "00000003-0000-0000-c000-000000000000"

    /// An **error** for each enabled workload-identity policy that would block the service principal
    /// entraform runs as (the app-only token's `oid`) from every place: inside each named location and
    /// outside all of them. The next run could then neither read the tenant nor undo the change. A
    /// policy that blocks it only from some places (outside trusted ranges, say) is the recommended
    /// set-up for automation and is left alone: where the runner signs in from is not known here.
    ///
    /// - Parameter live: the tenant's policies. A declared policy whose live counterpart (same name)
    ///   already blocks it everywhere is left alone: entraform is running, so in reality it does not.
    public static func simulateWorkload(_ policies: [GuardedPolicy], live: [JSONValue] = [], servicePrincipalId: String, label: String,
                                        directory: EvaluationDirectory) -> [Diagnostic] {
        let subject = SignInSubject(servicePrincipal: servicePrincipalId, label: label)
        let places = SimulatedSignIns(policies: [], directory: directory).places
        func blocksEverywhere(_ body: JSONValue) -> Bool {
            guard (body["state"]?.stringValue ?? "enabled") == "enabled" else { return false }
            return places.allSatisfy { address, country, _ in
                var context = SignInContext(subject: subject, target: .application(appId: microsoftGraph))
                context.ipAddress = address
                context.country = country
                let verdict = SignInEvaluator.verdict(for: body, context: context, directory: directory)
                return verdict.applies && verdict.grant?.block == true
            }
        }
        var diagnostics: [Diagnostic] = []
        for policy in policies where blocksEverywhere(policy.body) {
            let counterpart = live.first { $0["displayName"]?.stringValue?.lowercased() == policy.displayName.lowercased() }
            if let counterpart, blocksEverywhere(counterpart) { continue }
            diagnostics.append(.error(
                "'\(policy.displayName)' would block the service principal entraform runs as (\(label)) from everywhere: the next run could neither read the tenant nor undo this",
                at: policy.location, suggestion: "exclude it in conditions.clientApplications.excludeServicePrincipals, or narrow the policy by location"))
        }
        return diagnostics
    }
}
