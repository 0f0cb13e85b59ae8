import PolicyModel
import Reconciliation
import Testing

private func plan(_ desired: [DesiredObject], policies: [JSONValue] = [], locations: [JSONValue] = [], scope: ManagementScope = ManagementScope()) -> Plan {
    Planner().plan(desired: desired, snapshot: TenantSnapshot(policies: policies, namedLocations: locations, directoryNames: Fixture.names), scope: scope)
}

private func change(_ plan: Plan, _ name: String) -> PlannedChange? { plan.changes.first { $0.displayName == name } }

struct IdentityMatchingTests {
    @Test func matchesByDisplayNameWithoutChanges() {
        let result = plan([Fixture.desiredPolicy("CA001 MFA")], policies: [Fixture.livePolicy(id: "p1", name: "CA001 MFA")])
        #expect(result.changes.map(\.action) == [.noOp])
        #expect(result.changes.first?.id == "p1")
        #expect(result.exitCode(detailed: true) == 0)
    }

    @Test func pinnedIdWinsOverName() {
        let result = plan(
            [Fixture.desiredPolicy("CA001 MFA", pinnedId: "p2")],
            policies: [Fixture.livePolicy(id: "p1", name: "CA001 MFA"), Fixture.livePolicy(id: "p2", name: "Old name")])
        let planned = change(result, "CA001 MFA")
        #expect(planned?.id == "p2")
        #expect(planned?.action == .update)
        #expect(planned?.fieldChanges == [FieldChange(path: "displayName", change: .value(before: PlanValue("Old name"), after: PlanValue("CA001 MFA")))])
        // The rename would leave p1 and p2 both named 'CA001 MFA': refused until p1 is dealt with.
        #expect(result.hasErrors)
        #expect(result.diagnostics.first?.message.contains("would leave two conditional access policies with that name: 'CA001 MFA' (p1)") == true)
    }

    @Test func pinnedIdThatDoesNotExistIsAnError() {
        let result = plan([Fixture.desiredPolicy("CA001 MFA", pinnedId: "missing")], policies: [])
        #expect(result.hasErrors)
        #expect(result.diagnostics.first?.message.contains("pinned id 'missing'") == true)
        #expect(result.exitCode(detailed: false) == 1)
    }

    @Test func renameThroughPreviousNames() {
        // The old name is outside manage.namePrefix: taking it over is said explicitly.
        var desired = Fixture.desiredPolicy("CA010 Require MFA", previousNames: ["Require MFA"])
        desired.adoptOutOfScope = true
        let result = plan(
            [desired],
            policies: [Fixture.livePolicy(id: "p1", name: "Require MFA")], scope: ManagementScope(namePrefix: "CA"))
        let planned = change(result, "CA010 Require MFA")
        #expect(planned?.action == .update)
        #expect(planned?.id == "p1")
        #expect(planned?.reason == .renamed(from: "Require MFA"))
        #expect(!result.hasErrors)
    }

    @Test func twoLivePoliciesWithOneNameIsAnErrorNamingBothIds() throws {
        let result = plan(
            [Fixture.desiredPolicy("CA001 MFA")],
            policies: [Fixture.livePolicy(id: "p1", name: "CA001 MFA"), Fixture.livePolicy(id: "p2", name: "CA001 MFA")])
        let error = try #require(result.diagnostics.first { $0.severity == .error })
        #expect(error.message.contains("'p1'") && error.message.contains("'p2'"))
        #expect(error.location?.file == "policies/CA001 MFA.yaml")
        #expect(error.suggestion == "pin one with 'id: p1'")
    }

    @Test func duplicateDeclaredNamesAreAnError() {
        let result = plan([Fixture.desiredPolicy("CA001 MFA", line: 1), Fixture.desiredPolicy("CA001 MFA", line: 9)])
        #expect(result.diagnostics.contains { $0.severity == .error && $0.message.contains("declared more than once (also declared at policies/CA001 MFA.yaml:1:1)") })
    }

    @Test func outOfScopeLiveObjectsAreNeverTouched() {
        let result = plan(
            [Fixture.desiredPolicy("CA001 MFA")],
            policies: [Fixture.livePolicy(id: "p1", name: "CA001 MFA"), Fixture.livePolicy(id: "x", name: "Hand-made policy")],
            scope: ManagementScope(namePrefix: "CA", prune: true))
        #expect(result.changes.map(\.displayName) == ["CA001 MFA"])
        #expect(!result.hasChanges)
    }

    @Test func pruneDeletesOnlyUndeclaredObjectsInScope() {
        let live = [Fixture.livePolicy(id: "p1", name: "CA001 MFA"), Fixture.livePolicy(id: "p9", name: "CA999 Old"), Fixture.livePolicy(id: "x", name: "Other")]
        let pruned = plan([Fixture.desiredPolicy("CA001 MFA")], policies: live, scope: ManagementScope(namePrefix: "CA", prune: true))
        #expect(pruned.actionableChanges.map(\.id) == ["p9"])
        #expect(pruned.actionableChanges.first?.action == .delete)
        let notPruned = plan([Fixture.desiredPolicy("CA001 MFA")], policies: live, scope: ManagementScope(namePrefix: "CA", prune: false))
        #expect(!notPruned.hasChanges)
    }

    @Test func microsoftManagedPoliciesAreNeverDeleted() {
        let managed = Fixture.livePolicy(id: "m1", name: "Microsoft-managed: MFA for admins", templateId: "4200930c-0da2-4e33-ca01-300000000011")
        let managedByTemplateOnly = Fixture.livePolicy(id: "m2", name: "Baseline", templateId: "4200930c-0da2-4e33-ca01-300000000012")
        let result = plan([], policies: [managed, managedByTemplateOnly], scope: ManagementScope(prune: true))
        #expect(!result.hasChanges)
        #expect(result.diagnostics.filter { $0.severity == .warning && $0.message.contains("never deletes") }.count == 2)
    }

    @Test func declaredObjectOutsideTheScopeIsAnError() {
        let result = plan([Fixture.desiredPolicy("MFA for all")], scope: ManagementScope(namePrefix: "CA"))
        #expect(result.diagnostics.contains { $0.severity == .error && $0.message.contains("outside the managed scope") })
    }
}

struct DiffTests {
    @Test func setChangesCarryDirectoryNames() throws {
        let result = plan(
            [Fixture.desiredPolicy("CA001", excludeGroups: [.string(Fixture.breakGlassGroup)])],
            policies: [Fixture.livePolicy(id: "p1", name: "CA001", excludeGroups: [.string(Fixture.financeGroup), "dead0000-1111-4222-8333-944455556666"])])
        let planned = try #require(change(result, "CA001"))
        #expect(planned.action == .update)
        #expect(planned.fieldChanges == [FieldChange(path: "conditions.users.excludeGroups", change: .set(
            added: [PlanValue(.string(Fixture.breakGlassGroup), name: "CA-BreakGlass")],
            removed: [PlanValue(.string(Fixture.financeGroup), name: "Finance"),
                      PlanValue("dead0000-1111-4222-8333-944455556666", isUnresolvedReference: true)]))])
        #expect(result.exitCode(detailed: true) == 2)
        #expect(result.exitCode(detailed: false) == 0)
    }

    @Test(arguments: [
        ("state", Fixture.desiredPolicy("CA001", state: "disabled"), ["state"]),
        ("grant", Fixture.desiredPolicy("CA001", builtInControls: ["block"]), ["grantControls.builtInControls"]),
        ("no grant", Fixture.desiredPolicy("CA001", builtInControls: []), ["grantControls.builtInControls", "grantControls.operator"]),
        ("users", Fixture.desiredPolicy("CA001", includeUsers: [.string(Fixture.alice)]), ["conditions.users.includeUsers"]),
        ("reserved word case only", Fixture.desiredPolicy("CA001", includeUsers: ["all"]), []),
    ] as [(String, DesiredObject, [String])])
    func changedPaths(_ label: String, desired: DesiredObject, paths: [String]) {
        let result = plan([desired], policies: [Fixture.livePolicy(id: "p1", name: "CA001")])
        #expect(result.changes.first?.fieldChanges.map(\.path) == paths, "\(label)")
        #expect(result.changes.first?.action == (paths.isEmpty ? .noOp : .update))
    }

    @Test func createListsEveryDeclaredField() throws {
        let result = plan([Fixture.desiredPolicy("CA002 Block")])
        let planned = try #require(result.changes.first)
        #expect(planned.action == .create)
        #expect(planned.fieldChanges.map(\.path) == [
            "displayName", "state", "conditions.applications.includeApplications", "conditions.clientAppTypes",
            "conditions.users.includeUsers", "grantControls.builtInControls", "grantControls.operator",
        ])
        #expect(planned.requestBody?["displayName"] == "CA002 Block")
        #expect(result.summary.line == "Plan: 1 to create, 0 to update, 0 to delete.")
    }

    @Test func unknownLiveFieldsAreLeftUnchangedAndCarriedInPatch() throws {
        let agentContext: JSONValue = ["includeAgentContexts": ["agentUserSessionsInitiatedFromEndpoints"], "excludeAgentContexts": []]
        let live = Fixture.livePolicy(
            id: "p1", name: "CA001", extraConditions: ["agentContext": agentContext, "times": nil],
            sessionControls: ["blockSensitiveActions": ["isEnabled": true], "persistentBrowser": ["isEnabled": true, "mode": "always"],
                              "signInFrequency": nil, "cloudAppSecurity": nil])
        let same = plan([Fixture.desiredPolicy("CA001")], policies: [live])
        // persistentBrowser is modelled and not declared → an update; the unknown fields are reported.
        let planned = try #require(same.changes.first)
        #expect(planned.leftUnchanged == ["conditions.agentContext", "sessionControls.blockSensitiveActions"])
        #expect(planned.fieldChanges.map(\.path) == ["sessionControls.persistentBrowser.isEnabled", "sessionControls.persistentBrowser.mode"])
        let body = try #require(planned.requestBody)
        #expect(body["conditions"]?["agentContext"] == agentContext)
        #expect(body["sessionControls"] == ["blockSensitiveActions": ["isEnabled": true], "persistentBrowser": nil])
    }

    /// Regression (defects issue, item 1): the resolver writes `"sessionControls": null` for a policy
    /// without session controls; the PATCH used to send that null and wipe a live
    /// `blockSensitiveActions`. Unmodelled members survive at every depth, under null parents too.
    @Test(arguments: [
        ["sessionControls"], ["sessionControls", "networkAccessSecurity"],
    ])
    func anUpdateCarriesUnmodelledMembersUnderADeclaredNull(_ unmodelledPath: [String]) throws {
        let unmodelled: JSONValue = ["isEnabled": true]
        var sessionControls: JSONValue = ["signInFrequency": nil, "persistentBrowser": nil]
        if unmodelledPath.count == 1 {
            sessionControls["blockSensitiveActions"] = unmodelled
        } else {
            sessionControls[unmodelledPath[1]] = unmodelled
        }
        let clientApplications: JSONValue = [
            "includeServicePrincipals": [], "excludeServicePrincipals": [], "servicePrincipalFilter": nil,
            "includeAgentIdServicePrincipals": ["ServicePrincipalsInMyTenant"],
        ]
        let live = Fixture.livePolicy(id: "p1", name: "CA001", extraConditions: ["clientApplications": clientApplications],
                                      sessionControls: sessionControls)
        var desired = Fixture.desiredPolicy("CA001", state: "disabled")
        desired.body["sessionControls"] = .null
        desired.body["conditions"]?["clientApplications"] = .null
        let planned = try #require(plan([desired], policies: [live]).changes.first)
        #expect(planned.action == .update)
        #expect(planned.fieldChanges.map(\.path) == ["state"])
        let body = try #require(planned.requestBody)
        let sentControls = try #require(body["sessionControls"])
        let key = unmodelledPath.count == 1 ? "blockSensitiveActions" : unmodelledPath[1]
        #expect(sentControls[key] == unmodelled)
        #expect(body["conditions"]?["clientApplications"]?["includeAgentIdServicePrincipals"] == ["ServicePrincipalsInMyTenant"])
        #expect(body["conditions"]?["clientApplications"]?["includeServicePrincipals"] == nil)
        // Applying the PATCH as Graph merges it keeps every unmodelled value.
        let after = FakeTenant.merge(live, body)
        #expect(Applier.lostUnmodelledFields(before: live, after: after, kind: .conditionalAccessPolicy) == [])
    }

    @Test func patchClearsModelledFieldsTheConfigurationLeftOut() throws {
        let live = Fixture.livePolicy(
            id: "p1", name: "CA001", excludeGroups: [.string(Fixture.financeGroup)],
            locations: ["includeLocations": ["All"], "excludeLocations": ["AllTrusted"]])
        let result = plan([Fixture.desiredPolicy("CA001")], policies: [live])
        let body = try #require(result.changes.first?.requestBody)
        #expect(body["conditions"]?["locations"] == .null)
        #expect(body["conditions"]?["users"]?["excludeGroups"] == [])
        #expect(body["conditions"]?["clientAppTypes"] == ["all"])
        #expect(body["id"] == nil && body["createdDateTime"] == nil)
    }

    @Test func flagsListsAreSentAsOneString() throws {
        var desired = Fixture.desiredPolicy("CA001")
        desired.body["conditions"]?["insiderRiskLevels"] = ["moderate", "elevated"]
        let result = plan([desired])
        #expect(result.changes.first?.requestBody?["conditions"]?["insiderRiskLevels"] == "moderate,elevated")
        let live = Fixture.livePolicy(id: "p1", name: "CA001", extraConditions: ["insiderRiskLevels": "elevated,moderate"])
        #expect(plan([desired], policies: [live]).changes.first?.action == .noOp)
    }

    @Test func unknownFutureValueInLiveIsWarnedAbout() {
        let live = Fixture.livePolicy(id: "p1", name: "CA001", builtInControls: ["unknownFutureValue"])
        let result = plan([Fixture.desiredPolicy("CA001", builtInControls: ["riskRemediation"])], policies: [live])
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("Prefer: include-unknown-enum-members") })
    }
}

struct OrderingAndLocationTests {
    @Test func executionOrderIsLocationsThenPoliciesThenDeletesInReverse() {
        let result = plan(
            [Fixture.desiredIPLocation("Corporate HQ"), Fixture.desiredPolicy("CA002 New"),
             Fixture.desiredPolicy("CA001", state: "disabled")],
            policies: [Fixture.livePolicy(id: "p1", name: "CA001"), Fixture.livePolicy(id: "p9", name: "CA009 Gone")],
            locations: [Fixture.liveIPLocation(id: "l9", name: "CA Old office", trusted: false)],
            scope: ManagementScope(namePrefix: "CA", prune: true, namedLocationPrefix: "CA"))
        #expect(result.changes.map { "\($0.action.symbol) \($0.displayName)" } == [
            "+ Corporate HQ", "~ CA001", "+ CA002 New", "- CA009 Gone", "- CA Old office",
        ])
        #expect(result.summary == PlanSummary(toCreate: 2, toUpdate: 1, toDelete: 2, unchanged: 0))
    }

    @Test func policiesMayReferToLocationsCreatedInTheSameApply() throws {
        let policy = Fixture.desiredPolicy("CA001", locations: ["includeLocations": ["All"], "excludeLocations": [.string(PendingReference.namedLocation("Corporate HQ"))]])
        let result = plan([Fixture.desiredIPLocation("Corporate HQ"), policy])
        let created = try #require(change(result, "CA001"))
        let excluded = created.fieldChanges.first { $0.path == "conditions.locations.excludeLocations" }
        #expect(excluded?.change == .set(added: [PlanValue(.string(PendingReference.namedLocation("Corporate HQ")), name: "Corporate HQ", isPendingCreation: true)], removed: []))
        // Once the location exists, the placeholder resolves to its id and the policy matches.
        let live = Fixture.livePolicy(id: "p1", name: "CA001", locations: ["includeLocations": ["All"], "excludeLocations": [.string(Fixture.hqLocation)]])
        let later = plan([Fixture.desiredIPLocation("Corporate HQ"), policy], policies: [live], locations: [Fixture.liveIPLocation(id: Fixture.hqLocation, name: "Corporate HQ")])
        #expect(!later.hasChanges)
    }

    @Test func pruneKeepsLocationsStillUsedByAPolicy() {
        let handMade = Fixture.livePolicy(id: "x1", name: "Hand-made", locations: ["includeLocations": ["All"], "excludeLocations": [.string(Fixture.hqLocation)]])
        let locations = [Fixture.liveIPLocation(id: Fixture.hqLocation, name: "CA HQ", trusted: false),
                         Fixture.liveIPLocation(id: "l2", name: "CA Unused", trusted: false)]
        let result = plan([], policies: [handMade], locations: locations, scope: ManagementScope(namePrefix: "CA", prune: true, namedLocationPrefix: "CA"))
        #expect(result.actionableChanges.map(\.displayName) == ["CA Unused"])
        #expect(result.diagnostics.contains { $0.severity == .warning && $0.message.contains("still used by 'Hand-made'; it is not deleted") })
        #expect(!result.hasErrors)
        // A policy this plan deletes or rewrites no longer holds the location.
        let managed = Fixture.livePolicy(id: "p1", name: "CA001", locations: ["includeLocations": ["All"], "excludeLocations": [.string(Fixture.hqLocation)]])
        let rewritten = plan([Fixture.desiredPolicy("CA001")], policies: [managed], locations: locations,
                             scope: ManagementScope(namePrefix: "CA", prune: true, namedLocationPrefix: "CA"))
        #expect(rewritten.actionableChanges.map(\.displayName) == ["CA001", "CA HQ", "CA Unused"])
    }

    @Test func namedLocationDefaultsAndTypes() {
        let live = Fixture.liveIPLocation(id: "l1", name: "HQ", trusted: false)
        var desired = Fixture.desiredIPLocation("HQ")
        desired.body["isTrusted"] = nil
        #expect(plan([desired], locations: [live]).changes.first?.action == .noOp)
        let moved = plan([Fixture.desiredIPLocation("HQ", cidr: "198.51.100.0/24", trusted: false)], locations: [live])
        #expect(moved.changes.first?.fieldChanges.map(\.path) == ["ipRanges"])
    }
}

struct ExitCodeTests {
    @Test(arguments: [
        (false, false, false, Int32(0)), (false, false, true, 0), (true, false, false, 0), (true, false, true, 2),
        (false, true, false, 1), (true, true, true, 1),
    ])
    func exitCode(hasChanges: Bool, hasErrors: Bool, detailed: Bool, expected: Int32) {
        let change = PlannedChange(kind: .conditionalAccessPolicy, displayName: "P", id: nil, action: hasChanges ? .create : .noOp, reason: .declaredNotInTenant)
        let plan = Plan(changes: [change], diagnostics: hasErrors ? [.error("boom")] : [.warning("careful")])
        #expect(plan.exitCode(detailed: detailed) == expected)
    }
}

struct MissingControlsTests {
    /// A declared policy without controls plans only against a live policy holding controls the
    /// language does not model; anything else is the error Graph would give.
    @Test func aPolicyWithoutControlsNeedsALiveOneHoldingUnmodelledControls() {
        var desired = Fixture.desiredPolicy("CA001", builtInControls: [])
        desired.pinnedId = "p1"
        let unmodelled = Fixture.livePolicy(id: "p1", name: "CA001", builtInControls: [], sessionControls: ["blockSensitiveActions": ["isEnabled": true]])
        let kept = Planner().plan(desired: [desired], snapshot: TenantSnapshot(policies: [unmodelled], directoryNames: Fixture.names),
                                  scope: ManagementScope())
        #expect(!kept.hasErrors, "\(kept.diagnostics)")
        #expect(!kept.hasChanges, "\(kept.actionableChanges.map(\.fieldChanges))")

        let bare = Fixture.livePolicy(id: "p1", name: "CA001", builtInControls: [])
        let refused = Planner().plan(desired: [desired], snapshot: TenantSnapshot(policies: [bare], directoryNames: Fixture.names),
                                     scope: ManagementScope())
        #expect(refused.diagnostics.contains { $0.severity == .error && $0.message.contains("neither has the tenant's policy") })
        let created = Planner().plan(desired: [Fixture.desiredPolicy("CA002", builtInControls: [])], snapshot: TenantSnapshot(),
                                     scope: ManagementScope())
        #expect(created.diagnostics.contains { $0.severity == .error && $0.message.contains("has no grantControls or sessionControls; Graph requires one") })
    }
}

struct DriftTests {
    @Test func classifiesChangedMissingUnmanagedAndDangling() {
        let snapshot = TenantSnapshot(
            policies: [
                Fixture.livePolicy(id: "p1", name: "CA001", state: "disabled"),
                Fixture.livePolicy(id: "p3", name: "CA003 Stray", excludeGroups: ["dead0000-1111-4222-8333-944455556666"]),
            ],
            directoryNames: Fixture.names)
        let report = Planner().drift(
            desired: [Fixture.desiredPolicy("CA001"), Fixture.desiredPolicy("CA002")], snapshot: snapshot,
            scope: ManagementScope(namePrefix: "CA"))
        #expect(report.entries.map { "\($0.category.rawValue) \($0.displayName)" } == [
            "changed CA001", "missing CA002", "unmanagedInScope CA003 Stray", "danglingReferences CA003 Stray",
        ])
        #expect(report.entries.last?.fieldChanges.first?.path == "conditions.users.excludeGroups")
        #expect(report.exitCode == 2)
        #expect(Planner().drift(desired: [], snapshot: TenantSnapshot(), scope: ManagementScope()).exitCode == 0)
    }

    /// A first-party application without a service principal is a valid target, not a dangling
    /// reference; an appId nobody knows is.
    @Test func firstPartyAppsAreNotDanglingButUnknownAppIdsAre() {
        let applications: JSONValue = ["includeApplications": ["All"],
                                       "excludeApplications": ["0000000c-0000-0000-c000-000000000000", "dead0000-1111-4222-8333-9444555566aa"]]
        let snapshot = TenantSnapshot(
            policies: [Fixture.livePolicy(id: "p3", name: "CA003 Stray", extraConditions: ["applications": applications])],
            directoryNames: Fixture.names)
        let report = Planner().drift(desired: [], snapshot: snapshot, scope: ManagementScope(namePrefix: "CA"))
        let dangling = report.entries.first { $0.category == .danglingReferences }
        #expect(dangling?.fieldChanges.map(\.path) == ["conditions.applications.excludeApplications"])
        guard case .set(_, let removed)? = dangling?.fieldChanges.first?.change else {
            Issue.record("expected a set change: \(String(describing: dangling))")
            return
        }
        #expect(removed.map(\.value) == ["dead0000-1111-4222-8333-9444555566aa"])
    }
}

struct RequestBodyTests {
    @Test func createBodyIsInGraphWriteForm() throws {
        var desired = Fixture.desiredPolicy("CA400 Guests")
        desired.body["conditions"]?["users"] = [
            "includeGuestsOrExternalUsers": ["guestOrExternalUserTypes": ["internalGuest", "b2bCollaborationGuest"], "externalTenants": ["membershipKind": "all"]],
        ]
        desired.body["grantControls"] = ["authenticationStrength": ["id": "s1", "displayName": "Phishing-resistant MFA"]]
        desired.body["sessionControls"] = ["persistentBrowser": ["mode": "never"], "continuousAccessEvaluation": ["mode": "strictLocation"]]
        let body = try #require(Planner().plan(desired: [desired], snapshot: TenantSnapshot(), scope: ManagementScope()).changes.first?.requestBody)
        #expect(body["conditions"]?["users"]?["includeGuestsOrExternalUsers"] == [
            "guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
            "externalTenants": ["membershipKind": "all", "@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants"],
        ])
        #expect(body["grantControls"]?["authenticationStrength"] == ["id": "s1"])
        #expect(body["sessionControls"] == ["persistentBrowser": ["mode": "never", "isEnabled": true], "continuousAccessEvaluation": ["mode": "strictLocation"]])
    }

    /// Regression (chaos suite, seed 7199373761538226342): turning a persistent browser session off
    /// sent `{isEnabled: false}`; Graph merges nested objects, so `mode: always` stayed and every plan
    /// after the apply showed the same update. A modelled member the declaration leaves out is sent
    /// cleared; a member entraform does not model (an authentication strength's name) is not.
    @Test func anObjectSentWholeClearsTheModelledMembersItLeavesOut() {
        let live: JSONValue = ["sessionControls": ["persistentBrowser": ["isEnabled": true, "mode": "always"]],
                               "grantControls": ["operator": "OR", "authenticationStrength": ["id": "s1", "displayName": "Phishing-resistant MFA"]]]
        let wire: JSONValue = ["sessionControls": ["persistentBrowser": ["isEnabled": false]],
                               "grantControls": ["operator": "OR", "authenticationStrength": ["id": "s1"]]]
        let body = RequestBodies.patchBody(wire: wire, live: live, desiredNormalized: wire, kind: .conditionalAccessPolicy)
        #expect(body["sessionControls"]?["persistentBrowser"] == ["isEnabled": false, "mode": .null])
        #expect(body["grantControls"]?["authenticationStrength"] == ["id": "s1"])
    }
}
