import Foundation
import PolicyModel

extension Plan {
    /// SHA-256 of the plan's canonical JSON: any edit to the plan's content changes it.
    ///
    /// Canonical means sorted keys and object members whose value is `null` left out: an optional
    /// JSON value holding `null` encodes as `null` but decodes as absent, so without this a plan would
    /// not survive its own save-and-load (`null` and absent say the same thing in a plan).
    public var contentDigest: String {
        // Encoding plain value types cannot fail; the tree is hashed in the canonical form.
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        guard let tree = try? JSONValue.parse(data) else { return SHA256Digest.hex(of: Array(data)) }
        return SHA256Digest.hex(of: Self.withoutNullMembers(tree).compactJSON())
    }

    private static func withoutNullMembers(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members): .object(members.filter { !$0.value.isNull }.mapValues(withoutNullMembers))
        case .array(let items): .array(items.map(withoutNullMembers))
        default: value
        }
    }
}
