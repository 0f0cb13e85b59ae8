import Foundation
import PolicyModel
import Testing

@Suite("Decoding straight from JSON values")
struct JSONValueDecoderTests {
    @Test func decodesTheSameAsJSONDecoder() throws {
        let document: JSONValue = [
            "displayName": "CA1", "state": "enabled",
            "conditions": ["users": ["includeUsers": ["All"], "excludeGroups": ["CA-BreakGlass", "2e1f0c1a-0000-4000-8000-000000000001"]],
                           "clientAppTypes": ["browser"], "signInRiskLevels": ["high"]],
            "grantControls": ["operator": "AND", "builtInControls": ["mfa", "compliantDevice"], "authenticationStrength": "Phishing-resistant MFA"],
            "sessionControls": ["signInFrequency": ["value": 4, "type": "hours"], "disableResilienceDefaults": false,
                                "persistentBrowser": .null],
        ]
        let direct = try document.decode(ConditionalAccessPolicy.self)
        let viaBytes = try JSONDecoder().decode(ConditionalAccessPolicy.self, from: document.serialized())
        #expect(direct == viaBytes)
        #expect(direct.sessionControls?.signInFrequency?.value == 4)
        #expect(direct.sessionControls?.persistentBrowser == nil)
        #expect(direct.conditions?.users?.excludeGroups?.last == DirectoryReference(.id("2e1f0c1a-0000-4000-8000-000000000001")))
    }

    @Test func reportsTypeMismatchesAndMissingKeys() {
        let wrongType: JSONValue = ["displayName": 1, "state": "enabled"]
        let missing: JSONValue = ["displayName": "x"]
        let badEnum: JSONValue = ["displayName": "x", "state": "on"]
        #expect(throws: DecodingError.self) { try wrongType.decode(ConditionalAccessPolicy.self) }
        #expect(throws: DecodingError.self) { try missing.decode(ConditionalAccessPolicy.self) }
        #expect(throws: DecodingError.self) { try badEnum.decode(ConditionalAccessPolicy.self) }
    }

    @Test func decodesJSONValueItself() throws {
        let value: JSONValue = ["a": [1, true, "x", .null], "b": ["c": 2.5]]
        #expect(try value.decode(JSONValue.self) == value)
    }
}
