import EntraformTestSupport
import Foundation
import PolicyLoading
import PolicyModel
import TenantAccess
import Testing
import Yams

/// YAML → JSON with YAML 1.2 core scalars (so `NO` stays a string), independent of the loader.
func plainJSON(_ node: Node) -> JSONValue {
    switch node {
    case .mapping(let mapping):
        var members: [String: JSONValue] = [:]
        for (key, value) in mapping { members[key.string ?? ""] = plainJSON(value) }
        return .object(members)
    case .sequence(let sequence): return .array(sequence.map(plainJSON))
    case .alias: return .null
    case .scalar(let scalar):
        guard scalar.style == .plain else { return .string(scalar.string) }
        if ["true", "false"].contains(scalar.string) { return .bool(scalar.string == "true") }
        if let number = Int(scalar.string) { return .number(Double(number)) }
        if ["", "~", "null"].contains(scalar.string) { return .null }
        return .string(scalar.string)
    }
}

@Suite("Baseline policy set and JSON Schema")
struct PolicySetAndSchemaTests {
    let policiesPath = TestPaths.packageRoot.appendingPathComponent("policies").path

    func baseline() throws -> (sources: [PolicySource], result: LoadResult) {
        let sources = try ConfigurationFiles.collect(policiesPath)
        return (sources, ConfigurationLoader.load(sources))
    }

    @Test func everyFileInPoliciesLoadsWithZeroDiagnostics() throws {
        let (sources, result) = try baseline()
        #expect(sources.count >= 15)
        #expect(result.diagnostics.map(\.description) == [])
        #expect((15...25).contains(result.configuration.policies.count))
        #expect(result.configuration.settings != nil)
        #expect(!result.configuration.namedLocations.isEmpty)
    }

    @Test func everyBaselinePolicyExcludesTheEmergencyAccessGroup() throws {
        let (_, result) = try baseline()
        let groups = result.configuration.effectiveSettings.emergencyAccess?.groups ?? []
        #expect(!groups.isEmpty)
        for policy in result.configuration.policies {
            let excluded = policy.value.conditions?.users?.excludeGroups ?? []
            #expect(groups.allSatisfy(excluded.contains), "\(policy.value.displayName) does not exclude \(groups)")
        }
    }

    @Test func everyDocumentInPoliciesValidatesAgainstTheSchema() throws {
        let validator = JSONSchemaValidator(schema: JSONSchemaGeneration.schema())
        let (sources, _) = try baseline()
        var documents = 0
        for source in sources {
            let parser = try Parser(yaml: String(decoding: source.data, as: UTF8.self))
            while let node = try parser.nextRoot() {
                documents += 1
                #expect(validator.validate(plainJSON(node)) == [], "\(source.path)")
            }
        }
        #expect(documents > 15)
    }

    @Test func schemaAndLoaderAgreeOnValidKeys() {
        // Every object in the schema lists exactly the keys the loader accepts at that position.
        func compare(_ schema: JSONValue, _ shape: ObjectShape, path: String) {
            let schemaKeys = Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? [])
            #expect(schemaKeys == Set(shape.fields.map(\.name)), "\(path)")
            #expect(schema["additionalProperties"] == .bool(false), "\(path)")
            for field in shape.fields {
                let property = schema["properties"]?[field.name] ?? .null
                switch field.shape {
                case .object(let child): compare(property, child, path: "\(path).\(field.name)")
                case .list(.object(let child), _): compare(property["items"] ?? .null, child, path: "\(path).\(field.name)[]")
                default: break
                }
            }
        }
        let schema = JSONSchemaGeneration.schema()
        for kind in DocumentKind.allCases {
            compare(schema["$defs"]?[kind.rawValue] ?? .null, LanguageSchema.shape(of: kind), path: kind.rawValue)
        }
    }

    @Test func schemaAndLoaderBothRejectAMisspelledKey() throws {
        let text = "kind: NamedLocation\ndisplayName: HQ\nipRange: [203.0.113.0/24]\n"
        let validator = JSONSchemaValidator(schema: JSONSchemaGeneration.schema())
        let node = try #require(try Yams.compose(yaml: text))
        #expect(!validator.validate(plainJSON(node)).isEmpty)
        #expect(ConfigurationLoader.load([PolicySource(path: "x.yaml", text: text)]).hasErrors)
    }

    @Test func schemaEnumsComeFromTheModel() {
        let schema = JSONSchemaGeneration.schema()
        let controls = schema["$defs"]?["ConditionalAccessPolicy"]?["properties"]?["grantControls"]?["properties"]?["builtInControls"]?["items"]?["enum"]
        #expect(controls?.stringArray == GrantControl.allRawValues)
    }
}
