import Foundation
import PolicyModel
import Reconciliation

/// Renders a plan as JSON for other tools. The shape is a contract, versioned by `formatVersion`:
///
/// ```
/// {
///   "formatVersion": 1,
///   "summary": {"create": 2, "update": 1, "delete": 0, "unchanged": 5},
///   "hasChanges": true,
///   "hasErrors": false,
///   "changes": [                                  // execution order; no-ops included
///     {
///       "action": "create" | "update" | "delete" | "no-op",
///       "kind": "conditionalAccessPolicy" | "namedLocation",
///       "displayName": "CA001 Require MFA",
///       "id": "7d1f…" | null,                     // live id; null for a create
///       "reason": "differs from the tenant in 1 field",
///       "reasonCode": {"differsFromTenant": {"fields": 1, "pinnedId": false}},   // the reason as data
///       "liveFingerprint": "<sha-256 hex>" | null,   // of the live object planned against (apply refuses if it changed)
///       "location": {"file": "policies/ca001.yaml", "line": 1, "column": 1} | null,
///       "fieldChanges": [
///         {"path": "conditions.users.excludeGroups", "added": [VALUE…], "removed": [VALUE…]},   // set-valued
///         {"path": "state", "before": VALUE | null, "after": VALUE | null}                    // single value
///       ],
///       "leftUnchanged": ["conditions.agents"],  // live fields entraform does not model
///       "requestBody": {…} | null,               // the POST/PATCH body
///       "attribution": {as in the drift JSON}    // present when someone changed the object outside entraform
///     }
///   ],
///   "diagnostics": [{"severity": "error" | "warning" | "note", "message": "…", "suggestion": "…" | null, "code": "EF203" | null,
///                    "location": {"file": …, "line": …, "column": …} | null}],
///   "liveStateDigest": "<sha-256 hex>",
///   "planDigest": "<sha-256 hex>",
///   "tenantId": "<the tenant the plan was made against>",  // absent when made without a tenant
///   "scenarios": [{"name", "signIn", "changed": bool, "before": OUTCOME, "after": OUTCOME,
///                  "reportOnlyAfter": OUTCOME, "missingInputs": […]}],  // absent without Settings scenarios
///   "rollouts": [{"displayName", "id", "stage": STAGE, "target": STAGE, "decision": "<sentence>",
///                 "verdict": {"start"|"advance"|"complete": {}} | {"hold": {"_0": REASON}} | {"rollback": {"rate", "limit"}},
///                 "evidence": {"stageStart", "stageStartSource", "secondsInStage", "evaluated", "failing", "interrupted",
///                              "failingUsers", "topApplications": [{"application", "signIns"}], "complete"} | null,
///                 "evidenceSummary": "<sentence>" | null, "gate": {"requiredSeconds", "minimumSignIns", "maxFailureRate", "rollbackAbove"}}],
///              // absent without rollout policies; STAGE = absent | disabled | reportOnly | pilot | enforced
///   "impact": {"usersEvaluated": N, "userClasses": N, "servicePrincipalsEvaluated": N, "affectedUsers": N, "notes": […],
///              "changes": [{"enforcement": "enforced" | "reportOnly", "before": OUTCOME, "after": OUTCOME,
///                           "subjectKind": "user" | "servicePrincipal", "userCount": N, "users": [UPN…],
///                           "context": {"application": […], "platform": […], "location": […], …},
///                           "excludedContext": {"platform": [the values "platform" leaves out], …}}]}  // absent with --no-impact
/// }
/// OUTCOME = {"blocked": bool, "blockingPolicies": […], "clauses": [["mfa"], ["compliantDevice", "compliantApplication"]],
///            "sessionControls": ["sign-in frequency 4 hours", …]}
/// A context key left out means any value of it.
/// VALUE = {"value": <JSON>, "name": "CA-BreakGlass" | null, "unresolvedReference": false, "pendingCreation": false}
/// ```
/// Keys are sorted; new keys may be added within a format version, never removed or changed.
public struct JSONPlanRenderer: Sendable {
    public static let formatVersion = 1

    public init() {}

    /// The document as a value.
    public func document(_ plan: Plan) -> JSONValue {
        let summary = plan.summary
        var document: JSONValue = [
            "formatVersion": .number(Double(Self.formatVersion)),
            "summary": ["create": .number(Double(summary.toCreate)), "update": .number(Double(summary.toUpdate)),
                        "delete": .number(Double(summary.toDelete)), "unchanged": .number(Double(summary.unchanged))],
            "hasChanges": .bool(plan.hasChanges),
            "hasErrors": .bool(plan.hasErrors),
            "changes": .array(plan.changes.map(change)),
            "diagnostics": .array(plan.diagnostics.map(Self.diagnostic)),
            "liveStateDigest": .string(plan.liveStateDigest),
            "planDigest": .string(plan.contentDigest),
        ]
        // The tenant the plan was made against, when it was made against one (not in offline tests).
        if let tenantId = plan.tenantId { document["tenantId"] = .string(tenantId) }
        func outcome(_ outcome: ScenarioOutcome.Outcome) -> JSONValue {
            ["blocked": .bool(outcome.blocked), "blockingPolicies": .array(outcome.blockingPolicies.map(JSONValue.string)),
             "clauses": .array(outcome.clauses.map { .array($0.map(JSONValue.string)) }),
             "sessionControls": .array(outcome.sessionControls.map(JSONValue.string))]
        }
        if let impact = plan.impact {
            document["impact"] = [
                "usersEvaluated": .number(Double(impact.usersEvaluated)), "userClasses": .number(Double(impact.userClasses)),
                "servicePrincipalsEvaluated": .number(Double(impact.servicePrincipalsEvaluated)),
                "affectedUsers": .number(Double(impact.affectedUsers)), "notes": .array(impact.notes.map(JSONValue.string)),
                "changes": .array(impact.changes.map { change in
                    ["enforcement": .string(change.enforcement), "before": outcome(change.before), "after": outcome(change.after),
                     "subjectKind": .string(change.subjectKind), "userCount": .number(Double(change.userCount)),
                     "users": .array(change.users.map(JSONValue.string)),
                     "context": .object(change.context.mapValues { .array($0.map(JSONValue.string)) }),
                     "excludedContext": .object(change.excludedContext.mapValues { .array($0.map(JSONValue.string)) })]
                }),
            ]
        }
        if let rollouts = plan.rollouts {
            func encoded(_ value: some Encodable) -> JSONValue { (try? JSONValue.parse(JSONEncoder().encode(value))) ?? .null }
            document["rollouts"] = .array(rollouts.map { decision in
                ["displayName": .string(decision.displayName), "id": decision.id.map(JSONValue.string) ?? .null,
                 "stage": .string(decision.stage.rawValue), "target": .string(decision.target.rawValue),
                 "decision": .string(Display.rolloutVerdict(decision)), "verdict": encoded(decision.verdict),
                 "evidence": decision.evidence.map(encoded) ?? .null, "evidenceSummary": Display.rolloutEvidence(decision).map(JSONValue.string) ?? .null,
                 "gate": encoded(decision.gate)]
            })
        }
        if let scenarios = plan.scenarios {
            document["scenarios"] = .array(scenarios.map { scenario in
                ["name": .string(scenario.name), "signIn": .string(scenario.signIn), "changed": .bool(scenario.changed),
                 "before": outcome(scenario.before), "after": outcome(scenario.after), "reportOnlyAfter": outcome(scenario.reportOnlyAfter),
                 "missingInputs": .array(scenario.missingInputs.map(JSONValue.string))]
            })
        }
        return document
    }

    /// Pretty-printed JSON with sorted keys, ending with a newline.
    public func render(_ plan: Plan) -> String { document(plan).serializedString(pretty: true) + "\n" }

    private func change(_ change: PlannedChange) -> JSONValue {
        var object: JSONValue = [
            "action": .string(change.action.rawValue),
            "kind": .string(change.kind.rawValue),
            "displayName": .string(change.displayName),
            "id": change.id.map(JSONValue.string) ?? .null,
            "reason": .string(Display.phrase(change.reason)),
            "reasonCode": (try? JSONValue.parse(JSONEncoder().encode(change.reason))) ?? .null,
            "liveFingerprint": change.liveFingerprint.map(JSONValue.string) ?? .null,
            "location": change.location.map(Self.location) ?? .null,
            "fieldChanges": .array(change.fieldChanges.map(Self.fieldChange)),
            "leftUnchanged": .array(change.leftUnchanged.map(JSONValue.string)),
            "requestBody": change.requestBody ?? .null,
        ]
        if let attribution = change.attribution { object["attribution"] = JSONDriftRenderer.attribution(attribution) }
        return object
    }

    static func fieldChange(_ field: FieldChange) -> JSONValue {
        switch field.change {
        case .set(let added, let removed):
            ["path": .string(field.path), "added": .array(added.map(value)), "removed": .array(removed.map(value))]
        case .value(let before, let after):
            ["path": .string(field.path), "before": before.map(value) ?? .null, "after": after.map(value) ?? .null]
        }
    }

    static func value(_ value: PlanValue) -> JSONValue {
        [
            "value": value.value, "name": value.name.map(JSONValue.string) ?? .null,
            "unresolvedReference": .bool(value.isUnresolvedReference), "pendingCreation": .bool(value.isPendingCreation),
        ]
    }

    static func location(_ location: SourceLocation) -> JSONValue {
        ["file": .string(location.file), "line": .number(Double(location.line)), "column": .number(Double(location.column))]
    }

    static func diagnostic(_ diagnostic: Diagnostic) -> JSONValue {
        [
            "severity": .string(diagnostic.severity.rawValue), "message": .string(diagnostic.message),
            "suggestion": diagnostic.suggestion.map(JSONValue.string) ?? .null, "code": diagnostic.code.map(JSONValue.string) ?? .null,
            "location": diagnostic.location.map(location) ?? .null,
        ]
    }
}
