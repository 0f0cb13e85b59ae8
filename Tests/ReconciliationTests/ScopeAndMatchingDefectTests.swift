import PolicyModel
import Reconciliation
import Testing

/// Regressions for the defects issue's scope, adoption and matching items (5, 6, 8, 10, 11, 17, 18):
/// each test failed before its fix.
struct ScopeAndMatchingDefectTests {
    static func plan(_ desired: [DesiredObject], policies: [JSONValue] = [], locations: [JSONValue] = [],
                     scope: ManagementScope = ManagementScope()) -> Plan {
        Planner().plan(desired: desired, snapshot: TenantSnapshot(policies: policies, namedLocations: locations, directoryNames: Fixture.names),
                       scope: scope)
    }

    // Item 5: prune deletes named locations only inside their own scope, never a trusted one.
    @Test func pruneLeavesOtherTeamsAndTrustedLocationsAlone() {
        let locations = [
            Fixture.liveIPLocation(id: "l1", name: "Other team office", trusted: false),
            Fixture.liveIPLocation(id: "l2", name: "CA-Old office", trusted: false),
            Fixture.liveIPLocation(id: "l3", name: "CA-Trusted HQ", trusted: true),
        ]
        let allTrusted = Fixture.livePolicy(id: "p9", name: "Legacy - block untrusted",
                                            locations: ["includeLocations": ["All"], "excludeLocations": ["AllTrusted"]])
        // No named location scope: nothing undeclared is pruned or reported.
        let unscoped = Self.plan([], policies: [allTrusted], locations: locations, scope: ManagementScope(namePrefix: "CA", prune: true))
        #expect(unscoped.changes.isEmpty)
        let drift = Planner().drift(desired: [], snapshot: TenantSnapshot(policies: [allTrusted], namedLocations: locations),
                                    scope: ManagementScope(namePrefix: "CA", prune: true))
        #expect(drift.entries.isEmpty)

        // Scoped by prefix: the untrusted one in scope goes; the trusted one stays, with a warning naming AllTrusted users.
        let scoped = Self.plan([], policies: [allTrusted], locations: locations,
                               scope: ManagementScope(namePrefix: "CA", prune: true, namedLocationPrefix: "CA-"))
        #expect(scoped.changes.map(\.displayName) == ["CA-Old office"])
        let warning = scoped.diagnostics.first { $0.message.contains("CA-Trusted HQ") }
        #expect(warning?.severity == .warning)
        #expect(warning?.message.contains("is trusted (used through AllTrusted by 'Legacy - block untrusted')") == true)

        // Scoped by name list.
        let listed = Self.plan([], locations: locations, scope: ManagementScope(prune: true, namedLocationNames: ["other TEAM office"]))
        #expect(listed.changes.map(\.displayName) == ["Other team office"])
    }

    // Item 6: a pin or previous name reaching outside the scope is an error unless adoptOutOfScope.
    @Test func adoptingAnOutOfScopePolicyNeedsConsent() {
        let scope = ManagementScope(namePrefix: "CA")
        let live = [Fixture.livePolicy(id: "p1", name: "Team B - MFA")]
        let pinned = Self.plan([Fixture.desiredPolicy("CA010 - MFA", pinnedId: "p1")], policies: live, scope: scope)
        #expect(pinned.hasErrors)
        #expect(pinned.diagnostics.first?.message.contains("would adopt live conditional access policy 'Team B - MFA' (p1) by its pinned id") == true)
        #expect(pinned.diagnostics.first?.suggestion == "if taking it over is intended, add 'adoptOutOfScope: true' to the declaration")
        let renamed = Self.plan([Fixture.desiredPolicy("CA010 - MFA", previousNames: ["Team B - MFA"])], policies: live, scope: scope)
        #expect(renamed.hasErrors)

        var consenting = Fixture.desiredPolicy("CA010 - MFA", pinnedId: "p1")
        consenting.adoptOutOfScope = true
        let adopted = Self.plan([consenting], policies: live, scope: scope)
        #expect(!adopted.hasErrors)
        #expect(adopted.changes.first?.action == .update)
    }

    // Item 6: a rename never leaves two policies with one name.
    @Test func aRenameThatWouldDuplicateANameIsRefused() {
        let live = [Fixture.livePolicy(id: "p1", name: "CA001 old"), Fixture.livePolicy(id: "p2", name: "CA001 new")]
        let desired = Fixture.desiredPolicy("CA001 new", pinnedId: "p1")
        let result = Self.plan([desired], policies: live, scope: ManagementScope(namePrefix: "CA"))
        #expect(result.hasErrors)
        #expect(result.diagnostics.contains { $0.message.contains("would leave two conditional access policies with that name") })
        // With prune on, the other one is deleted by the same plan: allowed.
        let pruned = Self.plan([desired], policies: live, scope: ManagementScope(namePrefix: "CA", prune: true))
        #expect(!pruned.hasErrors)
        #expect(pruned.changes.map(\.action) == [.update, .delete])
    }

    // Item 8: a case-only rename is an update, not a create (and no delete under prune).
    @Test func aCaseOnlyRenameIsAnUpdate() {
        let result = Self.plan([Fixture.desiredPolicy("T-CASE policy")], policies: [Fixture.livePolicy(id: "p1", name: "T-Case policy")],
                               scope: ManagementScope(prune: true))
        #expect(result.changes.map(\.action) == [.update])
        #expect(result.changes.first?.fieldChanges.map(\.path) == ["displayName"])
    }

    // Item 10: a pinned policy deleted in the portal: plan says what to do, drift reports it missing (exit 2).
    @Test func aDeletedPinnedPolicyIsExplainedAndDrifts() {
        let desired = [Fixture.desiredPolicy("CA001", pinnedId: "deadbeef-0000-4000-8000-000000000000")]
        let planned = Self.plan(desired)
        #expect(planned.hasErrors)
        #expect(planned.diagnostics.first?.message.contains("it was deleted in the tenant, or the id is wrong") == true)
        #expect(planned.diagnostics.first?.suggestion?.contains("remove 'id:' to create it anew") == true)
        let drift = Planner().drift(desired: desired, snapshot: TenantSnapshot(), scope: ManagementScope())
        #expect(drift.exitCode == 2)
        #expect(drift.entries.map(\.category) == [.missing])
    }

    // Item 11: a plan past the tenant's 240 policies is refused at plan time, with the counts.
    @Test func thePolicyLimitIsCheckedAtPlanTime() {
        let live = (0..<239).map { Fixture.livePolicy(id: "p\($0)", name: "Other \($0)") }
        let two = [Fixture.desiredPolicy("CA001"), Fixture.desiredPolicy("CA002")]
        let over = Self.plan(two, policies: live, scope: ManagementScope(namePrefix: "CA"))
        #expect(over.hasErrors)
        #expect(over.diagnostics.first?.message
            == "the plan would leave 241 conditional access policies in the tenant (239 now, 2 to create, 0 to delete); Entra allows at most 240")
        #expect(!Self.plan([two[0]], policies: live, scope: ManagementScope(namePrefix: "CA")).hasErrors)
    }

    // Item 17: an object both changed and holding dangling references counts once.
    @Test func driftCountsObjectsOnce() {
        let dangling = "99999999-1111-4222-8333-944455556666"
        let live = Fixture.livePolicy(id: "p1", name: "CA001", state: "disabled", excludeGroups: [.string(dangling)])
        let report = Planner().drift(desired: [Fixture.desiredPolicy("CA001", excludeGroups: [.string(dangling)])],
                                     snapshot: TenantSnapshot(policies: [live], directoryNames: Fixture.names), scope: ManagementScope())
        #expect(report.entries.map(\.category) == [.changed, .danglingReferences])
        #expect(report.objectCount == 1)
    }

    // Item 18: the name prefix matches at a word boundary.
    @Test(arguments: [
        ("CA001 - MFA", true), ("CA - pilot", true), ("CA", true), ("CA-100", true), ("CAT team - pilot", false),
        ("Cap policy", false), ("ca001", false),
    ])
    func namePrefixIsSeparatorAware(_ name: String, _ inScope: Bool) {
        #expect(ManagementScope(namePrefix: "CA").contains(displayName: name) == inScope)
    }

    @Test func aDeclaredNameOutsideTheBoundarySaysWhy() {
        let result = Self.plan([Fixture.desiredPolicy("CAT team - pilot")], scope: ManagementScope(namePrefix: "CA"))
        #expect(result.diagnostics.first?.message.contains("starts with 'CA' but a letter follows") == true, "\(result.diagnostics)")
    }

    @Test func aPrefixEndingInASeparatorTakesAnything() {
        #expect(ManagementScope(namePrefix: "CA-").contains(displayName: "CA-Team"))
        #expect(!ManagementScope(namePrefix: "CA-").contains(displayName: "CAT"))
    }
}
