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

@Suite("Fast JSON parsing")
struct JSONValueParseTests {
    @Test func parseAgreesWithTheDecoderOnEveryKindOfValue() throws {
        let text = #"{"t":true,"f":false,"one":1,"zero":0,"big":12345678901234,"half":0.5,"neg":-3,"s":"x\u00e9","n":null,"a":[true,1,"1",null,{"k":[]}],"o":{}}"#
        let data = Data(text.utf8)
        let fast = try JSONValue.parse(data)
        #expect(fast == (try JSONDecoder().decode(JSONValue.self, from: data)))
        #expect(fast["t"] == .bool(true))
        #expect(fast["one"] == .number(1))
        #expect(fast["zero"] == .number(0))
        #expect(fast["a"]?.arrayValue?.first == .bool(true))
    }

    @Test func malformedJSONStillReportsItsPosition() {
        #expect(throws: JSONDecodingFailure.self) { try JSONValue.decode(exportedData: Data("{\"a\": [1, 2,, 3]}".utf8)) }
    }

    /// Exports in UTF-16 or UTF-32, either byte order, with or without a byte-order mark (the loader
    /// reads configuration files with the same detection).
    @Test(arguments: [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf32LittleEndian, .utf32BigEndian])
    func everyUnicodeEncodingDecodes(encoding: String.Encoding) throws {
        let text = #"{"displayName": "Zürich", "ipRanges": []}"#
        let boms: [String.Encoding: [UInt8]] = [.utf16LittleEndian: [0xFF, 0xFE], .utf16BigEndian: [0xFE, 0xFF],
                                                .utf32LittleEndian: [0xFF, 0xFE, 0, 0], .utf32BigEndian: [0, 0, 0xFE, 0xFF]]
        let body = try #require(text.data(using: encoding))
        for data in [body, Data(boms[encoding] ?? []) + body] {
            let value = try JSONValue.decode(exportedData: data)
            #expect(value["displayName"] == "Zürich")
        }
    }

    /// Every kind of syntax error names its line and column (1-based, in characters), whatever the
    /// encoding, so `export --from-json` can say `file:line:column: error:`.
    @Test(arguments: [
        ("{\"a\": [1, 2,, 3]}", 1, 13),
        ("{\n  \"displayName\": \"CA2\",\n  \"state\": enabled\n}\n", 3, 12),
        ("{\n  \"a\": 1\n", 3, 1),
        ("", 1, 1),
        ("{\"a\": 1} x", 1, 10),
        ("{\"a\": tru}", 1, 7),
        ("{'a': 1}", 1, 2),
        ("[1, 2]]", 1, 7),
        ("{\"é\": \"unterminated\n}", 1, 20),
        ("{\"a\" 1}", 1, 6),
        ("[-]", 1, 3),
        ("{\"a\": \"\\q\"}", 1, 8),
    ] as [(String, Int, Int)])
    func syntaxErrorsNameLineAndColumn(text: String, line: Int, column: Int) {
        for data in [Data(text.utf8), Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!] {
            do {
                _ = try JSONValue.decode(exportedData: data)
                Issue.record("\(text.debugDescription) was accepted")
            } catch {
                #expect(error.line == line && error.column == column, "\(text.debugDescription): \(error.description) at \(String(describing: error.line)):\(String(describing: error.column))")
            }
        }
    }
}
