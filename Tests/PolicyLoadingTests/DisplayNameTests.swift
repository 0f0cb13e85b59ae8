import EntraformTestSupport
import Foundation
import PolicyLoading
import PolicyModel
import Testing

/// Display names that Graph would refuse or that look identical to another one in the portal.
@Suite("Display names")
struct DisplayNameTests {
    func twoLocations(_ first: String, _ second: String) -> (result: LoadResult, marks: [(line: Int, column: Int)]) {
        load("kind: NamedLocation\ndisplayName: \(first)\ncountriesAndRegions: [CH]\n---\n"
             + "kind: NamedLocation\ndisplayName: \(second)\ncountriesAndRegions: [NL]\n")
    }

    @Test func namesDifferingOnlyByAZeroWidthCharacterAreDuplicates() {
        let (result, marks) = twoLocations("Office", "‸\"Office\u{200B}\"")
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.message) == [
            "duplicate displayName 'Office<U+200B>'; also declared at p.yaml:2:14 as 'Office': they differ only by invisible characters or spaces, so they look the same in the portal",
        ])
        #expect(errors.first?.location == PolicyModel.SourceLocation(file: "p.yaml", line: marks[0].line, column: marks[0].column))
        #expect(result.configuration.namedLocations.count == 1)
    }

    @Test func namesDifferingOnlyByOuterOrDoubledSpacesAreDuplicates() {
        for second in ["\" Office\"", "\"Office \"", "\"Of  fice\"", "\"Of\u{00A0}fice\""] {
            let first = second == "\"Of  fice\"" || second == "\"Of\u{00A0}fice\"" ? "Of fice" : "Office"
            let (result, _) = twoLocations(first, second)
            let errors = result.diagnostics.filter { $0.severity == .error }.map(\.message)
            #expect(errors.count == 1 && errors[0].hasPrefix("duplicate displayName"), "\(second): \(errors)")
            #expect(errors.first?.hasSuffix("they differ only by invisible characters or spaces, so they look the same in the portal") == true)
        }
    }

    @Test func aCaseOnlyDuplicateKeepsItsShortMessage() {
        let (result, _) = twoLocations("Office", "OFFICE")
        #expect(result.diagnostics.map(\.message) == ["duplicate displayName 'OFFICE'; also declared at p.yaml:2:14"])
    }

    @Test func aTabInANameIsAnErrorAtTheTab() {
        expectSingle("kind: NamedLocation\ndisplayName: 'Head‸\tquarters'\ncountriesAndRegions: [CH]\n",
                     "tab character in 'displayName'; the portal shows it as a space, so the name cannot be told apart from one with a space; use a space")
    }

    @Test func aControlCharacterInANameIsAnError() {
        expectSingle("kind: NamedLocation\ndisplayName: \"Head‸\\u0007quarters\"\ncountriesAndRegions: [CH]\n",
                     "control character U+0007 in 'displayName'; names are plain text")
    }

    @Test func namesOverGraphsLengthLimitAreErrorsAtTheFirstCharacterTooMany() {
        let fits = String(repeating: "x", count: 256)
        let (ok, _) = load("kind: ConditionalAccessPolicy\ndisplayName: \(fits)\nstate: enabled\nconditions:\n  users: {includeUsers: [All]}\n"
                           + "  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}\n")
        #expect(ok.diagnostics.map(\.description) == [])
        expectSingle("kind: ConditionalAccessPolicy\ndisplayName: \(fits)‸y\nstate: enabled\nconditions:\n  users: {includeUsers: [All]}\n"
                     + "  applications: {includeApplications: [All]}\ngrantControls: {builtInControls: [mfa]}\n",
                     "'displayName' is 257 characters long; Entra accepts at most 256")
        expectSingle("kind: NamedLocation\ndisplayName: \(fits)‸é\ncountriesAndRegions: [CH]\n",
                     "'displayName' is 257 characters long; Entra accepts at most 256")
    }

    @Test func outerSpacesAndInvisibleCharactersAloneAreWarnings() {
        expectSingle("kind: NamedLocation\ndisplayName: \"Office‸ \"\ncountriesAndRegions: [CH]\n",
                     "'displayName' ends with a space, which the portal does not show; remove it", severity: .warning)
        expectSingle("kind: NamedLocation\ndisplayName: ‸\" Office\"\ncountriesAndRegions: [CH]\n",
                     "'displayName' starts with a space, which the portal does not show; remove it", severity: .warning)
        // (A word joiner: a zero-width joiner would join the test's position marker into one character.)
        expectSingle("kind: NamedLocation\ndisplayName: \"Off‸\u{2060}ice\"\ncountriesAndRegions: [CH]\n",
                     "'displayName' contains the invisible character U+2060; remove it, or the name cannot be told apart from one without it",
                     severity: .warning)
    }
}
