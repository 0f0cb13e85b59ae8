import Foundation
import PolicyLoading
import PolicyModel
import Testing

/// Hostile input never crashes or hangs: each gets one clear error.
@Suite("Hostile input")
struct HostileInputTests {
    func diagnostics(_ data: Data) -> [Diagnostic] {
        ConfigurationLoader.load([PolicySource(path: "bad.yaml", data: data)]).diagnostics
    }

    func single(_ data: Data, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Diagnostic? {
        let found = diagnostics(data)
        #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
        #expect(found.first?.severity == .error, sourceLocation: sourceLocation)
        return found.first
    }

    @Test func emptyFile() {
        #expect(single(Data())?.message == "file has no documents")
        #expect(single(Data("# only a comment\n".utf8))?.message == "file has no documents")
    }

    @Test func binaryGarbage() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) } + [0]
        #expect(single(Data(bytes))?.message.hasPrefix("file is not") == true)
    }

    @Test func nonUTF8BytesArePointedAt() {
        let data = Data("kind: NamedLocation\ndisplayName: Caf".utf8) + Data([0xE9]) + Data("\n".utf8)
        let diagnostic = single(data)
        #expect(diagnostic?.message == "file is not valid UTF-8 (byte 0xE9); save it as UTF-8")
        #expect(diagnostic?.location?.line == 2)
        #expect(diagnostic?.location?.column == 17)
    }

    @Test func twentyMegabyteFile() {
        let line = "# " + String(repeating: "x", count: 1022) + "\n"
        let data = Data(String(repeating: line, count: 20 * 1024).utf8)
        #expect(single(data)?.message == "file is 20.0 MiB; configuration files are limited to 5 MiB")
    }

    @Test func tenThousandDeepFlowNesting() {
        let text = "kind: Settings\nmanage: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        #expect(single(Data(text.utf8))?.message == "nesting deeper than 64 levels")
    }

    @Test func deepBlockNesting() {
        // 10,000 levels of block indentation cannot fit under the size limit; 300 can.
        var text = "kind: Settings\n"
        for depth in 0..<300 { text += String(repeating: " ", count: depth) + "k\(depth):\n" }
        #expect(single(Data(text.utf8))?.message == "nesting deeper than 64 levels")
    }

    @Test func deepSequenceDashes() {
        let text = "kind: Settings\nscenarios: " + String(repeating: "- ", count: 10_000) + "x\n"
        #expect(single(Data(text.utf8)) != nil)
    }

    /// Nine levels of ten aliases each: a billion strings if expanded.
    static let laughs: String = {
        var text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return text
    }()

    @Test func billionLaughsAsValuesIsRejectedWithoutExpanding() {
        let text = "kind: RiskResponseRule\nname: bomb\naction: dismiss\n" + Self.laughs
            + "when:\n  riskEventTypes: *l9\n"
        let found = diagnostics(Data(text.utf8))
        // The ten anchors are unknown keys and the bomb's items are lists where strings belong:
        // reported item by item, never expanded.
        #expect(found.contains { $0.message == "unknown key 'l0'" })
        #expect(found.contains { $0.message.hasPrefix("expected a string for 'riskEventTypes', found a list") })
        #expect(found.count < 40)
    }

    @Test func billionLaughsAsAMappingKeyIsRejectedBeforeParsing() {
        let text = Self.laughs + "? *l9\n: boom\n"
        #expect(single(Data(text.utf8))?.message == "complex mapping keys ('?') are not supported")
        let aliasKey = Self.laughs + "{*l9 : boom}\n"
        #expect(single(Data(aliasKey.utf8))?.message == "an alias cannot be a mapping key")
    }

    @Test func tabIndentation() {
        let text = "kind: NamedLocation\ndisplayName: X\nipRanges:\n\t- 203.0.113.0/24\n"
        let diagnostic = single(Data(text.utf8))
        #expect(diagnostic?.message == "tab character in indentation; YAML allows only spaces")
        #expect(diagnostic?.location?.line == 4)
        #expect(diagnostic?.location?.column == 1)
    }

    @Test func duplicateKeys() {
        let text = "kind: NamedLocation\ndisplayName: X\ndisplayName: Y\nipRanges: [203.0.113.0/24]\n"
        let diagnostic = single(Data(text.utf8))
        #expect(diagnostic?.message == "duplicate key 'displayName'; first at line 2, column 1")
        #expect(diagnostic?.location?.line == 3)
    }

    @Test func utf16WithByteOrderMarkLoads() {
        let text = "kind: NamedLocation\ndisplayName: Zürich\ncountriesAndRegions: [CH]\n"
        var data = Data([0xFF, 0xFE])
        data.append(text.data(using: .utf16LittleEndian)!)
        let result = ConfigurationLoader.load([PolicySource(path: "u16.yaml", data: data)])
        #expect(result.diagnostics.isEmpty)
        #expect(result.configuration.namedLocations.first?.value.displayName == "Zürich")
    }

    @Test func aDocumentThatIsNotAMapping() {
        #expect(single(Data("- just\n- a list\n".utf8))?.message
                == "a document must be a mapping that starts with 'kind:'; found a list")
    }
}
