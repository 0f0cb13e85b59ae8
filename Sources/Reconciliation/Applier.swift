import PolicyModel

/// Reads live objects. The CLI makes the Graph client conform; tests use an in-memory fake.
public protocol TenantReading: Sendable {
    /// Every live object of `kind` (one list request, paged if needed).
    func list(_ kind: ObjectKind) async throws -> [JSONValue]
}

/// What the service said about a write.
public struct WriteReceipt: Sendable, Hashable, Codable {
    /// The object's id (required for a create).
    public var id: String?
    /// The service's request id (`request-id` header), for support cases.
    public var requestId: String?

    public init(id: String? = nil, requestId: String? = nil) {
        self.id = id
        self.requestId = requestId
    }
}

/// Writes objects. Errors thrown should describe the service's answer (`CustomStringConvertible`).
public protocol TenantWriting: Sendable {
    func create(_ kind: ObjectKind, body: JSONValue) async throws -> WriteReceipt
    func update(_ kind: ObjectKind, id: String, body: JSONValue) async throws -> WriteReceipt
    func delete(_ kind: ObjectKind, id: String) async throws -> WriteReceipt
}

/// Keeps a copy of each object's live JSON before it is updated or deleted (the CLI writes files).
public protocol BackupSink: Sendable {
    func store(kind: ObjectKind, id: String, displayName: String, liveObject: JSONValue) async throws
}

/// Waits between verification reads while the service replicates.
public protocol ReplicationWaiter: Sendable {
    /// Called before verification attempt `attempt` (2, 3, …).
    func wait(beforeAttempt attempt: Int) async
}

/// Waits `initialDelay × 2^(attempt − 2)` seconds, capped at `maximumDelay`.
public struct ExponentialBackoffWaiter: ReplicationWaiter {
    public var initialDelay: Double
    public var maximumDelay: Double

    public init(initialDelay: Double = 1, maximumDelay: Double = 8) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    public func wait(beforeAttempt attempt: Int) async {
        let seconds = min(maximumDelay, initialDelay * Double(1 << max(0, min(attempt - 2, 16))))
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }
}

/// What happened when a plan was applied.
public struct ApplyReport: Sendable, Hashable, Codable {
    public enum Status: Sendable, Hashable, Codable {
        case done
        case failed(String)
        case notAttempted
    }

    public enum Verification: Sendable, Hashable, Codable {
        /// Re-read and found equal to the configuration (or gone, for a delete).
        case verified
        /// Still different after the bounded wait; the message names the fields.
        case mismatch(String)
        case notChecked
    }

    /// One planned change and its outcome.
    public struct Step: Sendable, Hashable, Codable {
        public var kind: ObjectKind
        public var displayName: String
        public var action: PlanAction
        /// The live id (for a create, the id the service assigned).
        public var id: String?
        public var status: Status
        public var requestId: String?
        public var verification: Verification
        /// Copies of a created object that a concurrent apply made too and that were deleted (by this
        /// run, or this run's own copy, by either): the survivor is ``id``.
        public var duplicatesRemoved: [String] = []

        public init(kind: ObjectKind, displayName: String, action: PlanAction, id: String?, status: Status, requestId: String? = nil, verification: Verification = .notChecked) {
            self.kind = kind
            self.displayName = displayName
            self.action = action
            self.id = id
            self.status = status
            self.requestId = requestId
            self.verification = verification
        }
    }

    /// Why nothing was attempted (stale or erroneous plan); empty when the apply ran.
    public var refusals: [String]
    public var steps: [Step]

    public init(refusals: [String] = [], steps: [Step] = []) {
        self.refusals = refusals
        self.steps = steps
    }

    /// 0 when everything was done and verified; 1 otherwise.
    public var exitCode: Int32 {
        let failed = steps.contains { step in
            if case .failed = step.status { return true }
            if case .mismatch = step.verification { return true }
            return false
        }
        return refusals.isEmpty && !failed ? 0 : 1
    }

    public var done: [Step] { steps.filter { $0.status == .done } }
    public var failed: [Step] { steps.filter { if case .failed = $0.status { true } else { false } } }
    public var notAttempted: [Step] { steps.filter { $0.status == .notAttempted } }
}

/// Executes a plan in order through ``TenantWriting``, after checking it is still valid, backing up
/// each object before it is changed, and verifying the result. Stops at the first failure.
public struct Applier: Sendable {
    public var reader: any TenantReading
    public var writer: any TenantWriting
    public var backups: any BackupSink
    public var waiter: any ReplicationWaiter
    /// Verification reads (each one list per kind touched); 0 turns verification off.
    public var verificationAttempts: Int
    public var normalizer: Normalizer
    /// Called as each step starts (status `.notAttempted`) and ends.
    public var progress: @Sendable (ApplyReport.Step) -> Void

    public init(
        reader: any TenantReading, writer: any TenantWriting, backups: any BackupSink,
        waiter: any ReplicationWaiter = ExponentialBackoffWaiter(), verificationAttempts: Int = 5,
        normalizer: Normalizer = .standard, progress: @escaping @Sendable (ApplyReport.Step) -> Void = { _ in }
    ) {
        self.reader = reader
        self.writer = writer
        self.backups = backups
        self.waiter = waiter
        self.verificationAttempts = verificationAttempts
        self.normalizer = normalizer
        self.progress = progress
    }

    /// Applies `plan`. Nothing is written when the plan has errors, was made for another tenant than
    /// `tenantId` (the tenant this writer acts on, when the caller knows it), or the tenant changed
    /// since the plan was made (objects to update or delete changed or vanished, or an object to
    /// create appeared).
    public func apply(_ plan: Plan, toTenant tenantId: String? = nil) async -> ApplyReport {
        let changes = plan.actionableChanges
        var steps = changes.map {
            ApplyReport.Step(kind: $0.kind, displayName: $0.displayName, action: $0.action, id: $0.id, status: .notAttempted, requestId: nil, verification: .notChecked)
        }
        if plan.hasErrors { return ApplyReport(refusals: ["the plan has errors"], steps: steps) }
        if let refusal = Self.tenantRefusal(planned: plan.tenantId, acting: tenantId) {
            return ApplyReport(refusals: [refusal], steps: steps)
        }
        guard !changes.isEmpty else { return ApplyReport(refusals: [], steps: []) }

        // 1. Re-read and refuse a stale plan.
        let kinds = ObjectKind.allCases.filter { kind in changes.contains { $0.kind == kind } }
        var live: [ObjectKind: [JSONValue]] = [:]
        for kind in kinds {
            do { live[kind] = try await reader.list(kind) } catch {
                return ApplyReport(refusals: ["could not read the live \(kind.pluralDescription): \(error)"], steps: steps)
            }
        }
        let refusals = staleness(of: changes, live: live)
        guard refusals.isEmpty else { return ApplyReport(refusals: refusals, steps: steps) }

        // 2. Write, in plan order, stopping at the first failure.
        var createdLocationIds: [String: String] = [:]
        var sentBodies: [Int: JSONValue] = [:]
        for (index, change) in changes.enumerated() {
            progress(steps[index])
            do {
                let receipt: WriteReceipt
                switch change.action {
                case .create:
                    let body = try resolvedBody(change, ids: createdLocationIds)
                    receipt = try await writer.create(change.kind, body: body)
                    guard let id = receipt.id else { throw ApplyFailure("the service returned no id for the new \(change.kind)") }
                    if change.kind == .namedLocation { createdLocationIds[change.displayName] = id }
                    steps[index].id = id
                    sentBodies[index] = body
                case .update:
                    let id = change.id ?? ""
                    try await backUp(change, live: live)
                    let body = try resolvedBody(change, ids: createdLocationIds)
                    receipt = try await writer.update(change.kind, id: id, body: body)
                    sentBodies[index] = body
                case .delete:
                    try await backUp(change, live: live)
                    receipt = try await writer.delete(change.kind, id: change.id ?? "")
                case .noOp:
                    continue
                }
                steps[index].status = .done
                steps[index].requestId = receipt.requestId
                progress(steps[index])
            } catch {
                steps[index].status = .failed(String(describing: error))
                progress(steps[index])
                break
            }
        }

        // 3. Verify what was done, within a bound (resolving copies a concurrent apply created).
        if verificationAttempts == 0, steps.contains(where: { $0.action == .create && $0.status == .done }) {
            var current: [ObjectKind: [JSONValue]] = [:]
            for kind in [ObjectKind.conditionalAccessPolicy, .namedLocation] { current[kind] = try? await reader.list(kind) }
            await resolveDuplicates(&steps, live: &current)
        }
        await verify(&steps, sentBodies: sentBodies, before: live)
        return ApplyReport(refusals: [], steps: steps)
    }

    /// Two applies of one plan started together both see an object missing and both create it.
    /// For every object this run created, every live copy of that name is found; the one with the
    /// smallest id survives (so concurrent runs agree whatever they see), the others are backed up and
    /// deleted, policies that name a deleted location are pointed at the survivor first, and the
    /// step takes the survivor's id. A delete that fails is retried on the next verification read.
    func resolveDuplicates(_ steps: inout [ApplyReport.Step], live: inout [ObjectKind: [JSONValue]]) async {
        // Policies first: a losing policy may be the only one naming a losing location.
        let order = steps.indices.filter { steps[$0].action == .create && steps[$0].status == .done }
            .sorted { (steps[$0].kind == .conditionalAccessPolicy ? 0 : 1) < (steps[$1].kind == .conditionalAccessPolicy ? 0 : 1) }
        for index in order {
            let step = steps[index]
            let copies = live[step.kind, default: []].filter { $0["displayName"]?.stringValue?.lowercased() == step.displayName.lowercased() }
            let ids = copies.compactMap { $0["id"]?.stringValue }.sorted { $0.lowercased() < $1.lowercased() }
            guard let survivor = ids.first, ids.count > 1 || survivor != step.id else { continue }
            for loser in ids.dropFirst() {
                guard let object = copies.first(where: { $0["id"]?.stringValue == loser }) else { continue }
                if step.kind == .namedLocation { await repoint(location: loser, to: survivor, live: &live) }
                do {
                    try await backups.store(kind: step.kind, id: loser, displayName: step.displayName, liveObject: object)
                    _ = try await writer.delete(step.kind, id: loser)
                    live[step.kind]?.removeAll { $0["id"]?.stringValue == loser }
                } catch {
                    continue  // gone already (the other run deleted it), or retried on the next read
                }
                if !steps[index].duplicatesRemoved.contains(loser) { steps[index].duplicatesRemoved.append(loser) }
            }
            // This run's copy lost (whichever run deleted it): what it wrote now lives under the survivor's id.
            if let own = step.id, own != survivor, !steps[index].duplicatesRemoved.contains(own) { steps[index].duplicatesRemoved.append(own) }
            steps[index].id = survivor
        }
    }

    /// `body` with every string that is a key of `ids` (lowercased) replaced by its value.
    static func replacingIds(_ body: JSONValue, _ ids: [String: String]) -> JSONValue {
        guard !ids.isEmpty else { return body }
        switch body {
        case .string(let text): return ids[text.lowercased()].map(JSONValue.string) ?? body
        case .array(let items): return .array(items.map { replacingIds($0, ids) })
        case .object(let members): return .object(members.mapValues { replacingIds($0, ids) })
        default: return body
        }
    }

    /// Points every live policy that names location `loser` at `survivor` (the whole `conditions`
    /// object is sent back with the id replaced, so no other condition can be lost).
    private func repoint(location loser: String, to survivor: String, live: inout [ObjectKind: [JSONValue]]) async {
        if live[.conditionalAccessPolicy] == nil { live[.conditionalAccessPolicy] = try? await reader.list(.conditionalAccessPolicy) }
        for (position, policy) in (live[.conditionalAccessPolicy] ?? []).enumerated() {
            guard let id = policy["id"]?.stringValue, var conditions = policy["conditions"], let locations = conditions["locations"] else { continue }
            var replaced = locations
            var changed = false
            for key in ["includeLocations", "excludeLocations"] {
                guard let values = locations[key]?.stringArray, values.contains(where: { $0.lowercased() == loser.lowercased() }) else { continue }
                let updated = values.map { $0.lowercased() == loser.lowercased() ? survivor : $0 }
                replaced[key] = .array(updated.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.map(JSONValue.string))
                changed = true
            }
            guard changed else { continue }
            conditions["locations"] = replaced
            do {
                try await backups.store(kind: .conditionalAccessPolicy, id: id, displayName: policy["displayName"]?.stringValue ?? id, liveObject: policy)
                _ = try await writer.update(.conditionalAccessPolicy, id: id, body: ["conditions": conditions])
                live[.conditionalAccessPolicy]?[position]["conditions"] = conditions
            } catch {
                continue  // the location's delete then fails, and both are retried on the next read
            }
        }
    }

    private func staleness(of changes: [PlannedChange], live: [ObjectKind: [JSONValue]]) -> [String] {
        var refusals: [String] = []
        for change in changes {
            let objects = live[change.kind, default: []]
            switch change.action {
            case .update, .delete:
                guard let current = objects.first(where: { $0["id"]?.stringValue == change.id }) else {
                    refusals.append("\(change.kind) '\(change.displayName)' (\(change.id ?? "?")) no longer exists")
                    continue
                }
                if let fingerprint = change.liveFingerprint, LiveFingerprint.of(current, kind: change.kind) != fingerprint {
                    refusals.append("\(change.kind) '\(change.displayName)' (\(change.id ?? "?")) changed since the plan was made")
                }
            case .create:
                if let existing = objects.first(where: { $0["displayName"]?.stringValue?.lowercased() == change.displayName.lowercased() }) {
                    refusals.append("a \(change.kind) named '\(change.displayName)' now exists (\(existing["id"]?.stringValue ?? "?"))")
                }
            case .noOp:
                break
            }
        }
        if !refusals.isEmpty { refusals.append("the tenant changed since the plan was made; run plan again") }
        return refusals
    }

    private func resolvedBody(_ change: PlannedChange, ids: [String: String]) throws -> JSONValue {
        let body = PendingReference.substitute(in: change.requestBody ?? [:], ids: ids)
        if let missing = Self.firstPendingName(in: body) {
            throw ApplyFailure("named location '\(missing)' was not created, so '\(change.displayName)' cannot refer to it")
        }
        return body
    }

    private static func firstPendingName(in body: JSONValue) -> String? {
        var found: String?
        _ = body.mappedBottomUp { value in
            if found == nil, let text = value.stringValue { found = PendingReference.namedLocationName(in: text) }
            return value
        }
        return found
    }

    private func backUp(_ change: PlannedChange, live: [ObjectKind: [JSONValue]]) async throws {
        guard let id = change.id, let current = live[change.kind]?.first(where: { $0["id"]?.stringValue == id }) else { return }
        do {
            try await backups.store(kind: change.kind, id: id, displayName: change.displayName, liveObject: current)
        } catch {
            throw ApplyFailure("could not back up '\(change.displayName)' before changing it: \(error)")
        }
    }

    /// Re-reads what was written until it matches what was sent, within ``verificationAttempts``.
    /// An update must also leave every field entraform does not model exactly as it was before the
    /// write (`before`): a PATCH that wiped one is reported, never taken as success.
    private func verify(_ steps: inout [ApplyReport.Step], sentBodies: [Int: JSONValue], before: [ObjectKind: [JSONValue]]) async {
        let doneIndices = steps.indices.filter { steps[$0].status == .done }
        guard verificationAttempts > 0, !doneIndices.isEmpty else { return }
        let kinds = ObjectKind.allCases.filter { kind in doneIndices.contains { steps[$0].kind == kind } }
        var problems: [Int: String] = [:]
        for attempt in 1...verificationAttempts {
            if attempt > 1 { await waiter.wait(beforeAttempt: attempt) }
            problems = [:]
            var live: [ObjectKind: [JSONValue]] = [:]
            var readError: String?
            for kind in kinds {
                do { live[kind] = try await reader.list(kind) } catch { readError = "could not re-read: \(error)" }
            }
            if readError == nil { await resolveDuplicates(&steps, live: &live) }
            // A location this run created may have lost to a concurrent run's copy: compare with the survivor.
            var survivors: [String: String] = [:]
            for step in steps { for loser in step.duplicatesRemoved { survivors[loser.lowercased()] = step.id } }
            for index in doneIndices {
                if let readError { problems[index] = readError; continue }
                let step = steps[index]
                let current = live[step.kind, default: []].first { $0["id"]?.stringValue == step.id }
                switch step.action {
                case .delete:
                    if current != nil { problems[index] = "still present" }
                case .create, .update:
                    guard let current else { problems[index] = "not found"; continue }
                    let comparison = ObjectComparison(
                        desired: normalizer.normalize(Self.replacingIds(sentBodies[index] ?? [:], survivors), kind: step.kind),
                        live: normalizer.normalize(current, kind: step.kind), kind: step.kind,
                        labeler: ReferenceLabeler(names: DirectoryNames(), kind: step.kind))
                    var differing = comparison.fieldChanges.map(\.path)
                    if step.action == .update, let previous = before[step.kind]?.first(where: { $0["id"]?.stringValue == step.id }) {
                        differing += Self.lostUnmodelledFields(before: previous, after: current, kind: step.kind)
                    }
                    if !differing.isEmpty {
                        problems[index] = "differs in " + differing.joined(separator: ", ")
                    }
                case .noOp:
                    break
                }
            }
            if problems.isEmpty { break }
        }
        for index in doneIndices {
            steps[index].verification = problems[index].map { .mismatch($0) } ?? .verified
        }
    }
}

extension Applier {
    /// Why a plan made for tenant `planned` must not be applied to tenant `acting`; `nil` when it may.
    package static func tenantRefusal(planned: String?, acting: String?) -> String? {
        guard let acting else { return nil }
        guard let planned else {
            return "the plan records no tenant (made by an older entraform), so it cannot be bound to tenant \(acting); run plan again"
        }
        guard planned.lowercased() == acting.lowercased() else {
            return "the plan was made for tenant \(planned), but this run is signed in to tenant \(acting); nothing was written"
        }
        return nil
    }

    /// Paths of unmodelled fields whose value the write changed or removed (annotations ignored).
    package static func lostUnmodelledFields(before: JSONValue, after: JSONValue, kind: ObjectKind) -> [String] {
        let strip = { (value: JSONValue) in NormalizationRule.dropODataAnnotations.apply(value, kind: kind) }
        let previous = GraphVocabulary.unmodelledValues(in: strip(before), kind: kind)
        let current = GraphVocabulary.unmodelledValues(in: strip(after), kind: kind)
        return previous.filter { current[$0.key] != $0.value }.map { "\($0.key.dotted) (not managed by entraform; lost or changed)" }.sorted()
    }
}

/// A failure the applier itself detects.
struct ApplyFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
