import Foundation
import PolicyModel
import Reconciliation

/// Why a saved plan cannot be used.
public enum SavedPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String)
    case unsupportedFormatVersion(Int)
    /// The plan's content no longer matches the digest recorded when it was saved: it was edited.
    case digestMismatch(recorded: String, actual: String)

    public var description: String {
        switch self {
        case .unreadable(let reason): "the saved plan cannot be read: \(reason)"
        case .unsupportedFormatVersion(let version): "the saved plan has format version \(version); this entraform reads version \(SavedPlan.currentFormatVersion)"
        case .digestMismatch(let recorded, let actual):
            "the saved plan was modified after it was made (digest \(recorded.prefix(12))…, content now hashes to \(actual.prefix(12))…)"
        }
    }
}

/// A plan written to a file by `plan --out` and read back by `apply PLANFILE`: the very document
/// `plan --format json` prints (``JSONPlanRenderer``), whose changes carry their live fingerprints
/// and reason codes, so one JSON contract serves reviewers' tools and `apply`.
///
/// Reading rebuilds the ``Plan`` from the document and recomputes ``Plan/contentDigest``: an
/// edited file is refused. The plan carries ``Plan/liveStateDigest``, per-object live fingerprints
/// and its tenant, so ``Applier`` refuses when the tenant changed, or is another one. The digest
/// detects edits; it does not authenticate the author.
public struct SavedPlan: Sendable {
    public static let currentFormatVersion = JSONPlanRenderer.formatVersion

    public var plan: Plan

    public init(_ plan: Plan) { self.plan = plan }

    /// The file contents: the JSON plan document, pretty, keys sorted.
    public func encoded() -> Data { Data(JSONPlanRenderer().render(plan).utf8) }

    /// Reads a saved plan (a `plan --format json` document) and checks its digest.
    public static func decode(_ data: Data) throws(SavedPlanError) -> Plan {
        let document: JSONValue
        do { document = try JSONValue.parse(data) } catch { throw .unreadable(String(describing: error)) }
        guard let version = document["formatVersion"]?.intValue else { throw .unreadable("no formatVersion: not a plan saved by `entraform plan`") }
        guard version == currentFormatVersion else { throw .unsupportedFormatVersion(version) }
        guard let recorded = document["planDigest"]?.stringValue else { throw .unreadable("no planDigest") }
        let plan: Plan
        do { plan = try Reading.plan(document) } catch { throw .unreadable(error.description) }
        let actual = plan.contentDigest
        guard actual == recorded else { throw .digestMismatch(recorded: recorded, actual: actual) }
        return plan
    }

    /// The inverse of ``JSONPlanRenderer/document(_:)``.
    private enum Reading {
        struct Failure: Error, CustomStringConvertible { var description: String }

        static func plan(_ document: JSONValue) throws(Failure) -> Plan {
            var changes: [PlannedChange] = []
            for item in document["changes"]?.arrayValue ?? [] { changes.append(try change(item)) }
            var diagnostics: [Diagnostic] = []
            for item in document["diagnostics"]?.arrayValue ?? [] { diagnostics.append(try diagnostic(item)) }
            var plan = Plan(changes: changes, diagnostics: diagnostics, liveStateDigest: document["liveStateDigest"]?.stringValue ?? "",
                            tenantId: document["tenantId"]?.stringValue)
            if let scenarios = document["scenarios"]?.arrayValue {
                var read: [ScenarioOutcome] = []
                for item in scenarios { read.append(try scenario(item)) }
                plan.scenarios = read
            }
            if let impact = document["impact"], !impact.isNull { plan.impact = try self.impact(impact) }
            return plan
        }

        static func outcome(_ value: JSONValue?) throws(Failure) -> ScenarioOutcome.Outcome {
            guard let value, let blocked = value["blocked"]?.boolValue else { throw Failure(description: "an outcome lacks 'blocked'") }
            return ScenarioOutcome.Outcome(blocked: blocked, blockingPolicies: value["blockingPolicies"]?.stringArray ?? [],
                                           clauses: (value["clauses"]?.arrayValue ?? []).map { $0.stringArray ?? [] },
                                           sessionControls: value["sessionControls"]?.stringArray ?? [])
        }

        static func impact(_ json: JSONValue) throws(Failure) -> PlanImpact {
            var changes: [PlanImpact.Change] = []
            for item in json["changes"]?.arrayValue ?? [] {
                guard let enforcement = item["enforcement"]?.stringValue, let kind = item["subjectKind"]?.stringValue else {
                    throw Failure(description: "an impact change lacks its enforcement or subject kind")
                }
                func lists(_ value: JSONValue?) -> [String: [String]] { (value?.objectValue ?? [:]).mapValues { $0.stringArray ?? [] } }
                changes.append(PlanImpact.Change(enforcement: enforcement, before: try outcome(item["before"]), after: try outcome(item["after"]),
                                                 subjectKind: kind, users: item["users"]?.stringArray ?? [], context: lists(item["context"]),
                                                 excludedContext: lists(item["excludedContext"])))
            }
            return PlanImpact(changes: changes, usersEvaluated: json["usersEvaluated"]?.intValue ?? 0, userClasses: json["userClasses"]?.intValue ?? 0,
                              servicePrincipalsEvaluated: json["servicePrincipalsEvaluated"]?.intValue ?? 0, notes: json["notes"]?.stringArray ?? [])
        }

        static func scenario(_ json: JSONValue) throws(Failure) -> ScenarioOutcome {
            guard let name = json["name"]?.stringValue, let signIn = json["signIn"]?.stringValue else {
                throw Failure(description: "a scenario lacks its name or sign-in")
            }
            return ScenarioOutcome(name: name, signIn: signIn, before: try outcome(json["before"]), after: try outcome(json["after"]),
                                   reportOnlyAfter: try outcome(json["reportOnlyAfter"]), missingInputs: json["missingInputs"]?.stringArray ?? [])
        }

        static func change(_ json: JSONValue) throws(Failure) -> PlannedChange {
            guard let action = json["action"]?.stringValue.flatMap(PlanAction.init(rawValue:)),
                  let kind = json["kind"]?.stringValue.flatMap(ObjectKind.init(rawValue:)),
                  let displayName = json["displayName"]?.stringValue,
                  let codeJSON = json["reasonCode"], let code = try? JSONDecoder().decode(ChangeReason.self, from: codeJSON.serialized())
            else { throw Failure(description: "a change lacks its action, kind, displayName or reasonCode") }
            var fields: [FieldChange] = []
            for item in json["fieldChanges"]?.arrayValue ?? [] { fields.append(try fieldChange(item)) }
            let body = json["requestBody"].flatMap { $0.isNull ? nil : $0 }
            return PlannedChange(
                kind: kind, displayName: displayName, id: json["id"]?.stringValue, action: action, reason: code, fieldChanges: fields,
                leftUnchanged: (json["leftUnchanged"]?.arrayValue ?? []).compactMap(\.stringValue), requestBody: body,
                liveFingerprint: json["liveFingerprint"]?.stringValue, location: location(json["location"]))
        }

        static func fieldChange(_ json: JSONValue) throws(Failure) -> FieldChange {
            guard let path = json["path"]?.stringValue else { throw Failure(description: "a field change has no path") }
            if let added = json["added"]?.arrayValue, let removed = json["removed"]?.arrayValue {
                return FieldChange(path: path, change: .set(added: added.map(value), removed: removed.map(value)))
            }
            return FieldChange(path: path, change: .value(before: optionalValue(json["before"]), after: optionalValue(json["after"])))
        }

        static func optionalValue(_ json: JSONValue?) -> PlanValue? {
            guard let json, !json.isNull else { return nil }
            return value(json)
        }

        static func value(_ json: JSONValue) -> PlanValue {
            PlanValue(json["value"] ?? .null, name: json["name"]?.stringValue,
                      isUnresolvedReference: json["unresolvedReference"]?.boolValue ?? false,
                      isPendingCreation: json["pendingCreation"]?.boolValue ?? false)
        }

        static func location(_ json: JSONValue?) -> SourceLocation? {
            guard let json, let file = json["file"]?.stringValue, let line = json["line"]?.intValue,
                  let column = json["column"]?.intValue else { return nil }
            return SourceLocation(file: file, line: line, column: column)
        }

        static func diagnostic(_ json: JSONValue) throws(Failure) -> Diagnostic {
            guard let severity = json["severity"]?.stringValue.flatMap(Diagnostic.Severity.init(rawValue:)),
                  let message = json["message"]?.stringValue else { throw Failure(description: "a diagnostic lacks its severity or message") }
            return Diagnostic(severity, message, at: location(json["location"]), suggestion: json["suggestion"]?.stringValue,
                              code: json["code"]?.stringValue)
        }
    }
}
