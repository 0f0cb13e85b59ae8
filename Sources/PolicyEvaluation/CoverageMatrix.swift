import PolicyModel

/// What a policy set demands of whom, where: rows are the populations the policies tell apart (the
/// impact analysis's user classes, or for a configuration read offline one row per combination of
/// references the policies make), columns the applications they tell apart, and each cell the outcome
/// of one sign-in evaluated with ``CompiledPolicies``, with the policies behind it. Where policies tell
/// platforms apart, each cell is evaluated once per platform group and holds the groups whose
/// outcomes differ (``Cell/platformVariants``): folding platforms into cells keeps a large tenant's
/// matrix to one column per application rather than one per application and platform.
///
/// The other conditions are fixed, so one matrix answers one question: a browser sign-in from an
/// unregistered device, with no risk and no special authentication flow, from an address and a
/// country no named location contains (``Assumptions``). Pure; rendering is `PlanRendering`'s.
public struct CoverageMatrix: Sendable {
    /// What makes a population: the references the policies name that its members match.
    public enum Membership: Sendable, Hashable {
        case user(String)
        case group(String)
        case role(String)
        /// External users of this kind.
        case external(GuestOrExternalUserType)
    }

    /// One row: a population with the same answer to every condition on users.
    public struct Population: Sendable {
        /// What its members match; empty: "everyone else".
        public var memberships: [Membership]
        /// How many users (nil: a population derived from the policies, not counted in a tenant).
        public var count: Int?
        /// A few members' labels (UPNs), sorted.
        public var sampleMembers: [String]
        /// Holds an emergency access account (or is the emergency access group's members).
        public var isEmergencyAccess: Bool
        /// The user evaluated for the row.
        public var representative: SignInSubject

        public init(memberships: [Membership], count: Int?, sampleMembers: [String], isEmergencyAccess: Bool, representative: SignInSubject) {
            self.memberships = memberships
            self.count = count
            self.sampleMembers = sampleMembers
            self.isEmergencyAccess = isEmergencyAccess
            self.representative = representative
        }
    }

    /// One column: an application (or the rest of them, a user action…).
    public struct Column: Sendable, Hashable {
        public var application: String
    }

    /// The fixed conditions of every cell's sign-in.
    public struct Assumptions: Sendable, Hashable {
        public var clientAppType: ClientAppType
        public var ipAddress: String
        public var country: String
    }

    /// What one population meets on one column.
    public struct Cell: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable { case blocked, requires, allowed }
        /// Enforced outcome.
        public var outcome: SignInOutcome
        /// The enabled policies that apply (and so produce the outcome), by display name.
        public var policies: [String]
        /// What report-only policies would demand, and which apply.
        public var reportOnly: SignInOutcome
        public var reportOnlyPolicies: [String]

        /// Where the policies tell platforms apart and the outcome differs between them: each group
        /// of platforms (`android`, `iOS, windows, …`) with its own cell, most severe first; the cell's
        /// own fields are the first group's. Nil when every platform meets the same.
        public var platformVariants: [PlatformVariant]?

        public var kind: Kind { outcome.blocked ? .blocked : outcome.clauses.isEmpty ? .allowed : .requires }

        /// How severe the cell is: block, then the most demanding requirement, then allowed.
        var severity: Int {
            switch kind {
            case .blocked: 1_000
            case .requires: 1 + outcome.clauses.count
            case .allowed: 0
            }
        }

        /// One cell for the per-platform cells of one population and application: the cell itself
        /// when all agree, else the most severe group's cell carrying every group.
        static func folding(_ byPlatform: [(platform: String, cell: Cell)]) -> Cell {
            var groups: [(platforms: [String], cell: Cell)] = []
            for (platform, cell) in byPlatform {
                if let index = groups.firstIndex(where: { $0.cell == cell }) { groups[index].platforms.append(platform) } else { groups.append(([platform], cell)) }
            }
            guard groups.count > 1 else { return byPlatform[0].cell }
            let ordered = groups.enumerated().sorted { ($1.element.cell.severity, $0.offset) < ($0.element.cell.severity, $1.offset) }.map(\.element)
            var folded = ordered[0].cell
            folded.platformVariants = ordered.map { PlatformVariant(platforms: $0.platforms.joined(separator: ", "), cell: $0.cell) }
            return folded
        }
    }

    /// The cell a group of platforms meets.
    public struct PlatformVariant: Sendable, Hashable {
        /// `android`, or `iOS, windows, macOS, linux, windowsPhone, other`.
        public var platforms: String
        public var cell: Cell
    }

    public var rows: [Population]
    public var columns: [Column]
    /// `cells[row][column]`.
    public var cells: [[Cell]]
    /// The same cells under the policies before a change (``init(policies:directory:populations:applicationNames:before:)``),
    /// for a report that shows before → after; nil for one state.
    public var beforeCells: [[Cell]]?
    public var assumptions: Assumptions
    /// The policies evaluated (Graph shape), in their order.
    public var policies: [JSONValue]
    /// Each policy's grant as evaluation reads it (strengths and terms by name), in the same order.
    public var grants: [Grant?]

    /// Evaluates every population on every column.
    /// - Parameter before: the policies (and named locations) before a change: the columns then cover
    ///   what either side tells apart, and ``beforeCells`` holds the same sign-ins evaluated under them.
    ///   Pass populations made from both sides' policies.
    public init(policies: [JSONValue], directory: EvaluationDirectory, populations: [Population], applicationNames: [String: String] = [:],
                before: (policies: [JSONValue], directory: EvaluationDirectory)? = nil) {
        self.policies = policies
        grants = policies.map { SignInEvaluator.grant($0["grantControls"], directory: directory) }
        rows = populations
        let conditions = (policies + (before?.policies ?? [])).map { $0["conditions"] ?? .null }
        let side = ImpactAnalysis.Side(policies: policies, directory: directory)
        let entries = Entries(before: side, after: side)
        let targets = Space.targets(conditions, entries: entries, names: applicationNames, kind: .user)
        let namesPlatforms = conditions.contains { !SignInEvaluator.strings($0["platforms"]?["includePlatforms"]).isEmpty }
        let platforms: [(String, (inout SignInContext) -> Void)] = namesPlatforms ? Space.platforms(conditions) : [("", { _ in })]
        columns = targets.map { Column(application: $0.0) }
        let edits = targets.map(\.1)
        assumptions = Self.assumptions(directory)
        let address = IPAddress(assumptions.ipAddress)
        let (client, country) = (assumptions.clientAppType, assumptions.country)
        func cells(_ compiled: CompiledPolicies) -> [[Cell]] {
            populations.map { population in
                edits.map { target in
                    Cell.folding(platforms.map { platform, edit in
                        var context = SignInContext(subject: population.representative, target: .application(appId: SignInTarget.otherApplicationId))
                        context.clientAppType = client
                        context.ipAddress = address
                        context.country = country
                        target(&context)
                        edit(&context)
                        let evaluation = compiled.evaluate(context)
                        return (platform, Cell(outcome: evaluation.outcome,
                                               policies: evaluation.verdicts.filter { $0.applies && $0.state == "enabled" }.map(\.displayName),
                                               reportOnly: evaluation.reportOnly,
                                               reportOnlyPolicies: evaluation.verdicts.filter { $0.applies && $0.isReportOnly }.map(\.displayName)))
                    })
                }
            }
        }
        self.cells = cells(CompiledPolicies(policies, directory: directory))
        beforeCells = before.map { cells(CompiledPolicies($0.policies, directory: $0.directory)) }
    }

    /// Whether the cell at `row`, `column` demands something else before than after (report-only
    /// additions included; which policies produce it does not count).
    public func changed(_ row: Int, _ column: Int) -> Bool {
        guard let beforeCells else { return false }
        func demand(_ outcome: SignInOutcome) -> SignInOutcome {
            var outcome = outcome
            outcome.blockingPolicies = []
            return outcome
        }
        /// Per platform group, what is demanded (enforced, report-only).
        func demands(_ cell: Cell) -> [[SignInOutcome]] {
            (cell.platformVariants?.map(\.cell) ?? [cell]).map { [demand($0.outcome), demand($0.reportOnly)] }
        }
        let (old, new) = (beforeCells[row][column], cells[row][column])
        return demands(old) != demands(new) || old.platformVariants?.map(\.platforms) != new.platformVariants?.map(\.platforms)
    }

    /// How many cells change between before and after.
    public var changedCellCount: Int {
        rows.indices.reduce(0) { total, row in total + columns.indices.filter { changed(row, $0) }.count }
    }

    /// A browser sign-in from the first documentation address and the first rarely listed country
    /// that no named location contains.
    static func assumptions(_ directory: EvaluationDirectory) -> Assumptions {
        let locations = Array(directory.namedLocations.values)
        let ranges = locations.flatMap { ($0["ipRanges"]?.arrayValue ?? []).compactMap { $0["cidrAddress"]?.stringValue } }
        let countries = Set(locations.flatMap { ($0["countriesAndRegions"]?.stringArray ?? []).map { $0.uppercased() } })
        let address = ["203.0.113.77", "198.51.100.77", "192.0.2.77", "100.64.0.77"].first { candidate in
            guard let parsed = IPAddress(candidate) else { return false }
            return !ranges.contains { parsed.isIn(cidr: $0) }
        } ?? "192.0.2.77"
        let country = (["AQ", "BV", "HM", "TF"] + Space.allTwoLetterCodes).first { !countries.contains($0) } ?? "AQ"
        return Assumptions(clientAppType: .browser, ipAddress: address, country: country)
    }

    // MARK: Populations

    /// The users, groups, roles and external kinds the policies name, as first written (compared
    /// without regard to case).
    public struct References: Sendable {
        public var users: [String] = []
        public var groups: [String] = []
        public var roles: [String] = []
        public var namesGuests = false

        public init(_ policies: [JSONValue]) {
            func add(_ values: [String], to list: inout [String]) {
                for value in values where !list.contains(where: { $0.equalsIgnoringCase(value) }) { list.append(value) }
            }
            for policy in policies {
                let people = policy["conditions"]?["users"] ?? .null
                for key in ["includeUsers", "excludeUsers"] {
                    let values = SignInEvaluator.strings(people[key])
                    if values.contains(where: { $0.equalsIgnoringCase("GuestsOrExternalUsers") }) { namesGuests = true }
                    add(values.filter { !["all", "none", "guestsorexternalusers"].contains($0.lowercased()) }, to: &users)
                }
                for key in ["includeGroups", "excludeGroups"] { add(SignInEvaluator.strings(people[key]), to: &groups) }
                for key in ["includeRoles", "excludeRoles"] { add(SignInEvaluator.strings(people[key]), to: &roles) }
                for key in ["includeGuestsOrExternalUsers", "excludeGuestsOrExternalUsers"] where !(people[key]?.isNull ?? true) {
                    namesGuests = true
                }
            }
        }

        /// The spelling `value` has in `list`, if it is there.
        static func find(_ value: String, in list: [String]) -> String? { list.first { $0.equalsIgnoringCase(value) } }

        /// A subject's memberships among these references.
        func memberships(of subject: SignInSubject) -> [Membership] {
            var result: [Membership] = users.filter { $0.lowercased() == subject.id }.map(Membership.user)
            result += groups.filter { subject.groupIds.contains($0.lowercased()) }.map(Membership.group)
            result += roles.filter { subject.roleTemplateIds.contains($0.lowercased()) }.map(Membership.role)
            if namesGuests, let type = subject.externalUserType { result.append(.external(type)) }
            return result
        }
    }

    /// Populations for a policy set read without a tenant: references are as written (names or ids),
    /// and each row is a user who matches one combination the policies make: each reference alone,
    /// each pair a policy includes and excludes together (the members of an included group who are
    /// also in its excluded one), the emergency access accounts and groups, external users when
    /// policies name them, and "everyone else".
    public static func declaredPopulations(policies: [JSONValue], emergencyUsers: [String] = [], emergencyGroups: [String] = []) -> [Population] {
        let references = References(policies)
        let emergencyUserSet = Set(emergencyUsers.map { $0.lowercased() })
        let emergencyGroupSet = Set(emergencyGroups.map { $0.lowercased() })
        var combinations: [[Membership]] = [[]]
        func add(_ memberships: [Membership]) {
            if !combinations.contains(memberships) { combinations.append(memberships) }
        }
        for user in references.users { add([.user(user)]) }
        for user in emergencyUsers where References.find(user, in: references.users) == nil { add([.user(user)]) }
        for group in references.groups { add([.group(group)]) }
        for group in emergencyGroups where References.find(group, in: references.groups) == nil { add([.group(group)]) }
        for role in references.roles { add([.role(role)]) }
        if references.namesGuests { add([.external(.b2bCollaborationGuest)]) }
        for policy in policies {
            let people = policy["conditions"]?["users"] ?? .null
            func listed(_ prefix: String) -> [Membership] {
                SignInEvaluator.strings(people[prefix + "Users"]).compactMap { References.find($0, in: references.users) }.map(Membership.user)
                    + SignInEvaluator.strings(people[prefix + "Groups"]).compactMap { References.find($0, in: references.groups) }.map(Membership.group)
                    + SignInEvaluator.strings(people[prefix + "Roles"]).compactMap { References.find($0, in: references.roles) }.map(Membership.role)
            }
            for included in listed("include") {
                for excluded in listed("exclude") where excluded != included { add([included, excluded]) }
            }
        }
        return combinations.enumerated().map { index, memberships in
            var subject = SignInSubject(user: "population-\(index)", label: "population-\(index)")
            for membership in memberships {
                switch membership {
                case .user(let id): subject.id = id.lowercased()
                case .group(let id): subject.groupIds.insert(id.lowercased())
                case .role(let id): subject.roleTemplateIds.insert(id.lowercased())
                case .external(let type): subject.externalUserType = type
                }
            }
            let emergency = memberships.contains { membership in
                switch membership {
                case .user(let id): emergencyUserSet.contains(id.lowercased())
                case .group(let id): emergencyGroupSet.contains(id.lowercased())
                default: false
                }
            }
            return Population(memberships: memberships, count: nil, sampleMembers: [], isEmergencyAccess: emergency, representative: subject)
        }
    }

    /// Populations of a tenant's users: the impact analysis's classes (users alike for every
    /// condition on users the policies make), largest first, "everyone else" among them.
    public static func tenantPopulations(users: [SignInSubject], policies: [JSONValue], emergencyUserIds: [String] = [],
                                         emergencyGroupIds: [String] = [], sampleSize: Int = 5) -> [Population] {
        let side = ImpactAnalysis.Side(policies: policies, directory: EvaluationDirectory())
        let classes = SubjectClasses(users, entries: Entries(before: side, after: side))
        let references = References(policies)
        let emergencyUserSet = Set(emergencyUserIds.map { $0.lowercased() })
        let emergencyGroupSet = Set(emergencyGroupIds.map { $0.lowercased() })
        let populations = classes.classes.map { subjectClass in
            let members = subjectClass.memberRanks.map { classes.subjectsByRank[$0] }
            let emergency = members.contains { emergencyUserSet.contains($0.id) || !$0.groupIds.isDisjoint(with: emergencyGroupSet) }
            return Population(memberships: references.memberships(of: subjectClass.representative), count: members.count,
                              sampleMembers: Array(members.prefix(sampleSize).map(\.label)), isEmergencyAccess: emergency,
                              representative: subjectClass.representative)
        }
        return populations.sorted {
            ($0.isEmergencyAccess ? 0 : 1, -($0.count ?? 0), $0.sampleMembers.first ?? "") < ($1.isEmergencyAccess ? 0 : 1, -($1.count ?? 0), $1.sampleMembers.first ?? "")
        }
    }
}
