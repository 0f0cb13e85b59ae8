import EntraformTestSupport
import PolicyLoading
import PolicyModel
import Testing

/// Explicit YAML tags: the standard ones are honoured against the type the key needs; every other
/// tag is one clear error.
@Suite("YAML tags")
struct YAMLTagTests {
    func ipLocation(_ trusted: String, name: String = "Office") -> String {
        "kind: NamedLocation\ndisplayName: \(name)\nipRanges: [203.0.113.0/24]\nisTrusted: \(trusted)\n"
    }

    @Test func aStringTaggedStrIsNotABoolean() {
        expectSingle(ipLocation("‸!!str true"),
                     "expected true or false for 'isTrusted', found the string 'true' (tagged !!str)")
    }

    @Test func aQuotedBooleanTaggedBoolIsABoolean() {
        let (result, _) = load(ipLocation("!!bool \"true\""))
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.first?.value.isTrusted == true)
    }

    @Test func aBoolTagOnWhatIsNoBooleanIsAnError() {
        expectSingle(ipLocation("‸!!bool yes"), "'yes' is not a boolean; '!!bool' takes true or false")
    }

    @Test func aQuotedNumberTaggedIntIsANumber() {
        let (result, _) = load("kind: RiskResponseRule\nname: r\naction: dismiss\nmaxActionsPerRun: !!int \"25\"\n")
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.riskResponseRules.first?.value.maxActionsPerRun == 25)
    }

    @Test func aFloatIsNeverAWholeNumber() {
        expectSingle("kind: RiskResponseRule\nname: r\naction: dismiss\nmaxActionsPerRun: ‸!!float 25\n",
                     "expected a whole number for 'maxActionsPerRun', found a !!float value")
    }

    @Test func aNumberTaggedStrIsAString() {
        let (result, _) = load(ipLocation("false", name: "!!str 2024"))
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.first?.value.displayName == "2024")
    }

    @Test func aBooleanTagWhereAStringBelongsIsAnError() {
        expectSingle("kind: NamedLocation\ndisplayName: ‸!!bool true\ncountriesAndRegions: [CH]\n",
                     "expected a string for 'displayName', found a !!bool value")
    }

    @Test func nullTaggedNullIsAbsent() {
        let (result, _) = load(ipLocation("!!null \"\""))
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.first?.value.isTrusted == nil)
        expectSingle("kind: NamedLocation\n‸displayName: !!null x\ncountriesAndRegions: [CH]\n", "'displayName' must have a value")
    }

    @Test func plainNullTaggedStrIsAString() {
        let (result, _) = load("kind: NamedLocation\ndisplayName: !!str null\ncountriesAndRegions: [CH]\n")
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.first?.value.displayName == "null")
    }

    @Test func collectionTagsMustMatchTheCollection() {
        let (tagged, _) = load("kind: NamedLocation\ndisplayName: X\ncountriesAndRegions: !!seq [CH]\n")
        #expect(tagged.diagnostics.map(\.description) == [])
        expectSingle("kind: NamedLocation\ndisplayName: X\ncountriesAndRegions: ‸!!map [CH]\n",
                     "the tag '!!map' does not fit a list; remove it")
    }

    @Test(arguments: [
        ("displayName: ‸!!binary SDE=", "the YAML tag '!!binary' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag"),
        ("displayName: ‸!!timestamp 2001-12-14", "the YAML tag '!!timestamp' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag"),
        ("displayName: ‸!foo X", "the YAML tag '!foo' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag"),
        ("displayName: ‸!<tag:example.com,2024:name> X", "the YAML tag '!<tag:example.com,2024:name>' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag"),
    ])
    func everyOtherTagIsOneError(line: String, message: String) {
        expectSingle("kind: NamedLocation\n\(line)\ncountriesAndRegions: [CH]\n", message)
    }

    @Test func aTagOnAKeyOrOnTheDocument() {
        expectSingle("kind: NamedLocation\n‸!foo displayName: X\ncountriesAndRegions: [CH]\n",
                     "the YAML tag '!foo' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag")
        let (strKey, _) = load("kind: NamedLocation\n!!str displayName: X\ncountriesAndRegions: [CH]\n")
        #expect(strKey.diagnostics.map(\.description) == [])
        expectSingle("--- ‸!foo\nkind: NamedLocation\ndisplayName: X\ncountriesAndRegions: [CH]\n",
                     "the YAML tag '!foo' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag")
        expectSingle("kind: ‸!foo NamedLocation\ndisplayName: X\ncountriesAndRegions: [CH]\n",
                     "the YAML tag '!foo' is not supported; entraform reads plain strings, numbers, booleans, lists and mappings; remove the tag")
    }
}
