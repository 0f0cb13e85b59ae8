import Foundation
import PolicyModel

/// Who a change of policies affects: the whole tenant evaluated before and after, exactly, without
/// enumerating every user and every sign-in.
///
/// A policy applies when every condition holds, and each condition reads one dimension of the sign-in
/// (who, the target, platform, client app, location, each risk, the authentication flow). So the
/// analysis builds, per dimension, the few values some policy tells apart (users partitioned by their
/// signature over the users, groups and roles the policies name; applications by the ids and groups
/// named; IP addresses by the boundaries of every named range; …) and, for each value, the set of
/// policies whose condition it meets. It then walks the dimensions one by one, narrowing the set of
/// policies that can still apply; values that leave the same set are one branch (so "any platform"
/// falls out when no policy in reach tells platforms apart), and a branch where no policy that differs
/// between before and after can apply any more is dropped. At each leaf the before and after outcomes
/// are computed with ``SignInEvaluator``'s combination rules, once per distinct set of policies.
///
/// Devices are evaluated as unregistered (no device filter property set) and applications without
/// custom security attributes: the device and attribute spaces are not enumerable.
public enum ImpactAnalysis {
    /// The directory members to evaluate: users, and service principals.
    public struct Population: Sendable {
        public var users: [SignInSubject]
        /// Service principals a workload-identity policy names (and, for `ServicePrincipalsInMyTenant`,
        /// a stand-in for the tenant's other ones).
        public var servicePrincipals: [SignInSubject]

        public init(users: [SignInSubject], servicePrincipals: [SignInSubject] = []) {
            self.users = users
            self.servicePrincipals = servicePrincipals
        }
    }

    /// One side of the comparison: the policies and the named locations they see.
    public struct Side: Sendable {
        public var policies: [JSONValue]
        public var directory: EvaluationDirectory

        public init(policies: [JSONValue], directory: EvaluationDirectory) {
            self.policies = policies
            self.directory = directory
        }
    }

    /// Enforced outcomes, or what report-only policies would demand.
    public enum Enforcement: String, Sendable, Hashable, Codable, CaseIterable { case enforced, reportOnly }

    /// A set of sign-ins whose outcome changes the same way.
    public struct Change: Sendable, Hashable {
        public var enforcement: Enforcement
        public var before: SignInOutcome
        public var after: SignInOutcome
        public var subjectKind: SignInSubject.Kind
        /// The subjects (UPNs or service principal names), sorted.
        public var subjects: [String]
        /// Per dimension name (`application`, `platform`, …): the values in words; a dimension whose
        /// every value is included is absent ("any").
        public var context: [String: [String]]
        /// Per dimension in ``context``: the values it leaves out (for "any platform except iOS").
        public var excludedContext: [String: [String]]
    }

    public struct Result: Sendable {
        public var changes: [Change]
        /// How many classes of users and of contexts were told apart, and leaves evaluated.
        public var userClasses: Int
        public var servicePrincipalClasses: Int
        public var leavesEvaluated: Int
        /// Distinct subjects among the changes, per enforcement and subject kind (counted by rank,
        /// where counting the changes' lists of names would hash every name of every change).
        public var distinctSubjects: [Enforcement: [SignInSubject.Kind: Int]] = [:]
    }

    /// Compares `before` and `after` for the whole population.
    public static func analyse(before: Side, after: Side, population: Population, applicationNames: [String: String] = [:]) -> Result {
        let entries = Entries(before: before, after: after)
        var changes: [Change] = []
        var leaves = 0
        var distinct: [Enforcement: [SignInSubject.Kind: Int]] = [:]
        let userSubjects = SubjectClasses(population.users, entries: entries)
        if !userSubjects.classes.isEmpty {
            let space = Space(kind: .user, subjects: userSubjects, entries: entries, applicationNames: applicationNames)
            changes += space.walk(leaves: &leaves, distinct: &distinct)
        }
        let principalSubjects = SubjectClasses(population.servicePrincipals, entries: entries)
        if !principalSubjects.classes.isEmpty {
            let space = Space(kind: .servicePrincipal, subjects: principalSubjects, entries: entries, applicationNames: applicationNames)
            changes += space.walk(leaves: &leaves, distinct: &distinct)
        }
        return Result(changes: changes, userClasses: userSubjects.classes.count, servicePrincipalClasses: principalSubjects.classes.count,
                      leavesEvaluated: leaves, distinctSubjects: distinct)
    }
}

// MARK: - Policy sets

/// A set of policy entries as bits.
struct EntrySet: Hashable {
    /// The first 512 entries inline (a tenant holds at most 240 policies, so before and after fit),
    /// so that the walk's many intersections and look-ups allocate nothing; the rest in `overflow`.
    var inline = SIMD8<UInt64>()
    var overflow: [UInt64]

    init(count: Int) { overflow = Array(repeating: 0, count: max(0, (count - 512 + 63) / 64)) }

    mutating func insert(_ index: Int) {
        if index < 512 { inline[index >> 6] |= 1 << UInt64(index & 63) } else { overflow[(index - 512) >> 6] |= 1 << UInt64(index & 63) }
    }

    func contains(_ index: Int) -> Bool {
        let word = index < 512 ? inline[index >> 6] : overflow[(index - 512) >> 6]
        return word & (1 << UInt64(index & 63)) != 0
    }

    func intersection(_ other: EntrySet) -> EntrySet {
        var result = self
        result.inline &= other.inline
        for index in overflow.indices { result.overflow[index] &= other.overflow[index] }
        return result
    }

    mutating func formUnion(_ other: EntrySet) {
        inline |= other.inline
        for index in overflow.indices { overflow[index] |= other.overflow[index] }
    }

    func isDisjoint(with other: EntrySet) -> Bool {
        guard (inline & other.inline) == SIMD8() else { return false }
        for index in overflow.indices where overflow[index] & other.overflow[index] != 0 { return false }
        return true
    }

    /// One combined word: the walk hashes sets in its innermost loop.
    func hash(into hasher: inout Hasher) { hasher.combine(mixedHash) }

    /// The words folded into one, then mixed (SplitMix64's finaliser) so that its low bits, which
    /// pick an ``EntrySetTable`` slot, depend on every word.
    var mixedHash: Int {
        var folded: UInt64 = 0
        for index in 0..<8 { folded = (folded &* 0x9E37_79B9_7F4A_7C15) ^ inline[index] }
        for word in overflow { folded = (folded &* 0x9E37_79B9_7F4A_7C15) ^ word }
        folded = (folded ^ (folded >> 30)) &* 0xBF58_476D_1CE4_E5B9
        folded = (folded ^ (folded >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: folded ^ (folded >> 31))
    }

    var indices: [Int] {
        var result: [Int] = []
        forEach { result.append($0) }
        return result
    }

    /// Calls `body` with each index in the set, ascending, without building an array.
    func forEach(_ body: (Int) -> Void) {
        func each(_ word: UInt64, from base: Int) {
            var rest = word
            while rest != 0 {
                body(base + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
        for wordIndex in 0..<8 { each(inline[wordIndex], from: wordIndex * 64) }
        for (wordIndex, word) in overflow.enumerated() { each(word, from: 512 + wordIndex * 64) }
    }
}

/// A hash table keyed by entry sets, for the walk's many look-ups (its memo and outcome table):
/// open addressing over ``EntrySet/mixedHash``, where a `Dictionary` would run SipHash for every
/// look-up and again for every key each time it grows. Keys are only added, never removed.
struct EntrySetTable<Value> {
    /// Per slot: 0 when empty, else the position of its key in `keys` plus one.
    private var slots = [Int32](repeating: 0, count: 64)
    private var keys: [EntrySet] = []
    private var hashes: [Int] = []
    private var values: [Value] = []

    var count: Int { keys.count }

    subscript(key: EntrySet) -> Value? {
        let mask = slots.count - 1
        var slot = key.mixedHash & mask
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if keys[position] == key { return values[position] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds `value` under `key`, which the table does not hold yet.
    mutating func insert(_ key: EntrySet, _ value: Value) {
        // At most half full, so that probes stay short.
        if (keys.count + 1) * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            for (position, hash) in hashes.enumerated() { place(hash, position) }
        }
        let hash = key.mixedHash
        place(hash, keys.count)
        keys.append(key)
        hashes.append(hash)
        values.append(value)
    }

    private mutating func place(_ hash: Int, _ position: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(position + 1)
    }
}

/// The policies of both sides in one index space: a policy identical on both sides (same body, same
/// named locations behind it) is one entry in both sets; the others belong to one side.
struct Entries {
    struct Entry {
        var policy: JSONValue
        var directory: EvaluationDirectory
        var compiled: CompiledPolicy
        /// The verdict when it applies (grant and session controls), for the combination rules.
        var applying: PolicyVerdict
    }

    var entries: [Entry] = []
    /// The symbols of every entry's conditions.
    var symbols = SymbolTable()
    var before: EntrySet
    var after: EntrySet
    /// Entries that belong to one side only: where none can apply, before and after agree.
    var changed: EntrySet
    /// Entries enforced when they apply, and entries in report-only.
    var enabled: EntrySet
    var reportOnly: EntrySet
    /// Entries whose grant blocks.
    var blocking: EntrySet
    /// Per entry, its kind: entries without session controls whose grants are equal share one (what
    /// they demand does not depend on which of them applies, nor in which order); an entry with
    /// session controls is a kind of its own (the merge of session controls follows the entries' order,
    /// and kinds are numbered in it).
    var kinds: [Int] = []
    var kindCount = 0

    init(before: ImpactAnalysis.Side, after: ImpactAnalysis.Side) {
        var list: [Entry] = []
        var beforeIndices: [Int] = []
        var afterIndices: [Int] = []
        var symbols = SymbolTable()
        func entry(_ policy: JSONValue, _ directory: EvaluationDirectory) -> Entry {
            let compiled = CompiledPolicy(policy, directory: directory, symbols: &symbols)
            return Entry(policy: policy, directory: directory, compiled: compiled, applying: compiled.applyingVerdict)
        }
        for policy in before.policies {
            beforeIndices.append(list.count)
            list.append(entry(policy, before.directory))
        }
        // An after policy is shared with an identical before one whose named locations are unchanged.
        var unclaimed = Dictionary(grouping: beforeIndices, by: { list[$0].policy })
        for policy in after.policies {
            if var candidates = unclaimed[policy], let index = candidates.first,
               Self.sameLocations(policy, before.directory, after.directory) {
                candidates.removeFirst()
                unclaimed[policy] = candidates
                afterIndices.append(index)
            } else {
                afterIndices.append(list.count)
                list.append(entry(policy, after.directory))
            }
        }
        entries = list
        self.symbols = symbols
        self.before = EntrySet(count: list.count)
        self.after = EntrySet(count: list.count)
        changed = EntrySet(count: list.count)
        for index in beforeIndices { self.before.insert(index) }
        for index in afterIndices { self.after.insert(index) }
        let shared = Set(beforeIndices).intersection(afterIndices)
        for index in list.indices where !shared.contains(index) { changed.insert(index) }
        enabled = EntrySet(count: list.count)
        reportOnly = EntrySet(count: list.count)
        blocking = EntrySet(count: list.count)
        var kindOfGrant: [Grant?: Int] = [:]
        for entry in list {
            if entry.applying.sessionControls.isEmpty, let kind = kindOfGrant[entry.applying.grant] {
                kinds.append(kind)
                continue
            }
            if entry.applying.sessionControls.isEmpty { kindOfGrant[entry.applying.grant] = kindCount }
            kinds.append(kindCount)
            kindCount += 1
        }
        for (index, entry) in list.enumerated() {
            if entry.applying.grant?.block == true { blocking.insert(index) }
            if entry.applying.state == "enabled" { enabled.insert(index) }
            if entry.applying.state == "enabledForReportingButNotEnforced" { reportOnly.insert(index) }
        }
    }

    /// The named locations a policy names (all of them for `AllTrusted`) are the same on both sides.
    static func sameLocations(_ policy: JSONValue, _ before: EvaluationDirectory, _ after: EvaluationDirectory) -> Bool {
        let locations = policy["conditions"]?["locations"] ?? .null
        let named = SignInEvaluator.strings(locations["includeLocations"]) + SignInEvaluator.strings(locations["excludeLocations"])
        if named.isEmpty { return true }
        func meaning(_ directory: EvaluationDirectory) -> [String: JSONValue] { directory.namedLocations.mapValues(evaluated) }
        if named.contains(where: { $0.equalsIgnoringCase("AllTrusted") }) { return meaning(before) == meaning(after) }
        return named.allSatisfy { reference in
            before.namedLocations[reference.lowercased()].map(evaluated) == after.namedLocations[reference.lowercased()].map(evaluated)
        }
    }

    /// What evaluation reads of a named location (server-set fields and names left out).
    static func evaluated(_ location: JSONValue) -> JSONValue {
        .object(["ranges": .array((location["ipRanges"]?.arrayValue ?? []).map { $0["cidrAddress"] ?? .null }),
                 "countries": location["countriesAndRegions"] ?? .null,
                 "unknown": location["includeUnknownCountriesAndRegions"] ?? .null,
                 "trusted": location["isTrusted"] ?? .null])
    }

    var count: Int { entries.count }


    /// Entries whose condition holds on `context` for `check` (the static part included).
    func matching(_ context: SignInContext, _ check: Space.Check) -> EntrySet {
        let signIn = PreparedSignIn(context, symbols: symbols)
        var set = EntrySet(count: count)
        // By index: iterating the entries would copy each (its policy, directory and verdict).
        for index in entries.indices where check(entries[index].compiled, signIn) == .yes {
            set.insert(index)
        }
        return set
    }

    /// Entries that can apply at all: not disabled, and their device filter holds for an unregistered device.
    var live: EntrySet {
        var set = EntrySet(count: count)
        for (index, entry) in entries.enumerated() where entry.applying.state != "disabled" && entry.compiled.device([:]) == .yes {
            set.insert(index)
        }
        return set
    }
}

// MARK: - Subjects

/// Directory members partitioned by what the policies can tell about them.
struct SubjectClasses {
    struct Class {
        var representative: SignInSubject
        /// The members' positions in ``subjectsByRank``, ascending.
        var memberRanks: [Int]
    }

    var classes: [Class] = []
    /// Every subject, sorted by label: a change lists its users by sorting integers (ranks), not strings.
    var subjectsByRank: [SignInSubject] = []

    init(_ subjects: [SignInSubject], entries: Entries) {
        var users: Set<String> = []
        var groups: Set<String> = []
        var roles: Set<String> = []
        var principals: Set<String> = []
        var externalTenants: Set<String> = []
        var namesGuests = false
        for entry in entries.entries {
            let conditions = entry.policy["conditions"] ?? .null
            let people = conditions["users"] ?? .null
            for key in ["includeUsers", "excludeUsers"] {
                for value in SignInEvaluator.strings(people[key]) {
                    if value.equalsIgnoringCase("GuestsOrExternalUsers") { namesGuests = true }
                    users.insert(value.lowercased())
                }
            }
            for key in ["includeGroups", "excludeGroups"] { groups.formUnion(SignInEvaluator.strings(people[key]).map { $0.lowercased() }) }
            for key in ["includeRoles", "excludeRoles"] { roles.formUnion(SignInEvaluator.strings(people[key]).map { $0.lowercased() }) }
            for key in ["includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers"] {
                guard let value = people[key], !value.isNull else { continue }
                namesGuests = true
                externalTenants.formUnion(SignInEvaluator.strings(value["externalTenants"]?["members"]).map { $0.lowercased() })
            }
            let clients = conditions["clientApplications"] ?? .null
            for key in ["includeServicePrincipals", "excludeServicePrincipals"] {
                principals.formUnion(SignInEvaluator.strings(clients[key]).map { $0.lowercased() })
            }
        }
        var indexBySignature: [[String]: Int] = [:]
        var classOf: [Int] = []
        for subject in subjects {
            var signature: [String] = [subject.kind.rawValue]
            if subject.kind == .servicePrincipal {
                if principals.contains(subject.id) { signature.append(subject.id) }
            } else {
                if users.contains(subject.id) { signature.append(subject.id) }
                signature += subject.groupIds.intersection(groups).sorted()
                signature += subject.roleTemplateIds.intersection(roles).map { "role:" + $0 }.sorted()
                if namesGuests, let type = subject.externalUserType {
                    signature.append("external:" + type.rawValue)
                    if let home = subject.homeTenantId, externalTenants.contains(home) { signature.append("tenant:" + home) }
                }
            }
            if let index = indexBySignature[signature] {
                classOf.append(index)
            } else {
                indexBySignature[signature] = classes.count
                classOf.append(classes.count)
                classes.append(Class(representative: subject, memberRanks: []))
            }
        }
        let order = subjects.indices.sorted { (subjects[$0].label, $0) < (subjects[$1].label, $1) }
        subjectsByRank = order.map { subjects[$0] }
        for (rank, subject) in order.enumerated() { classes[classOf[subject]].memberRanks.append(rank) }
    }
}

// MARK: - Context dimensions

/// One dimension of the sign-in: its values (as context edits) and, per value, the entries whose
/// condition on this dimension holds.
struct Dimension {
    var name: String
    var labels: [String]
    /// Per value: how it sets a sign-in's context.
    var edits: [(inout SignInContext) -> Void]
    var masks: [EntrySet]
    /// The condition this dimension decides.
    var check: Space.Check
}

struct Space {
    var kind: SignInSubject.Kind
    var subjects: SubjectClasses
    var entries: Entries
    /// Subjects first, then application, platform, client app type, location, the risks and the flow.
    var dimensions: [Dimension] = []

    typealias Check = (CompiledPolicy, PreparedSignIn) -> SignInEvaluator.Match

    init(kind: SignInSubject.Kind, subjects: SubjectClasses, entries: Entries, applicationNames: [String: String]) {
        self.kind = kind
        self.subjects = subjects
        self.entries = entries
        let base = SignInContext(subject: subjects.classes[0].representative, target: .application(appId: SignInTarget.otherApplicationId))
        func dimension(_ name: String, _ values: [(String, (inout SignInContext) -> Void)], _ check: @escaping Check) -> Dimension {
            Dimension(name: name, labels: values.map(\.0), edits: values.map(\.1), masks: values.map { _, edit in
                var context = base
                edit(&context)
                return entries.matching(context, check)
            }, check: check)
        }
        let live = entries.live
        var subjectDimension = dimension("subject", subjects.classes.map { subjectClass in
            (subjectClass.representative.label, { $0.subject = subjectClass.representative })
        }) { policy, signIn in policy.identity(signIn) }
        subjectDimension.masks = subjectDimension.masks.map { $0.intersection(live) }
        dimensions.append(subjectDimension)
        let policies = entries.entries.map(\.policy)
        let conditions = policies.map { $0["conditions"] ?? .null }
        dimensions.append(dimension("application", Self.targets(conditions, entries: entries, names: applicationNames, kind: kind)) {
            policy, signIn in policy.target(signIn)
        })
        // A workload identity signs in without a platform, client app type, user risks or flow: those
        // dimensions keep one value (the unknown one) for service principals.
        let forUsers = kind == .user
        let any: [(String, (inout SignInContext) -> Void)] = [("any", { _ in })]
        let namesPlatforms = forUsers && conditions.contains { !SignInEvaluator.strings($0["platforms"]?["includePlatforms"]).isEmpty }
        dimensions.append(dimension("platform", namesPlatforms ? Self.platforms(conditions) : any) { policy, signIn in policy.platform(signIn) })
        let namesClients = forUsers && conditions.contains { condition in
            let types = SignInEvaluator.strings(condition["clientAppTypes"])
            return !types.isEmpty && !SignInEvaluator.contains(types, "all")
        }
        let clients: [ClientAppType] = [.browser, .mobileAppsAndDesktopClients, .exchangeActiveSync, .other]
        dimensions.append(dimension("clientAppType", namesClients ? clients.map { client in (client.rawValue, { $0.clientAppType = client }) } : any) {
            policy, signIn in policy.clientApp(signIn)
        })
        dimensions.append(dimension("location", Self.locations(conditions, entries: entries)) { policy, signIn in policy.location(signIn) })
        let levels: [RiskLevel] = [.none, .low, .medium, .high]
        func risks(_ name: String, applicable: Bool, _ path: WritableKeyPath<SignInContext, RiskLevel>, _ levelsNamed: KeyPath<CompiledPolicy, [Int]?>,
                   _ level: KeyPath<PreparedSignIn, Int>) {
            let named = applicable && entries.entries.contains { $0.compiled[keyPath: levelsNamed] != nil }
            dimensions.append(dimension(name, named ? levels.map { level in (level.rawValue, { $0[keyPath: path] = level }) } : any) {
                policy, signIn in CompiledPolicy.level(policy[keyPath: levelsNamed], signIn[keyPath: level])
            })
        }
        risks("signInRisk", applicable: forUsers, \.signInRisk, \.signInRisks, \.signInRisk)
        risks("userRisk", applicable: forUsers, \.userRisk, \.userRisks, \.userRisk)
        if !forUsers { risks("servicePrincipalRisk", applicable: true, \.servicePrincipalRisk, \.servicePrincipalRisks, \.servicePrincipalRisk) }
        let namesInsider = forUsers && conditions.contains { !SignInEvaluator.flagList($0["insiderRiskLevels"]).isEmpty }
        let insider: [(String, (inout SignInContext) -> Void)] = [("none", { $0.insiderRisk = nil })]
            + InsiderRiskLevel.allCases.map { level in (level.rawValue, { $0.insiderRisk = level }) }
        dimensions.append(dimension("insiderRisk", namesInsider ? insider : any) { policy, signIn in
            CompiledPolicy.flag(policy.insiderRisks, signIn.insiderRisk, known: signIn.context.insiderRisk != nil)
        })
        let namesFlows = forUsers && conditions.contains { !SignInEvaluator.flagList($0["authenticationFlows"]?["transferMethods"]).isEmpty }
        let flows: [(String, (inout SignInContext) -> Void)] = [("ordinary", { $0.authenticationFlow = nil })]
            + TransferMethod.allCases.map { method in (method.rawValue, { $0.authenticationFlow = method }) }
        dimensions.append(dimension("authenticationFlow", namesFlows ? flows : any) {
            policy, signIn in CompiledPolicy.flag(policy.authenticationFlows, signIn.authenticationFlow, known: signIn.context.authenticationFlow != nil)
        })
    }

    // MARK: Values per dimension

    /// Applications partitioned by the ids and groups policies name, then user actions and
    /// authentication contexts.
    static func targets(_ conditions: [JSONValue], entries: Entries, names: [String: String], kind: SignInSubject.Kind)
        -> [(String, (inout SignInContext) -> Void)] {
        var named: [String] = []
        var actions: [String] = []
        var contexts: [String] = []
        var office365 = false
        var adminPortals = false
        for condition in conditions {
            let applications = condition["applications"] ?? .null
            for value in SignInEvaluator.strings(applications["includeApplications"]) + SignInEvaluator.strings(applications["excludeApplications"]) {
                switch value.lowercased() {
                case "all", "none": continue
                case "office365": office365 = true
                case "microsoftadminportals": adminPortals = true
                default: if !named.contains(value.lowercased()) { named.append(value.lowercased()) }
                }
            }
            for action in SignInEvaluator.strings(applications["includeUserActions"]) where !actions.contains(action) { actions.append(action) }
            for reference in SignInEvaluator.strings(applications["includeAuthenticationContextClassReferences"]) where !contexts.contains(reference) {
                contexts.append(reference)
            }
        }
        let directory = entries.entries.first?.directory ?? EvaluationDirectory()
        var groups: [(key: String, appIds: [String])] = []
        var candidates = named
        if office365 { candidates += directory.office365AppIds.sorted() }
        if adminPortals { candidates += directory.adminPortalAppIds.sorted() }
        var seen: Set<String> = []
        for appId in candidates where seen.insert(appId).inserted {
            let key = named.contains(appId) ? appId
                : "\(office365 && directory.office365AppIds.contains(appId))/\(adminPortals && directory.adminPortalAppIds.contains(appId))"
            if let index = groups.firstIndex(where: { $0.key == key }) { groups[index].appIds.append(appId) } else { groups.append((key, [appId])) }
        }
        func name(_ appId: String) -> String { names[appId] ?? FirstPartyApplications.application(appId: appId)?.displayName ?? appId }
        var values: [(String, (inout SignInContext) -> Void)] = groups.map { group in
            let label: String
            if group.appIds.count == 1 {
                label = name(group.appIds[0])
            } else {
                let suite = group.key.hasPrefix("true") ? "Office 365" : "Microsoft Admin Portals"
                label = "\(suite) (\(group.appIds.count) other apps)"
            }
            return (label, { $0.target = .application(appId: group.appIds[0]) })
        }
        values.append(("any other application", { $0.target = .application(appId: SignInTarget.otherApplicationId) }))
        if kind == .user, named.contains(SignInTarget.windowsAzureActiveDirectoryAppId) {
            // A request for only low-privilege scopes is evaluated as directory access, whatever the
            // application (ca-evaluation.md §3.2, since March 2026). It behaves like "any other
            // application" unless a policy names Windows Azure Active Directory: all resources then
            // reach it even when they exclude that.
            values.append(("directory access (a request for low-privilege scopes only)", {
                $0.target = .directoryAccess(clientAppId: SignInTarget.otherApplicationId)
            }))
        }
        if kind == .user {
            // Both user actions always: an all-resources policy without exclusions reaches them too.
            for known in ["urn:user:registersecurityinfo", "urn:user:registerdevice"]
            where !actions.contains(where: { $0.equalsIgnoringCase(known) }) {
                actions.append(known)
            }
            values += actions.map { action in ("user action \(action)", { $0.target = .userAction(action) }) }
            values += contexts.map { reference in ("authentication context \(reference)", { $0.target = .authenticationContext(reference) }) }
        }
        return values
    }

    /// Each platform some policy names, and one value for the rest.
    static func platforms(_ conditions: [JSONValue]) -> [(String, (inout SignInContext) -> Void)] {
        var named: Set<String> = []
        for condition in conditions {
            let platforms = condition["platforms"] ?? .null
            for value in SignInEvaluator.strings(platforms["includePlatforms"]) + SignInEvaluator.strings(platforms["excludePlatforms"]) {
                named.insert(value.lowercased())
            }
        }
        let known = ["android", "iOS", "windows", "macOS", "linux", "windowsPhone"]
        var values: [(String, (inout SignInContext) -> Void)] = known.filter { named.contains($0.lowercased()) }.map { platform in
            (platform, { $0.platform = platform })
        }
        let rest = known.filter { !named.contains($0.lowercased()) }
        values.append(((rest + ["other"]).joined(separator: ", "), { $0.platform = "otherPlatform" }))
        return values
    }

    /// Addresses and countries partitioned by the named locations that contain them: one address in
    /// every region the ranges' boundaries cut, one country per listed country, unknown, and none.
    static func locations(_ conditions: [JSONValue], entries: Entries) -> [(String, (inout SignInContext) -> Void)] {
        guard conditions.contains(where: { !SignInEvaluator.strings($0["locations"]?["includeLocations"]).isEmpty }) else {
            return [("any", { _ in })]
        }
        // Every named location on either side, keyed by side and id, for signatures and labels.
        var locations: [(key: String, name: String, location: JSONValue)] = []
        var seenDirectories: [EvaluationDirectory] = []
        for entry in entries.entries where !seenDirectories.contains(where: { $0.namedLocations == entry.directory.namedLocations }) {
            seenDirectories.append(entry.directory)
        }
        for (side, directory) in seenDirectories.enumerated() {
            for (id, location) in directory.namedLocations.sorted(by: { $0.key < $1.key }) {
                locations.append(("\(side):\(id)", location["displayName"]?.stringValue ?? id, location))
            }
        }
        var addresses: [IPAddress] = [IPAddress("0.0.0.0")!, IPAddress("::")!]
        var countries: [String] = [""]
        for (_, _, location) in locations {
            for range in location["ipRanges"]?.arrayValue ?? [] {
                guard let cidr = range["cidrAddress"]?.stringValue, let bounds = CIDRRange(cidr)?.bounds else { continue }
                addresses.append(bounds.first)
                if let next = bounds.afterLast { addresses.append(next) }
            }
            for country in location["countriesAndRegions"]?.stringArray ?? [] { countries.append(country.uppercased()) }
        }
        let listed = Set(countries)
        // A country no location lists ("AQ", Antarctica, unless some list has it).
        let unlisted = (["AQ", "BV", "HM", "TF"] + Self.allTwoLetterCodes).first { !listed.contains($0) }!
        countries.append(unlisted)
        func inside(_ location: JSONValue, address: IPAddress?, country: String?) -> Bool {
            if let ranges = location["ipRanges"]?.arrayValue {
                guard let address else { return false }
                return ranges.contains { address.isIn(cidr: $0["cidrAddress"]?.stringValue ?? "") }
            }
            if let list = location["countriesAndRegions"]?.stringArray, let country {
                if country.isEmpty { return location["includeUnknownCountriesAndRegions"]?.boolValue == true }
                return SignInEvaluator.contains(list, country)
            }
            return false
        }
        /// The first value of each signature (the locations containing it), in order.
        func classes<Value>(_ values: [Value], _ signature: (Value) -> [String]) -> [(signature: [String], value: Value)] {
            var seen: Set<[String]> = []
            return values.compactMap { value in
                let key = signature(value)
                return seen.insert(key).inserted ? (key, value) : nil
            }
        }
        let addressClasses = classes(addresses) { address in locations.filter { inside($0.location, address: address, country: nil) }.map(\.key) }
        let countryClasses = classes(countries) { country in locations.filter { inside($0.location, address: nil, country: country) }.map(\.key) }
        func describe(_ signature: [String], none: String) -> String {
            let names = locations.filter { signature.contains($0.key) }.map(\.name)
            let distinct = names.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return distinct.isEmpty ? none : "in " + distinct.joined(separator: ", ")
        }
        var values: [(String, (inout SignInContext) -> Void)] = []
        for (addressSignature, address) in addressClasses {
            for (countrySignature, country) in countryClasses {
                // A part no named location tells apart (no IP ranges, or no countries) is left out.
                var parts: [String] = []
                if addressClasses.count > 1 { parts.append("IP " + describe(addressSignature, none: "in no named range")) }
                if countryClasses.count > 1 { parts.append("country " + describe(countrySignature, none: "in no named list")) }
                let label = parts.isEmpty ? "any location" : parts.joined(separator: ", ")
                values.append((label, { $0.ipAddress = address; $0.country = country }))
            }
        }
        return values
    }

    static let allTwoLetterCodes: [String] = {
        let letters = (65...90).map { String(UnicodeScalar(UInt8($0))) }
        return letters.flatMap { first in letters.map { first + $0 } }
    }()

    // MARK: The walk

    /// The changes, and (into `distinct`) how many distinct subjects they name per enforcement.
    func walk(leaves: inout Int, distinct: inout [ImpactAnalysis.Enforcement: [SignInSubject.Kind: Int]]) -> [ImpactAnalysis.Change] {
        var outcomes = OutcomeTable()
        let raw = changes(outcomes: &outcomes, leaves: &leaves)
        for enforcement in ImpactAnalysis.Enforcement.allCases {
            var seen = [Bool](repeating: false, count: subjects.subjectsByRank.count)
            var count = 0
            for change in raw where change.enforcement == enforcement {
                for subjectClass in change.values[0] {
                    for rank in subjects.classes[subjectClass].memberRanks where !seen[rank] {
                        seen[rank] = true
                        count += 1
                    }
                }
            }
            distinct[enforcement, default: [:]][kind] = count
        }
        return render(raw, outcomes: outcomes)
    }

    /// The changes as value indices per dimension, merged.
    ///
    /// With many values at the top of the walk (the classes of users, in a large tenant), the values
    /// are dealt into two halves walked on two cores, each with its own graph and outcome table;
    /// their changes, renumbered into `outcomes`, are merged as one.
    /// - Parameter twoCoresFrom: how many values the top of the walk needs for the split (tests lower it).
    func changes(outcomes: inout OutcomeTable, leaves: inout Int, twoCoresFrom: Int = valuesWorthTwoCores) -> [RawChange] {
        var root = EntrySet(count: entries.count)
        for index in 0..<entries.count { root.insert(index) }
        // A dimension with one value narrows every sign-in alike: its mask is applied once, here, and
        // the walk goes through the dimensions with several values only.
        let walked = dimensions.indices.filter { dimensions[$0].masks.count > 1 }
        for dimension in dimensions where dimension.masks.count == 1 { root = root.intersection(dimension.masks[0]) }
        guard !root.isDisjoint(with: entries.changed) else { return [] }
        let topCount = walked.first.map { dimensions[$0].masks.count } ?? 0
        let halves = topCount >= max(2, twoCoresFrom) && ProcessInfo.processInfo.activeProcessorCount > 1
        let parts: [[Int]?] = halves ? [Array(stride(from: 0, to: topCount, by: 2)), Array(stride(from: 1, to: topCount, by: 2))] : [nil]
        let results = parts.concurrentMap { topValues in part(root: root, walked: walked, topValues: topValues) }
        var found: [RawChange] = []
        for part in results {
            leaves += part.leaves
            let numbers = part.outcomes.demands.map { outcomes.number(for: $0) }
            for var change in part.changes {
                change.beforeNumber = numbers[change.beforeNumber]
                change.afterNumber = numbers[change.afterNumber]
                found.append(change)
            }
        }
        return merge(found)
    }

    /// How many values the top of the walk needs before it is worth splitting over two cores.
    static let valuesWorthTwoCores = 64

    /// One walk's changes (not merged), with the outcome table their numbers refer to.
    struct Part {
        var changes: [RawChange]
        var outcomes: OutcomeTable
        var leaves: Int
    }

    /// Walks from `root` through the values `topValues` of the first walked dimension (all of them when nil).
    func part(root: EntrySet, walked: [Int], topValues: [Int]?) -> Part {
        var outcomes = OutcomeTable()
        var leaves = 0
        var walk = Walk(walked: walked, memo: Array(repeating: EntrySetTable<Int>(), count: walked.count))
        guard let top = descend(level: 0, mask: root, walk: &walk, outcomes: &outcomes, leaves: &leaves, topValues: topValues) else {
            return Part(changes: [], outcomes: outcomes, leaves: leaves)
        }
        // Each path from the top to a leaf's change is a change, with one list of values per
        // dimension (the single value of the dimensions not walked included). The paths are joined
        // on the graph first (``Paths``), where the nodes are shared, then the few rows left merged.
        var paths = Paths(nodeCount: walk.nodes.count)
        let rows = paths.rows(of: top, walk)
        var found: [RawChange] = []
        found.reserveCapacity(rows.count)
        for row in rows {
            var values = Array(repeating: [0], count: dimensions.count)
            var current = row
            for dimension in walked {
                values[dimension] = paths.lists[paths.rowValues[current]]
                current = paths.rowTail[current]
            }
            var change = paths.leaves[paths.rowTail[current]]
            change.values = values
            found.append(change)
        }
        return Part(changes: found, outcomes: outcomes, leaves: leaves)
    }

    /// The walk's paths as rows, joined node by node from the leaves up: a node's rows are its
    /// branches' values over each row of the node below, and rows that go on alike below (the same
    /// row, interned) join into one, their values at this level put together. Each node is joined
    /// once however many paths reach it.
    struct Paths {
        /// Per row: its values at its level (a list in ``lists``), and the row below it; a leaf's row
        /// has values -1 and, as the row below, its change's position in ``leaves``.
        var rowValues: [Int] = []
        var rowTail: [Int] = []
        private var rowIds: [Pair: Int] = [:]
        /// Value lists, sorted, interned.
        var lists: [[Int]] = []
        private var listIds: [[Int]: Int] = [:]
        /// The leaves' changes (without values), interned with their blocking entries.
        var leaves: [RawChange] = []
        private var leafIds: [Leaf: Int] = [:]
        /// Per node of the walk: its rows, once joined.
        private var nodeRows: [[Int]?]

        struct Pair: Hashable { var values: Int; var tail: Int }
        struct Leaf: Hashable {
            var change: RawChange
            var beforeBlockers: EntrySet
            var afterBlockers: EntrySet
        }

        init(nodeCount: Int) { nodeRows = Array(repeating: nil, count: nodeCount) }

        mutating func rows(of node: Int, _ walk: Walk) -> [Int] {
            if let known = nodeRows[node] { return known }
            var result: [Int] = []
            if walk.nodes[node].branches.isEmpty {
                for change in walk.nodes[node].changes {
                    let key = Leaf(change: change, beforeBlockers: change.beforeBlockers, afterBlockers: change.afterBlockers)
                    let leaf = leafIds[key] ?? {
                        leaves.append(change)
                        leafIds[key] = leaves.count - 1
                        return leaves.count - 1
                    }()
                    result.append(row(values: -1, tail: leaf))
                }
            } else {
                var byTail: [Int: Int] = [:]
                var pending: [(values: [Int], tail: Int)] = []
                for (values, child) in walk.nodes[node].branches {
                    for tail in rows(of: child, walk) {
                        if let position = byTail[tail] {
                            pending[position].values += values
                        } else {
                            byTail[tail] = pending.count
                            pending.append((values, tail))
                        }
                    }
                }
                result = pending.map { row(values: list($0.values.sorted()), tail: $0.tail) }
            }
            nodeRows[node] = result
            return result
        }

        private mutating func row(values: Int, tail: Int) -> Int {
            let key = Pair(values: values, tail: tail)
            if let known = rowIds[key] { return known }
            rowValues.append(values)
            rowTail.append(tail)
            rowIds[key] = rowValues.count - 1
            return rowValues.count - 1
        }

        private mutating func list(_ values: [Int]) -> Int {
            if let known = listIds[values] { return known }
            lists.append(values)
            listIds[values] = lists.count - 1
            return lists.count - 1
        }
    }

    /// The walk's results as a graph: a node per (level, policies in reach) with a change below it,
    /// built once and shared by every branch that reaches it (the memo), and joined into changes at
    /// the end (``Paths``), so no change is copied level by level.
    struct Walk {
        struct Node {
            /// Per branch: its values at this level, and the node below.
            var branches: [(values: [Int], node: Int)] = []
            /// At a leaf: the changes (without values).
            var changes: [RawChange] = []
        }

        /// The walked dimensions (those with several values), by level.
        var walked: [Int]
        /// Per level: the node for each set of entries in reach, -1 when nothing changes below.
        var memo: [EntrySetTable<Int>]
        var nodes: [Node] = []
    }

    /// Outcomes computed once per set of applying policies, and numbered by what they demand (not
    /// by which policy blocks), so changes compare and hash by number.
    struct OutcomeTable {
        /// What each number demands (without blocking policies).
        var demands: [SignInOutcome] = []
        var numbers: [SignInOutcome: Int] = [:]
        /// The numbers by the set of ``Entries/kinds`` applying: many sets of policies demand alike.
        var byKinds = EntrySetTable<Int>()

        /// The number of what `demand` demands, numbered now if it is new.
        mutating func number(for demand: SignInOutcome) -> Int {
            if let known = numbers[demand] { return known }
            demands.append(demand)
            numbers[demand] = demands.count - 1
            return demands.count - 1
        }
    }

    /// A change as value indices per dimension. Outcomes are numbers in the ``OutcomeTable``, kept
    /// apart from the policies that block (which policy blocks is not a change of outcome), so
    /// sign-ins blocked by different policies join; the blocking entries are collected beside them.
    /// Equality and hashing use the numbers and values only.
    struct RawChange: Hashable {
        var enforcement: ImpactAnalysis.Enforcement
        var beforeNumber: Int
        var afterNumber: Int
        var values: [[Int]]
        var beforeBlockers: EntrySet
        var afterBlockers: EntrySet

        static func == (left: RawChange, right: RawChange) -> Bool {
            left.enforcement == right.enforcement && left.beforeNumber == right.beforeNumber && left.afterNumber == right.afterNumber
                && left.values == right.values
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(enforcement)
            hasher.combine(beforeNumber)
            hasher.combine(afterNumber)
            hasher.combine(values)
        }

        /// Equal but for the values of dimension `level`.
        func isAlike(_ other: RawChange, except level: Int) -> Bool {
            guard enforcement == other.enforcement, beforeNumber == other.beforeNumber, afterNumber == other.afterNumber else { return false }
            return values.indices.allSatisfy { $0 == level || values[$0] == other.values[$0] }
        }

        /// A hash of everything but the values of dimension `level` (alike changes hash alike).
        func hash(excluding level: Int) -> Int {
            var folded = UInt64(enforcement == .enforced ? 1 : 2)
            func mix(_ value: Int) { folded = (folded &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: Int64(value)) }
            mix(beforeNumber)
            mix(afterNumber)
            for (position, list) in values.enumerated() where position != level {
                mix(list.count)
                for value in list { mix(value) }
            }
            return Int(truncatingIfNeeded: folded)
        }
    }

    /// The node of the sign-ins whose policies still in reach at `level` (of the walked dimensions)
    /// are `mask`: nil when no sign-in below changes. It depends on `level` and `mask` only, so it is
    /// built once for each (different subjects, or apps, often leave the same policies in reach).
    /// At level 0, `topValues` (when not nil) are the only values walked.
    func descend(level: Int, mask: EntrySet, walk: inout Walk, outcomes: inout OutcomeTable, leaves: inout Int, topValues: [Int]? = nil) -> Int? {
        if level == walk.walked.count {
            // A leaf is a few look-ups in the outcome table: not worth remembering.
            leaves += 1
            let beforeSet = mask.intersection(entries.before)
            let afterSet = mask.intersection(entries.after)
            var changes: [RawChange] = []
            for enforcement in ImpactAnalysis.Enforcement.allCases {
                // The same policies applying on both sides demand the same: no look-up needed.
                let counted = enforcement == .enforced ? entries.enabled : entries.reportOnly
                guard beforeSet.intersection(counted) != afterSet.intersection(counted) else { continue }
                let before = outcome(beforeSet, enforcement, &outcomes)
                let after = outcome(afterSet, enforcement, &outcomes)
                if before.number != after.number {
                    changes.append(RawChange(enforcement: enforcement, beforeNumber: before.number, afterNumber: after.number, values: [],
                                             beforeBlockers: before.blockers, afterBlockers: after.blockers))
                }
            }
            guard !changes.isEmpty else { return nil }
            walk.nodes.append(Walk.Node(changes: changes))
            return walk.nodes.count - 1
        }
        if let known = walk.memo[level][mask] { return known < 0 ? nil : known }
        // Values that leave the same entries in reach are one branch (found by comparing: a node
        // has few distinct branches, and hashing sets costs more than comparing them).
        var order: [EntrySet] = []
        var branches: [[Int]] = []
        let masks = dimensions[walk.walked[level]].masks
        for index in topValues ?? Array(masks.indices) {
            let narrowed = mask.intersection(masks[index])
            guard !narrowed.isDisjoint(with: entries.changed) else { continue }
            if let branch = order.firstIndex(of: narrowed) {
                branches[branch].append(index)
            } else {
                order.append(narrowed)
                branches.append([index])
            }
        }
        var node = Walk.Node()
        for (narrowed, values) in zip(order, branches) {
            if let child = descend(level: level + 1, mask: narrowed, walk: &walk, outcomes: &outcomes, leaves: &leaves) {
                node.branches.append((values, child))
            }
        }
        var number = -1
        if !node.branches.isEmpty {
            walk.nodes.append(node)
            number = walk.nodes.count - 1
        }
        walk.memo[level].insert(mask, number)
        return number < 0 ? nil : number
    }

    /// The outcome's number for the entries in `set` that are enforced (or in report-only), and the ones among them that block.
    func outcome(_ set: EntrySet, _ enforcement: ImpactAnalysis.Enforcement, _ table: inout OutcomeTable) -> (number: Int, blockers: EntrySet) {
        let applying = set.intersection(enforcement == .enforced ? entries.enabled : entries.reportOnly)
        let blockers = applying.intersection(entries.blocking)
        // What the applying entries demand depends on their kinds only: sets of entries are many
        // (tens of thousands in a large tenant), their sets of kinds few.
        var kinds = EntrySet(count: entries.kindCount)
        applying.forEach { kinds.insert(entries.kinds[$0]) }
        if let known = table.byKinds[kinds] { return (known, blockers) }
        var demand = SignInEvaluator.outcome(applying.indices.map { entries.entries[$0].applying })
        demand.blockingPolicies = []
        let number = table.number(for: demand)
        table.byKinds.insert(kinds, number)
        return (number, blockers)
    }

    /// Joins changes that differ in one dimension only, until nothing joins: sign-ins that change
    /// alike for several platforms (or users, or apps) become one line.
    func merge(_ changes: [RawChange]) -> [RawChange] {
        var current = changes
        var joined = true
        while joined {
            joined = false
            // A dimension with one value has nothing to join.
            for level in 0..<dimensions.count where dimensions[level].labels.count > 1 {
                // Changes alike but for this dimension's values, found by a hash of the rest (no
                // copy of each change as a key) and compared.
                var groups: [Int: [Int]] = [:]
                groups.reserveCapacity(current.count)
                var merged: [RawChange] = []
                merged.reserveCapacity(current.count)
                for change in current {
                    let hash = change.hash(excluding: level)
                    if let index = groups[hash]?.first(where: { merged[$0].isAlike(change, except: level) }) {
                        merged[index].values[level] += change.values[level]
                        merged[index].beforeBlockers.formUnion(change.beforeBlockers)
                        merged[index].afterBlockers.formUnion(change.afterBlockers)
                    } else {
                        groups[hash, default: []].append(merged.count)
                        merged.append(change)
                    }
                }
                if merged.count < current.count {
                    joined = true
                    for index in merged.indices { merged[index].values[level] = Array(Set(merged[index].values[level])).sorted() }
                }
                current = merged
            }
        }
        return current
    }

    func render(_ changes: [RawChange], outcomes: OutcomeTable) -> [ImpactAnalysis.Change] {
        func outcome(_ number: Int, _ blockers: EntrySet) -> SignInOutcome {
            var outcome = outcomes.demands[number]
            outcome.blockingPolicies = Set(blockers.indices.map { entries.entries[$0].applying.displayName }).sorted()
            return outcome
        }
        return changes.map { change in
            let members = change.values[0].flatMap { subjects.classes[$0].memberRanks }.sorted().map { subjects.subjectsByRank[$0].label }
            var context: [String: [String]] = [:]
            var excluded: [String: [String]] = [:]
            for level in 1..<dimensions.count where change.values[level].count < dimensions[level].labels.count {
                let labels = dimensions[level].labels
                context[dimensions[level].name] = change.values[level].map { labels[$0] }
                excluded[dimensions[level].name] = labels.indices.filter { !change.values[level].contains($0) }.map { labels[$0] }
            }
            return ImpactAnalysis.Change(enforcement: change.enforcement, before: outcome(change.beforeNumber, change.beforeBlockers),
                                         after: outcome(change.afterNumber, change.afterBlockers), subjectKind: kind,
                                         subjects: members, context: context, excludedContext: excluded)
        }
        .sorted { ($0.enforcement.rawValue, -$0.subjects.count, $0.subjects.first ?? "") < ($1.enforcement.rawValue, -$1.subjects.count, $1.subjects.first ?? "") }
    }
}
