import Foundation
import PlanRendering
import PolicyModel
import Reconciliation
import Testing

/// An in-memory tenant: enough of Graph's behaviour (ids, PATCH merging, soft replication lag) to
/// exercise the applier's ordering, backups, failure handling and verification.
actor FakeTenant: TenantReading, TenantWriting, BackupSink, ReplicationWaiter {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var objects: [ObjectKind: [JSONValue]]
    var writes: [String] = []
    var backups: [String] = []
    var waits = 0
    /// Fail the write to the object with this display name.
    var failingName: String?
    /// How many list calls after a write still return the state before it.
    var lagReads = 0
    /// Every PATCH is stored with `state` forced to this value (a service that never converges).
    var stubbornState: JSONValue?
    private var lagged: [ObjectKind: [JSONValue]]?
    private var lagLeft = 0
    private var nextId = 1

    init(policies: [JSONValue] = [], locations: [JSONValue] = []) {
        objects = [.conditionalAccessPolicy: policies, .namedLocation: locations]
    }

    func configure(failingName: String? = nil, lagReads: Int = 0, stubbornState: JSONValue? = nil) {
        self.failingName = failingName
        self.lagReads = lagReads
        self.stubbornState = stubbornState
    }

    func edit(_ kind: ObjectKind, id: String, _ change: (inout JSONValue) -> Void) {
        guard let index = objects[kind]?.firstIndex(where: { $0["id"]?.stringValue == id }) else { return }
        change(&objects[kind]![index])
    }

    func list(_ kind: ObjectKind) async throws -> [JSONValue] {
        if lagLeft > 0, let lagged {
            lagLeft -= 1
            return lagged[kind, default: []]
        }
        return objects[kind, default: []]
    }

    private func beforeWrite(_ description: String, name: String?) throws {
        if let failingName, name == failingName { throw Failure(description: "400 BadRequest: 1007 invalid policy '\(failingName)'") }
        if lagged == nil || lagLeft == 0 { lagged = objects }
        lagLeft = lagReads
        writes.append(description)
    }

    func create(_ kind: ObjectKind, body: JSONValue) async throws -> WriteReceipt {
        try beforeWrite("create \(body["displayName"]?.stringValue ?? "")", name: body["displayName"]?.stringValue)
        let id = String(format: "%08x-0000-4000-8000-000000000000", nextId)
        nextId += 1
        var stored = body
        stored["id"] = .string(id)
        stored["createdDateTime"] = "2026-11-22T10:00:00Z"
        objects[kind, default: []].append(stored)
        return WriteReceipt(id: id, requestId: "req-\(id.prefix(8))")
    }

    func update(_ kind: ObjectKind, id: String, body: JSONValue) async throws -> WriteReceipt {
        let index = try #require(objects[kind]?.firstIndex { $0["id"]?.stringValue == id })
        try beforeWrite("update \(objects[kind]![index]["displayName"]?.stringValue ?? "")", name: objects[kind]![index]["displayName"]?.stringValue)
        var merged = Self.merge(objects[kind]![index], body)
        if let stubbornState { merged["state"] = stubbornState }
        merged["modifiedDateTime"] = "2026-11-22T10:00:00Z"
        objects[kind]![index] = merged
        return WriteReceipt(id: id, requestId: "req-update")
    }

    func delete(_ kind: ObjectKind, id: String) async throws -> WriteReceipt {
        let name = objects[kind]?.first { $0["id"]?.stringValue == id }?["displayName"]?.stringValue
        try beforeWrite("delete \(name ?? id)", name: name)
        objects[kind]?.removeAll { $0["id"]?.stringValue == id }
        return WriteReceipt(requestId: "req-delete")
    }

    func store(kind: ObjectKind, id: String, displayName: String, liveObject: JSONValue) async throws {
        #expect(liveObject["id"]?.stringValue == id)
        backups.append(displayName)
    }

    func wait(beforeAttempt attempt: Int) async { waits += 1 }

    /// Graph's PATCH: objects merge member by member, anything else is replaced.
    static func merge(_ base: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(var members) = base, case .object(let changes) = patch else { return patch }
        for (key, value) in changes { members[key] = members[key].map { merge($0, value) } ?? value }
        return .object(members)
    }

    var snapshot: TenantSnapshot {
        TenantSnapshot(policies: objects[.conditionalAccessPolicy, default: []], namedLocations: objects[.namedLocation, default: []], directoryNames: Fixture.names)
    }
}

private let scope = ManagementScope(namePrefix: "CA", prune: true)

private func desiredState() -> [DesiredObject] {
    [
        Fixture.desiredIPLocation("Corporate HQ"),
        Fixture.desiredPolicy("CA001", state: "disabled"),
        Fixture.desiredPolicy("CA002 New", locations: ["includeLocations": ["All"], "excludeLocations": [.string(PendingReference.namedLocation("Corporate HQ"))]]),
    ]
}

private func seededTenant() -> FakeTenant {
    FakeTenant(policies: [
        Fixture.livePolicy(id: "p1", name: "CA001", extraConditions: ["agentContext": ["includeAgentContexts": ["x"]]]),
        Fixture.livePolicy(id: "p9", name: "CA009 Gone"),
    ])
}

private func applier(_ tenant: FakeTenant, attempts: Int = 3) -> Applier {
    Applier(reader: tenant, writer: tenant, backups: tenant, waiter: tenant, verificationAttempts: attempts)
}

struct ApplierTests {
    @Test func appliesInOrderBacksUpVerifiesAndConverges() async throws {
        let tenant = seededTenant()
        let plan = Planner().plan(desired: desiredState(), snapshot: await tenant.snapshot, scope: scope)
        #expect(plan.summary == PlanSummary(toCreate: 2, toUpdate: 1, toDelete: 1))
        let report = await applier(tenant).apply(plan)
        #expect(report.refusals == [])
        #expect(report.exitCode == 0)
        #expect(await tenant.writes == ["create Corporate HQ", "update CA001", "create CA002 New", "delete CA009 Gone"])
        #expect(await tenant.backups == ["CA001", "CA009 Gone"])
        #expect(report.steps.allSatisfy { $0.status == .done && $0.verification == .verified })
        // The placeholder became the new location's id; the unmodelled field survived the PATCH.
        let policies = await tenant.objects[.conditionalAccessPolicy] ?? []
        let hqId = try #require(report.steps.first { $0.displayName == "Corporate HQ" }?.id)
        #expect(policies.first { $0["displayName"] == "CA002 New" }?["conditions"]?["locations"]?["excludeLocations"] == [.string(hqId)])
        #expect(policies.first { $0["id"] == "p1" }?["conditions"]?["agentContext"] == ["includeAgentContexts": ["x"]])
        // Re-running converges: nothing left to do.
        let again = Planner().plan(desired: desiredState(), snapshot: await tenant.snapshot, scope: scope)
        #expect(!again.hasChanges)
    }

    /// Regression (defects issue, item 1): a write that loses a field entraform does not model is a
    /// verification failure, not a success; the message names the field.
    @Test func verificationReportsALostUnmodelledField() async throws {
        let live = Fixture.livePolicy(id: "p1", name: "CA001", sessionControls: ["blockSensitiveActions": ["isEnabled": true]])
        let tenant = FakeTenant(policies: [live])
        let planned = Planner().plan(desired: [Fixture.desiredPolicy("CA001", state: "disabled")], snapshot: await tenant.snapshot, scope: scope)
        #expect(planned.changes.first?.requestBody?["sessionControls"]?["blockSensitiveActions"] == ["isEnabled": true])
        // An older body that sent `sessionControls: null` (what entraform used to send).
        var wiping = planned
        wiping.changes[0].requestBody?["sessionControls"] = .null
        let report = await applier(tenant, attempts: 2).apply(wiping)
        #expect(report.exitCode == 1)
        #expect(report.steps.first?.verification
            == .mismatch("differs in sessionControls.blockSensitiveActions (not managed by entraform; lost or changed)"))
        // The plan as made now keeps it, and verifies.
        let fresh = FakeTenant(policies: [live])
        let good = await applier(fresh).apply(Planner().plan(desired: [Fixture.desiredPolicy("CA001", state: "disabled")], snapshot: await fresh.snapshot, scope: scope))
        #expect(good.exitCode == 0)
        #expect(await fresh.objects[.conditionalAccessPolicy]?.first?["sessionControls"]?["blockSensitiveActions"] == ["isEnabled": true])
    }

    @Test func stopsAtTheFirstFailureAndReportsWhatWasNotAttempted() async {
        let tenant = seededTenant()
        await tenant.configure(failingName: "CA001")
        let plan = Planner().plan(desired: desiredState(), snapshot: await tenant.snapshot, scope: scope)
        let report = await applier(tenant).apply(plan)
        #expect(report.exitCode == 1)
        #expect(report.done.map(\.displayName) == ["Corporate HQ"])
        #expect(report.failed.map(\.displayName) == ["CA001"])
        #expect(report.failed.first?.status == .failed("400 BadRequest: 1007 invalid policy 'CA001'"))
        #expect(report.notAttempted.map(\.displayName) == ["CA002 New", "CA009 Gone"])
        #expect(report.done.first?.verification == .verified)
        // Re-running after the cause is fixed converges.
        await tenant.configure()
        let retry = Planner().plan(desired: desiredState(), snapshot: await tenant.snapshot, scope: scope)
        #expect(retry.summary == PlanSummary(toCreate: 1, toUpdate: 1, toDelete: 1, unchanged: 1))
        #expect(await applier(tenant).apply(retry).exitCode == 0)
    }

    @Test func refusesAStalePlanWithoutWriting() async {
        let tenant = seededTenant()
        let plan = Planner().plan(desired: desiredState(), snapshot: await tenant.snapshot, scope: scope)
        await tenant.edit(.conditionalAccessPolicy, id: "p1") { $0["state"] = "enabledForReportingButNotEnforced" }
        let report = await applier(tenant).apply(plan)
        #expect(report.exitCode == 1)
        #expect(report.refusals.first == "conditional access policy 'CA001' (p1) changed since the plan was made")
        #expect(await tenant.writes == [])
    }

    @Test func refusesWhenAnObjectToCreateAppeared() async {
        let tenant = seededTenant()
        let plan = Planner().plan(desired: desiredState(), snapshot: await tenant.snapshot, scope: scope)
        _ = try? await tenant.create(.namedLocation, body: ["displayName": "Corporate HQ"])
        let report = await applier(tenant).apply(plan)
        #expect(report.refusals.first?.hasPrefix("a named location named 'Corporate HQ' now exists") == true)
    }

    @Test func refusesAPlanWithErrors() async {
        let plan = Plan(changes: [PlannedChange(kind: .conditionalAccessPolicy, displayName: "P", id: nil, action: .create, reason: .declaredNotInTenant, requestBody: [:])],
                        diagnostics: [.error("boom")])
        let tenant = FakeTenant()
        #expect(await applier(tenant).apply(plan).refusals == ["the plan has errors"])
        #expect(await tenant.writes == [])
    }

    @Test func waitsForReplicationWithinTheBound() async {
        let tenant = seededTenant()
        await tenant.configure(lagReads: 2)
        let plan = Planner().plan(desired: [Fixture.desiredPolicy("CA001", state: "disabled")], snapshot: await tenant.snapshot, scope: ManagementScope(namePrefix: "CA001"))
        let report = await applier(tenant, attempts: 4).apply(plan)
        #expect(report.steps.map(\.verification) == [.verified])
        #expect(await tenant.waits == 2)
    }

    @Test func reportsAResultThatNeverConverges() async {
        let tenant = seededTenant()
        await tenant.configure(stubbornState: "enabled")
        let plan = Planner().plan(desired: [Fixture.desiredPolicy("CA001", state: "disabled")], snapshot: await tenant.snapshot, scope: ManagementScope(namePrefix: "CA001"))
        let report = await applier(tenant, attempts: 3).apply(plan)
        #expect(report.steps.map(\.verification) == [.mismatch("differs in state")])
        #expect(report.exitCode == 1)
        #expect(await tenant.waits == 2)
    }
}

struct SavedPlanTests {
    private func samplePlan() -> Plan {
        Planner().plan(
            desired: [Fixture.desiredPolicy("CA001", state: "disabled")],
            snapshot: TenantSnapshot(policies: [Fixture.livePolicy(id: "p1", name: "CA001")], directoryNames: Fixture.names),
            scope: ManagementScope())
    }

    @Test func roundTripsThroughAFile() throws {
        let plan = samplePlan()
        let decoded = try SavedPlan.decode(SavedPlan(plan).encoded())
        #expect(decoded == plan)
        // One document: the saved plan is exactly what `plan --format json` prints.
        #expect(SavedPlan(plan).encoded() == Data(JSONPlanRenderer().render(plan).utf8))
        #expect(decoded.contentDigest == plan.contentDigest)
    }

    @Test func refusesAnEditedFile() throws {
        let text = String(decoding: SavedPlan(samplePlan()).encoded(), as: UTF8.self)
        #expect(text.contains("\"disabled\""))
        let edited = Data(text.replacingOccurrences(of: "\"disabled\"", with: "\"enabled\"").utf8)
        #expect {
            try SavedPlan.decode(edited)
        } throws: { error in
            guard case .digestMismatch = error as? SavedPlanError else { return false }
            return true
        }
    }

    @Test func liveStateDigestFollowsTheTenant() {
        let before = samplePlan().liveStateDigest
        let changedTenant = Planner().plan(
            desired: [Fixture.desiredPolicy("CA001", state: "disabled")],
            snapshot: TenantSnapshot(policies: [Fixture.livePolicy(id: "p1", name: "CA001", state: "enabledForReportingButNotEnforced")]),
            scope: ManagementScope())
        #expect(before.count == 64)
        #expect(before != changedTenant.liveStateDigest)
    }
}
