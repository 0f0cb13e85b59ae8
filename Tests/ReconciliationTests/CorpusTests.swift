import EntraformTestSupport
import Foundation
import PolicyModel
import Reconciliation
import Testing

/// The j0eyv baseline export (real beta GETs, `odata.metadata=full`, UTF-16): every policy planned
/// against itself, and a v1.0-shaped copy against the beta original, must show no changes.
enum Corpus {
    /// `Tests/Corpus` (or `$ENTRAFORM_CORPUS_DIR`): see ``TestPaths/corpus``.
    static let root: URL = TestPaths.baselineConfig


    static func objects(in folder: String) throws -> [JSONValue] {
        let directory = root.appendingPathComponent(folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { try JSONValue.decode(exportedData: Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    /// The same policy as a v1.0 GET would show it: no full-metadata annotations, beta-only null keys
    /// gone, v1.0's explicit nulls and empties added, every collection and flags string reordered.
    static func v1Shaped(_ beta: JSONValue) -> JSONValue {
        func strip(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let members):
                var kept: [String: JSONValue] = [:]
                for (key, member) in members where !key.contains("@odata.") && !key.hasPrefix("#") { kept[key] = strip(member) }
                if let type = members["@odata.type"]?.stringValue, type.hasSuffix("ExternalTenants") { kept["@odata.type"] = .string(type) }
                return .object(kept)
            case .array(let items): return .array(items.reversed().map(strip))
            case .string(let text) where text.contains(","):
                return .string(text.split(separator: ",").reversed().joined(separator: ","))
            default: return value
            }
        }
        var policy = strip(beta)
        policy["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies/$entity"
        policy["partialEnablementStrategy"] = nil
        if case .object(var conditions)? = policy["conditions"] {
            for key in ["times", "deviceStates", "agents"] where conditions[key] == .null { conditions[key] = nil }
            for key in ["authenticationFlows", "insiderRiskLevels"] where conditions[key] == nil { conditions[key] = .null }
            if conditions["servicePrincipalRiskLevels"] == nil { conditions["servicePrincipalRiskLevels"] = [] }
            policy["conditions"] = .object(conditions)
        }
        if case .object(var session)? = policy["sessionControls"] {
            for (key, value) in session where value == .null { session[key] = nil }
            for key in ["applicationEnforcedRestrictions", "cloudAppSecurity", "disableResilienceDefaults", "persistentBrowser",
                        "secureSignInSession", "signInFrequency"] where session[key] == nil { session[key] = .null }
            policy["sessionControls"] = .object(session)
        }
        if case .object(var grant)? = policy["grantControls"] {
            grant["authenticationStrength@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#…/authenticationStrength/$entity"
            policy["grantControls"] = .object(grant)
        }
        return policy
    }

    /// `policy` without the beta fields entraform does not model, as a configuration would declare it.
    static func withoutUnmodelledFields(_ policy: JSONValue) -> JSONValue {
        var policy = policy
        for key in ["agents", "agentContext", "times", "deviceStates"] { policy["conditions"]?[key] = nil }
        for key in ["blockSensitiveActions", "networkAccessSecurity"] { policy["sessionControls"]?[key] = nil }
        return policy
    }

    static func desired(from live: JSONValue, kind: ObjectKind) -> DesiredObject {
        DesiredObject(kind: kind, displayName: live["displayName"]?.stringValue ?? "", body: live)
    }
}

@Suite
struct CorpusTests {
    @Test func everyExportDecodesAndPlansWithoutChangesAgainstItself() throws {
        let policies = try Corpus.objects(in: "ConditionalAccess")
        let locations = try Corpus.objects(in: "NamedLocations")
        #expect(policies.count == 36)
        #expect(locations.count == 3)
        let desired = policies.map { Corpus.desired(from: $0, kind: .conditionalAccessPolicy) }
            + locations.map { Corpus.desired(from: $0, kind: .namedLocation) }
        let plan = Planner().plan(desired: desired, snapshot: TenantSnapshot(policies: policies, namedLocations: locations), scope: ManagementScope(prune: true))
        let changed = plan.actionableChanges.map { "\($0.displayName): \($0.fieldChanges.map(\.path))" }
        #expect(changed == [])
        #expect(plan.changes.count == 39)
        #expect(!plan.hasErrors)
        // Declared without the unmodelled beta fields: still no changes, and those fields are reported.
        let trimmed = Planner().plan(
            desired: policies.map { Corpus.desired(from: Corpus.withoutUnmodelledFields($0), kind: .conditionalAccessPolicy) },
            snapshot: TenantSnapshot(policies: policies), scope: ManagementScope())
        #expect(!trimmed.hasChanges)
        let agentPolicy = trimmed.changes.first { $0.displayName.hasPrefix("CA503") }
        #expect(agentPolicy?.leftUnchanged == ["conditions.agentContext", "conditions.agents"])
    }

    @Test func v1ShapedCopyMatchesTheBetaExportBothWays() throws {
        let beta = try Corpus.objects(in: "ConditionalAccess")
        let v1 = beta.map(Corpus.v1Shaped)
        #expect(v1 != beta)
        for (desiredSide, liveSide) in [(beta, v1), (v1, beta)] {
            let plan = Planner().plan(
                desired: desiredSide.map { Corpus.desired(from: $0, kind: .conditionalAccessPolicy) },
                snapshot: TenantSnapshot(policies: liveSide), scope: ManagementScope())
            #expect(plan.actionableChanges.map { "\($0.displayName): \($0.fieldChanges.map(\.path))" } == [])
        }
    }

    @Test func patchBodiesForTheCorpusKeepEveryUnmodelledField() throws {
        // Change one modelled field on each policy; the PATCH must still carry the unmodelled beta fields.
        let policies = try Corpus.objects(in: "ConditionalAccess")
        let desired = policies.map { live -> DesiredObject in
            var object = Corpus.desired(from: Corpus.withoutUnmodelledFields(live), kind: .conditionalAccessPolicy)
            object.body["state"] = live["state"] == "disabled" ? "enabled" : "disabled"
            return object
        }
        let plan = Planner().plan(desired: desired, snapshot: TenantSnapshot(policies: policies), scope: ManagementScope())
        #expect(plan.summary.toUpdate == 36)
        #expect(plan.changes.map(\.leftUnchanged.count).reduce(0, +) >= 4)
        for change in plan.changes {
            let live = try #require(policies.first { $0["id"]?.stringValue == change.id })
            for path in change.leftUnchanged {
                let keys = path.split(separator: ".").map(String.init)
                var sent: JSONValue? = change.requestBody
                var original: JSONValue? = live
                for key in keys { sent = sent?[key]; original = original?[key] }
                #expect(sent != nil && sent?.isNull == false, "\(change.displayName) lost \(path)")
                #expect(sent?.serializedString().count == original.map { NormalizationRule.dropODataAnnotations.apply(["x": $0], kind: .conditionalAccessPolicy)["x"]!.serializedString().count })
            }
        }
    }
}
