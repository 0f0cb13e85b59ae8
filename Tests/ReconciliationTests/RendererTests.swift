import PlanRendering
import PolicyModel
import Reconciliation
import Testing

/// A small plan touching every renderer feature: create with a pending location reference, update
/// with names, a dangling id and an unmodelled field, delete, a warning.
func samplePlan() -> Plan {
    let live = [
        Fixture.livePolicy(
            id: "11111111-aaaa-4bbb-8ccc-000000000001", name: "CA001 Require MFA",
            excludeGroups: [.string(Fixture.financeGroup), "dead0000-1111-4222-8333-944455556666"],
            extraConditions: ["agents": ["includeAgentUsers": ["All"]]]),
        Fixture.livePolicy(id: "99999999-aaaa-4bbb-8ccc-000000000009", name: "CA009 Legacy"),
        Fixture.livePolicy(id: "m0000000-aaaa-4bbb-8ccc-000000000000", name: "CA Microsoft-managed", templateId: "4200930c-0da2-4e33-ca01-300000000011"),
    ]
    let desired = [
        Fixture.desiredIPLocation("CA Corporate HQ"),
        Fixture.desiredPolicy("CA001 Require MFA", state: "enabledForReportingButNotEnforced", excludeGroups: [.string(Fixture.breakGlassGroup)]),
        Fixture.desiredPolicy("CA002 Block outside HQ", builtInControls: ["block"],
                              locations: ["includeLocations": ["All"], "excludeLocations": [.string(PendingReference.namedLocation("CA Corporate HQ"))]]),
    ]
    return Planner().plan(
        desired: desired, snapshot: TenantSnapshot(policies: live, directoryNames: Fixture.names),
        scope: ManagementScope(namePrefix: "CA", prune: true))
}

struct RendererTests {
    @Test func text() { assertGolden(TextPlanRenderer().render(samplePlan()), named: "plan.txt") }

    @Test func markdown() { assertGolden(MarkdownPlanRenderer().render(samplePlan()), named: "plan.md") }

    @Test func json() { assertGolden(JSONPlanRenderer().render(samplePlan()), named: "plan.json") }

    @Test func colourOnlyWhenAsked() {
        let plain = TextPlanRenderer(useColor: false).render(samplePlan())
        let coloured = TextPlanRenderer(useColor: true).render(samplePlan())
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}[32m+ named location \"CA Corporate HQ\"\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[31m- CA009") == false)  // deletes are coloured as a whole line
        #expect(coloured.contains("\u{1B}[31m- conditional access policy \"CA009 Legacy\""))
    }

    @Test func summaryLineAndNoChanges() {
        #expect(TextPlanRenderer().render(samplePlan()).hasSuffix("Plan: 2 to create, 1 to update, 1 to delete.\n"))
        let empty = Plan()
        #expect(TextPlanRenderer().render(empty) == "No changes. The tenant matches the configuration.\n")
        #expect(MarkdownPlanRenderer().render(empty).hasPrefix("<!-- entraform-plan -->\n### entraform plan: no changes"))
    }

    @Test func errorsReplaceThePlan() {
        let plan = Plan(changes: samplePlan().changes, diagnostics: [.error("unknown group 'Finanse'", at: SourceLocation(file: "policies/a.yaml", line: 3, column: 7), suggestion: "did you mean 'Finance'?")])
        let text = TextPlanRenderer().render(plan)
        #expect(text == "policies/a.yaml:3:7: error: unknown group 'Finanse'; did you mean 'Finance'?\n\nPlan failed: 1 error; nothing can be applied.\n")
        #expect(MarkdownPlanRenderer().render(plan).contains("❌ policies/a.yaml:3:7: error: unknown group 'Finanse'; did you mean 'Finance'?"))
    }

    @Test func markdownStaysUnderTheLimitWithANote() {
        var plan = samplePlan()
        let many = (0..<400).map { index in
            PlannedChange(kind: .conditionalAccessPolicy, displayName: "CA\(index) policy with a long name to fill space", id: nil, action: .create,
                          reason: .declaredNotInTenant,
                          fieldChanges: [FieldChange(path: "conditions.users.includeUsers", change: .set(added: (0..<10).map { PlanValue(.string("user-\($0)")) }, removed: []))])
        }
        plan.changes += many
        let limit = 65_536
        let full = MarkdownPlanRenderer(characterLimit: 10_000_000).render(plan)
        #expect(full.unicodeScalars.count > limit)
        let text = MarkdownPlanRenderer(characterLimit: limit).render(plan)
        #expect(text.unicodeScalars.count <= limit)
        #expect(text.hasPrefix(MarkdownPlanRenderer.marker))
        #expect(text.contains("Output truncated to stay under GitHub's comment limit"))
        #expect(text.hasSuffix("**Plan: 402 to create, 1 to update, 1 to delete.**\n"))
    }

    @Test func jsonDocumentShape() throws {
        let document = JSONPlanRenderer().document(samplePlan())
        #expect(document["formatVersion"] == 1)
        #expect(document["summary"] == ["create": 2, "update": 1, "delete": 1, "unchanged": 0])
        let changes = try #require(document["changes"]?.arrayValue)
        #expect(changes.map { $0["action"]?.stringValue ?? "" } == ["create", "update", "create", "delete"])
        let update = changes[1]
        let groups = update["fieldChanges"]?.arrayValue?.first { $0["path"] == "conditions.users.excludeGroups" }
        #expect(groups?["added"] == [["value": .string(Fixture.breakGlassGroup), "name": "CA-BreakGlass", "unresolvedReference": false, "pendingCreation": false]])
        #expect(update["leftUnchanged"] == ["conditions.agents"])
    }
}

struct DriftAndApplyRendererTests {
    private func report() -> DriftReport {
        Planner().drift(
            desired: [Fixture.desiredPolicy("CA001", excludeGroups: [.string(Fixture.breakGlassGroup)]), Fixture.desiredPolicy("CA002")],
            snapshot: TenantSnapshot(
                policies: [Fixture.livePolicy(id: "p1", name: "CA001"), Fixture.livePolicy(id: "p3", name: "CA003", excludeGroups: ["dead0000-1111-4222-8333-944455556666"])],
                directoryNames: Fixture.names),
            scope: ManagementScope(namePrefix: "CA"))
    }

    @Test func driftText() {
        #expect(TextDriftRenderer().render(report()) == """
            Drift found in 3 objects:

            ~ conditional access policy "CA001" (p1)
                # changed outside entraform
                conditions.users.excludeGroups  + CA-BreakGlass (2e1f3c4a…)

            + conditional access policy "CA002"
                # declared but missing from the tenant

            ? conditional access policy "CA003" (p3)
                # in scope but not declared

            ! conditional access policy "CA003" (p3)
                # refers to objects that no longer exist
                conditions.users.excludeGroups  - dead0000-1111-4222-8333-944455556666 (not found in the directory)

            """)
        #expect(TextDriftRenderer().render(DriftReport()) == "No drift. The tenant matches the configuration.\n")
    }

    @Test func driftMarkdown() {
        let markdown = MarkdownPlanRenderer().render(report())
        #expect(markdown.hasPrefix("<!-- entraform-drift -->\n### entraform drift: 3 objects drifted\n"))
        #expect(markdown.contains("| `~` | changed outside entraform | conditional access policy | CA001 `p1` |"))
        #expect(markdown.contains("| `!` | refers to objects that no longer exist | conditional access policy | CA003 `p3` |"))
        #expect(markdown.contains("<details><summary><code>~</code> changed outside entraform conditional access policy <b>CA001</b>"))
        #expect(markdown.contains("+ conditions.users.excludeGroups: CA-BreakGlass"))
        // Objects without field changes get a table row and no details.
        #expect(!markdown.contains("<b>CA002</b>"))
        #expect(MarkdownPlanRenderer().render(DriftReport()).contains("### entraform drift: none"))
        let small = MarkdownPlanRenderer(characterLimit: 400).render(report())
        #expect(small.unicodeScalars.count <= 400)
    }

    @Test func driftJSON() {
        let document = JSONDriftRenderer().document(report())
        #expect(document["formatVersion"] == 1)
        #expect(document["hasDrift"] == true)
        #expect(document["entries"]?.arrayValue?.map { $0["category"]?.stringValue ?? "" } == ["changed", "missing", "unmanagedInScope", "danglingReferences"])
    }

    @Test func applyReport() {
        func step(_ name: String, _ action: PlanAction, _ status: ApplyReport.Status, _ verification: ApplyReport.Verification = .notChecked) -> ApplyReport.Step {
            ApplyReport.Step(kind: .conditionalAccessPolicy, displayName: name, action: action, id: action == .create ? nil : "id-\(name)",
                             status: status, requestId: nil, verification: verification)
        }
        let report = ApplyReport(refusals: [], steps: [
            step("A", .update, .done, .verified), step("B", .update, .failed("400 BadRequest: 1007"), .notChecked), step("C", .create, .notAttempted),
        ])
        #expect(TextApplyReportRenderer().render(report) == """
            Done:
              ~ conditional access policy "A" (id-A)
            Failed:
              ~ conditional access policy "B" (id-B): 400 BadRequest: 1007
            Not attempted:
              + conditional access policy "C"
            Apply incomplete: 1 done, 1 failed, 1 not attempted. Re-running converges.

            """)
        #expect(TextApplyReportRenderer().render(ApplyReport(refusals: ["x changed"], steps: [])) == "Apply refused; nothing was changed:\n  - x changed\n")
        #expect(TextApplyReportRenderer().progressLine(step("B", .update, .failed("boom"))) == "~ conditional access policy \"B\": failed: boom")
    }
}
