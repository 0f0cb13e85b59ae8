import Foundation
import PolicyLoading
import PolicyModel
import Testing

/// Files load on every core, then join in path order: what a load finds must not depend on which
/// file finished first, nor on the order the files were given in.
@Suite("Loading files in parallel")
struct ParallelLoadingTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func concurrentMapKeepsTheElementsOrder(seed: UInt64) {
        var random = SplitMix64(state: seed)
        for _ in 0..<20 {
            let values = (0..<Int(random.next() % 300)).map { _ in Int(truncatingIfNeeded: random.next() % 10_000) }
            #expect(values.concurrentMap { $0 * 3 + 1 } == values.map { $0 * 3 + 1 })
            #expect(values.concurrentMap(String.init) == values.map(String.init))
        }
    }

    /// Thirty files, some with mistakes (a duplicate name across files, an unknown key, a bad value),
    /// loaded in shuffled orders: the same policies in the same order, the same diagnostics.
    @Test func aLoadIsTheSameWhateverOrderTheFilesComeIn() {
        var sources: [PolicySource] = []
        for file in 0..<30 {
            var documents: [String] = []
            for index in 0..<5 {
                let number = file * 5 + index
                let state = number % 41 == 0 ? "sometimes" : "enabled"
                let unknownKey = number % 37 == 0 ? "colour: blue\n" : ""
                let name = number % 53 == 52 ? "CA001 - Policy 1" : "CA\(number) - Policy \(number)"
                documents.append("""
                    kind: ConditionalAccessPolicy
                    displayName: \(name)
                    state: \(state)
                    \(unknownKey)conditions:
                      users: {includeGroups: [Group \(number % 7)], excludeUsers: [breakglass@contoso.com]}
                      applications: {includeApplications: [All]}
                    grantControls: {builtInControls: [mfa]}

                    """)
            }
            sources.append(PolicySource(path: "policies/file\(file).yaml", text: documents.joined(separator: "---\n")))
        }
        let reference = ConfigurationLoader.load(sources)
        #expect(reference.diagnostics.count >= 4, "the mistakes are found: \(reference.diagnostics.map(\.fullMessage))")
        #expect(reference.configuration.policies.count > 100)
        var random = SplitMix64(state: 7)
        for _ in 0..<5 {
            let shuffled = sources.shuffled(using: &random)
            let result = ConfigurationLoader.load(shuffled)
            #expect(result.configuration.policies.map(\.value.displayName) == reference.configuration.policies.map(\.value.displayName))
            #expect(result.diagnostics == reference.diagnostics)
            #expect(result.texts == reference.texts)
        }
    }
}
