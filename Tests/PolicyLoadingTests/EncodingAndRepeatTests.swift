import EntraformTestSupport
import Foundation
import PlanRendering
import PolicyLoading
import PolicyModel
import Testing

/// Byte-order marks, other encodings, duplicate keys and repeats through aliases: one clear
/// diagnostic each, at the place to fix.
@Suite("Encodings and repeats")
struct EncodingAndRepeatTests {
    static let location = "kind: NamedLocation\ndisplayName: Zürich\ncountriesAndRegions: [CH]\n"

    @Test func aByteOrderMarkAtTheStartOfALaterDocumentIsIgnored() {
        let text = "\u{FEFF}" + Self.location + "---\n\u{FEFF}kind: NamedLocation\ndisplayName: Basel\ncountriesAndRegions: [CH]\n"
        let result = ConfigurationLoader.load([PolicySource(path: "two.yaml", text: text)])
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.map(\.value.displayName) == ["Zürich", "Basel"])
        // Files joined with `cat`: the second one's mark starts a line.
        let joined = Self.location + "\u{FEFF}---\nkind: NamedLocation\ndisplayName: Basel\ncountriesAndRegions: [CH]\n"
        #expect(ConfigurationLoader.load([PolicySource(path: "cat.yaml", text: joined)]).diagnostics.map(\.description) == [])
    }

    @Test func aDuplicateKeyPointsAtTheRepeatAndNamesTheFirst() {
        let marked = MarkedText("kind: NamedLocation\ndisplayName: X\n‸displayName: Y\nipRanges: [203.0.113.0/24]\n")
        let found = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: marked.text)]).diagnostics
        #expect(found.map(\.message) == ["duplicate key 'displayName'; first at line 2, column 1"])
        #expect(found.first?.location == PolicyModel.SourceLocation(file: "p.yaml", line: marked.positions[0].line, column: marked.positions[0].column))
        let nested = MarkedText("kind: NamedLocation\ndisplayName: X\nipRanges:\n  - 203.0.113.0/24\nisTrusted: true\ncountriesAndRegions: {a: 1, ‸a: 2}\n")
        let inFlow = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: nested.text)]).diagnostics
        #expect(inFlow.map(\.message) == ["duplicate key 'a'; first at line 6, column 23"])
        #expect(inFlow.first?.location?.line == nested.positions[0].line)
        #expect(inFlow.first?.location?.column == nested.positions[0].column)
        let indented = MarkedText("kind: ConditionalAccessPolicy\ndisplayName: X\nstate: enabled\nconditions:\n  users:\n    includeUsers: [All]\n"
                                  + "  applications: {includeApplications: [All]}\n  ‸\"users\": {}\ngrantControls: {builtInControls: [mfa]}\n")
        let inBlock = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: indented.text)]).diagnostics
        #expect(inBlock.map(\.message) == ["duplicate key 'users'; first at line 5, column 3"])
        #expect(inBlock.first?.location?.line == indented.positions[0].line)
        #expect(inBlock.first?.location?.column == indented.positions[0].column)
    }

    @Test func twentyThousandRepeatsThroughAnAliasAreOneError() {
        let aliases = Array(repeating: "*g", count: 19_999).joined(separator: ", ")
        let marked = MarkedText("kind: ConditionalAccessPolicy\ndisplayName: X\nstate: enabled\nconditions:\n"
                                + "  users: {includeUsers: [All], excludeGroups: [‸&g CA-BreakGlass, \(aliases)]}\n"
                                + "  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}\n")
        let found = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: marked.text)]).diagnostics
        #expect(found.map(\.message) == ["'CA-BreakGlass' is repeated 19999 times in 'excludeGroups' through an alias of the anchor here"])
        #expect(found.first?.location?.column == marked.positions[0].column)
        // The same mistake repeated through an alias is reported once.
        let invalid = "kind: RiskResponseRule\nname: r\naction: dismiss\nwhen:\n  riskStates: [&s bogus, *s, *s, *s]\n"
        let once = ConfigurationLoader.load([PolicySource(path: "p.yaml", text: invalid)]).diagnostics
        #expect(once.count == 1, "\(once)")
    }

    @Test(arguments: [String.Encoding.utf32LittleEndian, .utf32BigEndian])
    func utf32WithAByteOrderMarkLoads(encoding: String.Encoding) throws {
        var data = Data(encoding == .utf32LittleEndian ? [0xFF, 0xFE, 0x00, 0x00] : [0x00, 0x00, 0xFE, 0xFF])
        data.append(try #require(Self.location.data(using: encoding)))
        let result = ConfigurationLoader.load([PolicySource(path: "u32.yaml", data: data)])
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.first?.value.displayName == "Zürich")
    }

    @Test(arguments: [String.Encoding.utf32LittleEndian, .utf32BigEndian, .utf16LittleEndian, .utf16BigEndian])
    func utf32AndUTF16WithoutAByteOrderMarkLoad(encoding: String.Encoding) throws {
        let data = try #require(Self.location.data(using: encoding))
        #expect(data.first != 0xFF && data.first != 0xFE)
        let result = ConfigurationLoader.load([PolicySource(path: "bare.yaml", data: data)])
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.configuration.namedLocations.first?.value.displayName == "Zürich")
    }

    @Test func controlCharactersAreNeverEchoedRaw() {
        for bad in ["\u{0}", "\u{1}", "\u{1B}[31m"] {
            let text = "kind: NamedLocation\ndisplayName: A\(bad)B\ncountriesAndRegions: [CH]\n"
            let result = ConfigurationLoader.load([PolicySource(path: "c.yaml", text: text)])
            #expect(result.hasErrors)
            let rendered = DiagnosticRendering.text(result.diagnostics, texts: result.texts, useColor: false)
            let raw = rendered.unicodeScalars.filter { $0.value < 0x20 && $0 != "\n" }
            #expect(raw.isEmpty, "\(rendered.debugDescription)")
        }
    }
}
