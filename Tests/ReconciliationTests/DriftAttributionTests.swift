import Foundation
import PlanRendering
import PolicyModel
import Reconciliation
import Testing

/// ``DriftAttributor``: the newest write after entraform's own, inside the 30-day window, never entraform's.
@Suite("drift attribution")
struct DriftAttributorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z
    static let own = AuditIdentity(appId: "entraform-app", servicePrincipalId: "entraform-sp")

    static func audit(_ id: String, _ activity: String, at: String, target: String, name: String = "P",
                      user: String? = nil, app: String? = nil, appId: String = "other-app") -> JSONValue {
        let initiatedBy: JSONValue = user.map { ["user": ["id": "u-1", "userPrincipalName": .string($0)], "app": .null] }
            ?? ["app": ["appId": .string(appId), "displayName": .string(app ?? "?"), "servicePrincipalId": .string("sp-\(appId)")], "user": .null]
        return ["id": .string(id), "activityDisplayName": .string(activity), "activityDateTime": .string(at), "initiatedBy": initiatedBy,
                "targetResources": [["id": .string(target), "displayName": .string(name), "type": "Policy"]]]
    }

    static func report(_ entries: [DriftEntry]) -> DriftReport { DriftReport(entries: entries) }

    @Test func theNewestWriteAfterEntraformsOwnInTheWindow() {
        let report = Self.report([
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "A", id: "a", category: .changed),
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "B", id: "B", category: .unmanagedInScope),
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "C", id: "c", category: .changed),
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "D", id: "d", category: .changed),
            DriftEntry(kind: .namedLocation, displayName: "Office", id: nil, category: .missing),
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "A", id: "a", category: .danglingReferences),
        ])
        let audits: [JSONValue] = [
            Self.audit("a-2", "Update conditional access policy", at: "2027-01-14T10:00:00.1234567Z", target: "a", user: "alice@contoso.com"),
            Self.audit("a-1", "Update conditional access policy", at: "2027-01-13T10:00:00Z", target: "a", app: "Legacy script"),
            Self.audit("b-1", "Add conditional access policy", at: "2027-01-10T10:00:00Z", target: "b", app: "Legacy script"),
            // c: entraform wrote last (its service principal): nobody else is blamed.
            Self.audit("c-2", "Update conditional access policy", at: "2027-01-14T10:00:00Z", target: "c", app: "entraform",
                       appId: "entraform-app"),
            Self.audit("c-1", "Update conditional access policy", at: "2027-01-12T10:00:00Z", target: "c", user: "bob@contoso.com"),
            // d: older than 30 days.
            Self.audit("d-1", "Update conditional access policy", at: "2026-12-01T10:00:00Z", target: "d", user: "bob@contoso.com"),
            Self.audit("o-1", "Delete named location", at: "2027-01-11T10:00:00Z", target: "loc-1", name: "office", user: "carol@contoso.com"),
            // Same id, another kind: not this policy's.
            Self.audit("x-1", "Update named location", at: "2027-01-15T07:00:00Z", target: "a", user: "mallory@contoso.com"),
        ]
        let attributed = DriftAttributor.attribute(report, audits: audits, own: Self.own, now: Self.now)
        let who = attributed.entries.map { $0.attribution?.auditId }
        #expect(who == ["a-2", "b-1", nil, nil, "o-1", nil])
        #expect(attributed.attributionWindowDays == 30)
        let a = attributed.entries[0].attribution
        #expect(a?.sentence == "changed by alice@contoso.com at 2027-01-14 10:00 UTC (Update conditional access policy)")
        #expect(attributed.entries[1].attribution?.sentence == "created by application 'Legacy script' at 2027-01-10 10:00 UTC (Add conditional access policy)")
        #expect(attributed.entries[1].attribution?.appId == "other-app")
        #expect(attributed.entries[4].attribution?.verb == "deleted")

        let text = TextDriftRenderer().render(attributed)
        #expect(text.contains("    # changed by alice@contoso.com at 2027-01-14 10:00 UTC (Update conditional access policy)"), "\(text)")
        #expect(text.contains("    # no audit record in the last 30 days"), "\(text)")
        let json = JSONDriftRenderer().document(attributed)
        #expect(json["entries"]?.arrayValue?[0]["attribution"] == [
            "auditId": "a-2", "actor": "alice@contoso.com", "actorKind": "user", "activity": "Update conditional access policy",
            "at": "2027-01-14T10:00:00.1234567Z", "userId": "u-1",
        ])
        #expect(json["entries"]?.arrayValue?[2]["attribution"] == .null)
        #expect(json["attributionWindowDays"] == 30)
        // Not looked up: nothing said.
        #expect(!TextDriftRenderer().render(report).contains("audit record"))
        #expect(!MarkdownPlanRenderer().render(report).contains("Who"))
    }

    @Test func whatIsLookedUp() {
        let report = Self.report([
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "A", id: "a", category: .changed),
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "A", id: "a", category: .danglingReferences),
            DriftEntry(kind: .conditionalAccessPolicy, displayName: "N", id: nil, category: .missing),
        ])
        #expect(DriftAttributor.targetIds(report) == ["a"])
        #expect(DriftAttributor.deleteActivities(report) == ["Delete conditional access policy"])
    }
}
