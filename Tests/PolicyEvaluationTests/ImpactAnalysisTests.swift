import Foundation
@testable import PolicyEvaluation
import PolicyModel
import Testing

/// Whole-tenant impact: named scenarios, then the class-based walk checked against brute-force
/// per-user evaluation on random tenants and policy sets.
@Suite("Impact analysis: who a change of policies affects")
struct ImpactAnalysisTests {
    typealias Fixture = SignInEvaluatorTests
    static let bob = "b0b00000-0000-4000-8000-000000000002"
    static let carol = "ca201000-0000-4000-8000-000000000003"
    static let sharePoint = "00000003-0000-0ff1-ce00-000000000000"
    static let azurePortal = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"

    static let people: [SignInSubject] = [
        SignInSubject(user: Fixture.alice, label: "alice@contoso.com", groupIds: [Fixture.financeGroup]),
        SignInSubject(user: bob, label: "bob@contoso.com", groupIds: [Fixture.financeGroup]),
        SignInSubject(user: carol, label: "carol@contoso.com", groupIds: [Fixture.breakGlassGroup]),
    ]

    static func analyse(_ before: [JSONValue], _ after: [JSONValue], people: [SignInSubject] = people) -> ImpactAnalysis.Result {
        ImpactAnalysis.analyse(before: .init(policies: before, directory: Fixture.directory), after: .init(policies: after, directory: Fixture.directory),
                               population: .init(users: people))
    }

    static let blockLegacy = Fixture.policy("Block legacy", extra: ["clientAppTypes": ["exchangeActiveSync", "other"]],
                                            grant: ["operator": "OR", "builtInControls": ["block"]])

    @Test func aNewPolicyNamesExactlyTheUsersAppAndPlatformItReaches() throws {
        let mfaForFinance = Fixture.policy("Finance MFA on Android", users: ["includeGroups": [.string(Fixture.financeGroup)]],
                                           applications: ["includeApplications": [.string(Fixture.exchange)]],
                                           extra: ["platforms": ["includePlatforms": ["android"]]])
        let result = Self.analyse([Self.blockLegacy], [Self.blockLegacy, mfaForFinance])
        // Legacy clients are blocked either way: only modern clients change.
        #expect(result.changes.count == 1)
        let change = try #require(result.changes.first)
        #expect(change.enforcement == .enforced)
        #expect(change.subjects == ["alice@contoso.com", "bob@contoso.com"])
        #expect(change.context["application"] == ["Office 365 Exchange Online"])
        #expect(change.context["platform"] == ["android"])
        #expect(change.context["clientAppType"] == ["browser", "mobileAppsAndDesktopClients"])
        #expect(change.before.isAllowed)
        #expect(change.after.clauses == [["mfa"]])
        #expect(result.userClasses == 2)
    }

    /// Sign-ins that change alike are joined into as few lines as their shape allows, across users,
    /// applications and platforms the walk reached through different branches: here everything but
    /// Finance's Android sign-ins to Exchange (which already needed MFA) changes from allowed to a
    /// compliant device, and that shape takes three lines, whatever order the walk found them in.
    @Test func signInsThatChangeAlikeAreJoinedAcrossBranches() throws {
        let mfaForFinance = Fixture.policy("Finance MFA on Android", users: ["includeGroups": [.string(Fixture.financeGroup)]],
                                           applications: ["includeApplications": [.string(Fixture.exchange)]],
                                           extra: ["platforms": ["includePlatforms": ["android"]]])
        let compliant = Fixture.policy("Compliant devices", grant: ["operator": "OR", "builtInControls": ["compliantDevice"]])
        let result = Self.analyse([Self.blockLegacy, mfaForFinance], [Self.blockLegacy, mfaForFinance, compliant])
        let fromAllowed = result.changes.filter(\.before.isAllowed)
        let fromMFA = result.changes.filter { !$0.before.isAllowed }
        #expect(fromAllowed.count == 3)
        #expect(fromAllowed.allSatisfy { $0.after.clauses == [["compliantDevice"]] })
        let stricter = try #require(fromMFA.first)
        #expect(fromMFA.count == 1)
        #expect(stricter.subjects == ["alice@contoso.com", "bob@contoso.com"])
        #expect(stricter.context["platform"] == ["android"])
        #expect(stricter.context["application"] == ["Office 365 Exchange Online"])
    }

    /// Since March 2026 a request for only low-privilege scopes is evaluated as directory access: all
    /// resources reach it even when they exclude Windows Azure Active Directory, so the impact names it
    /// apart from sign-ins to Windows Azure Active Directory itself.
    @Test func aRequestForLowPrivilegeScopesIsDirectoryAccess() throws {
        let allButDirectory = Fixture.policy("MFA everywhere but Azure AD",
                                             applications: ["includeApplications": ["All"],
                                                            "excludeApplications": [.string(SignInTarget.windowsAzureActiveDirectoryAppId)]])
        let result = Self.analyse([], [allButDirectory])
        let change = try #require(result.changes.first)
        #expect(result.changes.count == 1)
        #expect(change.after.clauses == [["mfa"]])
        let lowPrivilege = "directory access (a request for low-privilege scopes only)"
        #expect(change.context["application"]?.contains(lowPrivilege) == true)
        #expect(change.context["application"]?.contains("any other application") == true)
        // Sign-ins to Windows Azure Active Directory itself stay excluded (as do the user actions,
        // which an all-resources policy with exclusions does not reach).
        #expect(change.excludedContext["application"]?.contains("Windows Azure Active Directory") == true)
        #expect(change.excludedContext["application"]?.contains(lowPrivilege) == false)
    }

    @Test func identicalPolicySetsChangeNothing() {
        let policies = [Self.blockLegacy, Fixture.policy("MFA for all")]
        #expect(Self.analyse(policies, policies).changes.isEmpty)
    }

    @Test func reportOnlyChangesAreKeptApart() throws {
        let trial = Fixture.policy("Trial block", state: "enabledForReportingButNotEnforced", grant: ["operator": "OR", "builtInControls": ["block"]])
        let result = Self.analyse([], [trial])
        let change = try #require(result.changes.first)
        #expect(result.changes.count == 1)
        #expect(change.enforcement == .reportOnly)
        #expect(change.after.blocked)
        #expect(change.subjects.count == 3)
        #expect(change.context.isEmpty)
    }

    @Test func anExclusionKeepsItsMembersOutOfTheChange() throws {
        let all = Fixture.policy("MFA for all", users: ["includeUsers": ["All"], "excludeGroups": [.string(Fixture.breakGlassGroup)]])
        let change = try #require(Self.analyse([], [all]).changes.first)
        #expect(change.subjects == ["alice@contoso.com", "bob@contoso.com"])
    }

    @Test func aChangedNamedLocationChangesWhoIsBlockedWithoutAnyPolicyChanging() throws {
        let blockOutsideOffice = Fixture.policy("Block outside office", extra: ["locations": ["includeLocations": ["All"],
                                                                                              "excludeLocations": [.string(Fixture.office)]]],
                                                grant: ["operator": "OR", "builtInControls": ["block"]])
        var moved = Fixture.directory
        moved.namedLocations[Fixture.office] = ["@odata.type": "#microsoft.graph.ipNamedLocation", "id": .string(Fixture.office),
                                                "displayName": "Office", "isTrusted": true, "ipRanges": [["cidrAddress": "192.0.2.0/24"]]]
        let result = ImpactAnalysis.analyse(before: .init(policies: [blockOutsideOffice], directory: Fixture.directory),
                                            after: .init(policies: [blockOutsideOffice], directory: moved), population: .init(users: Self.people))
        let unblocked = result.changes.filter { $0.before.blocked && !$0.after.blocked }
        let blocked = result.changes.filter { !$0.before.blocked && $0.after.blocked }
        #expect(unblocked.count == 1 && blocked.count == 1)
        #expect(unblocked.first?.context["location"]?.allSatisfy { $0.contains("IP in Office") } == true)
        #expect(blocked.first?.subjects.count == 3)
    }

    @Test func workloadIdentityPoliciesReachTheNamedServicePrincipals() throws {
        let blockWorkload = Fixture.policy("Block workload", users: ["includeUsers": ["None"]],
                                           extra: ["clientApplications": ["includeServicePrincipals": [.string(Fixture.workload)]],
                                                   "clientAppTypes": ["all"]],
                                           grant: ["operator": "OR", "builtInControls": ["block"]])
        let principal = SignInSubject(servicePrincipal: Fixture.workload, label: "deploy-bot")
        let result = ImpactAnalysis.analyse(before: .init(policies: [], directory: Fixture.directory),
                                            after: .init(policies: [blockWorkload], directory: Fixture.directory),
                                            population: .init(users: Self.people, servicePrincipals: [principal]))
        let change = try #require(result.changes.first)
        #expect(result.changes.count == 1)
        #expect(change.subjectKind == .servicePrincipal)
        #expect(change.subjects == ["deploy-bot"])
        #expect(change.after.blocked)
    }

    // MARK: Equivalence with brute force

    /// Choices over the package's SplitMix64, so a failing seed can be replayed.
    struct Generator {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(state: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
        mutating func pick<T>(_ values: [T]) -> T { values[int(values.count)] }
        mutating func some<T>(_ values: [T]) -> [T] {
            let picked = values.filter { _ in chance(40) }
            return picked.isEmpty ? [pick(values)] : picked
        }
    }

    static let groups = (1...5).map { "9a000000-0000-4000-8000-00000000000\($0)" }
    static let roles = [Fixture.globalAdmin, "194ae4cb-b126-40b2-bd5b-6091b380977d"]
    static let appTokens = ["All", "Office365", "MicrosoftAdminPortals", Fixture.exchange, sharePoint, Fixture.lineOfBusiness,
                            SignInTarget.windowsAzureActiveDirectoryAppId]
    static let locationTokens = ["All", "AllTrusted", Fixture.office, Fixture.branch, Fixture.countries]

    static func randomTenant(_ random: inout Generator) -> [SignInSubject] {
        (0..<(4 + random.int(6))).map { index in
            let id = "0e000000-0000-4000-8000-0000000001" + String(format: "%02d", index)
            return SignInSubject(user: id, label: "user\(index)@contoso.com", groupIds: Set(groups.filter { _ in random.chance(30) }),
                                 roleTemplateIds: Set(roles.filter { _ in random.chance(15) }),
                                 externalUserType: random.chance(15) ? .b2bCollaborationGuest : nil)
        }
    }

    static func randomPolicy(_ random: inout Generator, users people: [SignInSubject], name: String) -> JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        var users: [String: JSONValue] = [:]
        switch random.int(5) {
        case 0: users["includeUsers"] = ["All"]
        case 1: users["includeGroups"] = strings(random.some(groups))
        case 2: users["includeRoles"] = strings(random.some(roles))
        case 3: users["includeUsers"] = strings(random.some(people.map(\.id)))
        default: users["includeUsers"] = ["GuestsOrExternalUsers"]
        }
        if random.chance(40) { users["excludeGroups"] = strings([random.pick(groups)]) }
        if random.chance(20) { users["excludeUsers"] = strings([random.pick(people).id]) }
        var applications: [String: JSONValue] = [:]
        if random.chance(15) {
            applications["includeUserActions"] = ["urn:user:registersecurityinfo"]
        } else {
            applications["includeApplications"] = strings(random.chance(50) ? ["All"] : random.some(appTokens))
            if random.chance(30) { applications["excludeApplications"] = strings([random.pick(Array(appTokens.dropFirst()))]) }
        }
        var conditions: [String: JSONValue] = ["users": .object(users), "applications": .object(applications)]
        conditions["clientAppTypes"] = random.chance(30) ? strings(random.some(["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"]))
            : ["all"]
        if random.chance(30) {
            var platforms: [String: JSONValue] = ["includePlatforms": strings(random.chance(40) ? ["all"] : random.some(["android", "iOS", "windows"]))]
            if random.chance(30) { platforms["excludePlatforms"] = strings([random.pick(["iOS", "macOS"])]) }
            conditions["platforms"] = .object(platforms)
        }
        if random.chance(35) {
            var locations: [String: JSONValue] = ["includeLocations": strings(random.some(locationTokens))]
            if random.chance(40) { locations["excludeLocations"] = strings([random.pick(Array(locationTokens.dropFirst()))]) }
            conditions["locations"] = .object(locations)
        }
        if random.chance(15) { conditions["signInRiskLevels"] = strings(random.some(["low", "medium", "high"])) }
        if random.chance(5) { conditions["userRiskLevels"] = strings(random.some(["medium", "high"])) }
        let grant: JSONValue = switch random.int(4) {
        case 0: ["operator": "OR", "builtInControls": ["block"]]
        case 1: ["operator": "OR", "builtInControls": ["mfa"]]
        case 2: ["operator": "OR", "builtInControls": ["compliantDevice", "mfa"]]
        default: ["operator": "AND", "builtInControls": ["mfa", "compliantDevice"]]
        }
        let session: JSONValue = random.chance(20) ? ["signInFrequency": ["isEnabled": true, "type": "hours", "value": .number(Double(1 + random.int(8)))]]
            : .null
        return ["displayName": .string(name), "state": .string(random.pick(["enabled", "enabled", "enabledForReportingButNotEnforced", "disabled"])),
                "conditions": .object(conditions), "grantControls": grant, "sessionControls": session]
    }

    /// The class-based walk reports, for every user and every combination of context values,
    /// exactly the transitions that evaluating that user alone with ``SignInEvaluator`` finds; and
    /// every concrete platform, client, address, country and application behaves like one of the
    /// values the walk enumerates, so nothing outside them can change differently.
    /// 8 seeds by default (each evaluates every user on every combination: thousands of sign-ins);
    /// `ENTRAFORM_IMPACT_SEEDS=200` for a long run.
    static let seeds = (0..<UInt64(ProcessInfo.processInfo.environment["ENTRAFORM_IMPACT_SEEDS"].flatMap(Int.init) ?? 8))

    @Test(arguments: seeds)
    func classBasedImpactEqualsBruteForce(seed: UInt64) {
        var random = Generator(state: seed &* 7919 &+ 17)
        let people = Self.randomTenant(&random)
        let before = (0..<(2 + random.int(5))).map { Self.randomPolicy(&random, users: people, name: "P\($0)") }
        var after = before
        for _ in 0..<(1 + random.int(3)) {
            switch random.int(3) {
            case 0 where !after.isEmpty: after[random.int(after.count)] = Self.randomPolicy(&random, users: people, name: "Changed")
            case 1 where !after.isEmpty: after.remove(at: random.int(after.count))
            default: after.append(Self.randomPolicy(&random, users: people, name: "New\(after.count)"))
            }
        }
        let directory = Fixture.directory
        let entries = Entries(before: .init(policies: before, directory: directory), after: .init(policies: after, directory: directory))
        let subjects = SubjectClasses(people, entries: entries)
        let space = Space(kind: .user, subjects: subjects, entries: entries, applicationNames: [:])
        // Expand the walk's changes to (user, value indices) → transition: the walk as one, and split
        // in two halves (as large tenants are, over two cores).
        struct Key: Hashable { var user: String; var values: [Int]; var enforcement: ImpactAnalysis.Enforcement }
        func claims(twoCoresFrom: Int) -> [Key: (SignInOutcome, SignInOutcome)] {
            var leaves = 0
            var outcomes = Space.OutcomeTable()
            let changes = space.changes(outcomes: &outcomes, leaves: &leaves, twoCoresFrom: twoCoresFrom)
            var claimed: [Key: (SignInOutcome, SignInOutcome)] = [:]
            var overlapping = 0
            func expand(_ change: Space.RawChange, level: Int, prefix: [Int]) {
                if level == space.dimensions.count {
                    for subjectClass in change.values[0] {
                        for member in subjects.classes[subjectClass].memberRanks.map({ subjects.subjectsByRank[$0].label }) {
                            let key = Key(user: member, values: prefix, enforcement: change.enforcement)
                            if claimed[key] != nil { overlapping += 1 }
                            claimed[key] = (outcomes.demands[change.beforeNumber], outcomes.demands[change.afterNumber])
                        }
                    }
                    return
                }
                for value in change.values[level] { expand(change, level: level + 1, prefix: prefix + [value]) }
            }
            for change in changes { expand(change, level: 1, prefix: []) }
            #expect(overlapping == 0, "seed \(seed), split from \(twoCoresFrom): a sign-in is claimed by two changes")
            return claimed
        }

        // Brute force: every user alone, every combination of values.
        var found: [Key: (SignInOutcome, SignInOutcome)] = [:]
        let contextDimensions = Array(space.dimensions.dropFirst())
        func combinations(_ level: Int, _ prefix: [Int]) -> [[Int]] {
            guard level < contextDimensions.count else { return [prefix] }
            return contextDimensions[level].labels.indices.flatMap { combinations(level + 1, prefix + [$0]) }
        }
        let all = combinations(0, [])
        for person in people {
            for values in all {
                var context = SignInContext(subject: person, target: .application(appId: SignInTarget.otherApplicationId))
                for (dimension, value) in zip(contextDimensions, values) { dimension.edits[value](&context) }
                let old = SignInEvaluator.evaluate(before, context: context, directory: directory)
                let new = SignInEvaluator.evaluate(after, context: context, directory: directory)
                if !Self.same(old.outcome, new.outcome) { found[Key(user: person.label, values: values, enforcement: .enforced)] = (old.outcome, new.outcome) }
                if !Self.same(old.reportOnly, new.reportOnly) {
                    found[Key(user: person.label, values: values, enforcement: .reportOnly)] = (old.reportOnly, new.reportOnly)
                }
            }
        }
        for twoCoresFrom in [Space.valuesWorthTwoCores, 2] {
            let claimed = claims(twoCoresFrom: twoCoresFrom)
            let missed = found.keys.filter { claimed[$0] == nil }
            let invented = claimed.keys.filter { found[$0] == nil }
            let differing = found.keys.filter { key in claimed[key].map { !Self.same($0.0, found[key]!.0) || !Self.same($0.1, found[key]!.1) } ?? false }
            let walk = "seed \(seed), split from \(twoCoresFrom)"
            #expect(missed.isEmpty, "\(walk): \(missed.count) changes brute force finds and the walk misses")
            #expect(invented.isEmpty, "\(walk): \(invented.count) changes the walk reports that brute force does not find")
            #expect(differing.isEmpty, "\(walk): \(differing.count) transitions differ")
        }

        // Exhaustiveness: concrete values outside the enumerated ones match some enumerated value.
        let concrete: [String: [(inout SignInContext) -> Void]] = [
            "application": ([Fixture.exchange, Self.sharePoint, Self.azurePortal, Fixture.lineOfBusiness, "00000006-0000-0ff1-ce00-000000000000",
                             "0ddba110-0000-4000-8000-000000000001"] as [String]).map { app in { $0.target = .application(appId: app) } }
                + [{ $0.target = .userAction("urn:user:registersecurityinfo") }]
                // A request for only low-privilege scopes, to an application some policy excludes or not.
                + ([Fixture.exchange, Self.azurePortal] as [String]).map { app in { $0.target = .directoryAccess(clientAppId: app) } },
            "platform": (["android", "iOS", "windows", "macOS", "linux", "windowsPhone", "chromeOS"] as [String]).map { platform in { $0.platform = platform } },
            "clientAppType": ClientAppType.allCases.filter { $0 != .all }.map { client in { $0.clientAppType = client } },
            "location": ([("203.0.113.77", "US"), ("198.51.100.63", "KP"), ("198.51.100.64", ""), ("2001:db8::9", "FR"), ("192.0.2.1", "IR"),
                          ("10.1.2.3", "DE")] as [(String, String)]).map { ip, country in { $0.ipAddress = IPAddress(ip); $0.country = country } },
            "signInRisk": ([.none, .low, .medium, .high] as [RiskLevel]).map { level in { $0.signInRisk = level } },
        ]
        for dimension in contextDimensions {
            for edit in concrete[dimension.name] ?? [] {
                var context = SignInContext(subject: people[0], target: .application(appId: SignInTarget.otherApplicationId))
                edit(&context)
                let mask = entries.matching(context, dimension.check)
                #expect(dimension.masks.contains(mask), "seed \(seed): a concrete \(dimension.name) behaves like none of \(dimension.labels)")
            }
        }
    }

    /// Outcomes that demand the same of the person (which policy blocks is not a change).
    static func same(_ left: SignInOutcome, _ right: SignInOutcome) -> Bool {
        left.blocked == right.blocked && left.clauses == right.clauses && left.sessionControls == right.sessionControls
    }

    /// The case-insensitive match the engine and the emulator use (Graph's reserved words and ids).
    static let caseRows: [(String, String, Bool)] = [
        ("All", "all", true), ("AllTrusted", "alltrusted", true), ("iOS", "IOS", true), ("android", "androide", false),
        ("@", "`", false), ("[", "{", false), ("ÉTÉ", "été", true), ("abc", "abd", false), ("", "", true),
    ]

    @Test(arguments: caseRows)
    func caseInsensitiveMatching(left: String, right: String, equal: Bool) {
        #expect(left.equalsIgnoringCase(right) == equal)
        #expect(right.equalsIgnoringCase(left) == equal)
    }

    @Test func entrySetsHoldEntriesInlineAndBeyond() {
        var left = EntrySet(count: 700)
        var right = EntrySet(count: 700)
        for index in [3, 511, 512, 699] { left.insert(index) }
        for index in [511, 699, 600] { right.insert(index) }
        #expect(left.indices == [3, 511, 512, 699])
        #expect(left.intersection(right).indices == [511, 699])
        #expect(!left.isDisjoint(with: right))
        var onlyOverflow = EntrySet(count: 700)
        onlyOverflow.insert(600)
        #expect(onlyOverflow.isDisjoint(with: left))
        #expect(!onlyOverflow.isDisjoint(with: right))
        left.formUnion(onlyOverflow)
        #expect(left.contains(600) && !left.contains(601))
        #expect(left.intersection(right) != right.intersection(onlyOverflow))
    }

    @Test func rangeBoundsCoverTheFirstAndTheNextAddress() throws {
        let v4 = try #require(CIDRRange("198.51.100.0/26")?.bounds)
        #expect(v4.first.description == "198.51.100.0")
        #expect(v4.afterLast?.description == "198.51.100.64")
        let top = try #require(CIDRRange("255.255.255.0/24")?.bounds)
        #expect(top.afterLast == nil)
        let v6 = try #require(CIDRRange("2001:db8::/48")?.bounds)
        #expect(v6.afterLast?.description == "2001:db8:1:0:0:0:0:0")
        #expect(CIDRRange("not a range") == nil)
        #expect(CIDRRange("198.51.100.0/33") == nil)
        #expect(CIDRRange("198.51.100.7/26")?.contains(IPAddress("198.51.100.63")!) == true)
        #expect(CIDRRange("198.51.100.7/26")?.contains(IPAddress("198.51.100.64")!) == false)
        #expect(CIDRRange("::/0")?.contains(IPAddress("198.51.100.1")!) == false)
    }
}
