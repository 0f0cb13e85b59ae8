import PolicyModel

/// A field path inside a Graph object: `["conditions", "users", "excludeGroups"]`. Elements of an array
/// are addressed by the array's path plus ``arrayElement`` (collections are sets: positions carry no meaning).
package typealias FieldPath = [String]

/// The path segment for "an element of this array".
package let arrayElement = "[]"

extension Array where Element == String {
    /// `conditions.users.excludeGroups` (array-element segments left out).
    package var dotted: String { filter { $0 != arrayElement }.joined(separator: ".") }
}

extension JSONValue {
    /// Rewrites the tree bottom-up: `transform` sees each value after its children were rewritten,
    /// with the path leading to it (object keys, and ``arrayElement`` for array elements).
    package func rewrittenBottomUp(at path: FieldPath = [], _ transform: (FieldPath, JSONValue) -> JSONValue) -> JSONValue {
        switch self {
        case .object(let members):
            var rewritten: [String: JSONValue] = [:]
            rewritten.reserveCapacity(members.count)
            for (key, value) in members { rewritten[key] = value.rewrittenBottomUp(at: path + [key], transform) }
            return transform(path, .object(rewritten))
        case .array(let items):
            return transform(path, .array(items.map { $0.rewrittenBottomUp(at: path + [arrayElement], transform) }))
        default:
            return transform(path, self)
        }
    }

    /// The value at `path`, or `nil` when any step is missing or not an object.
    package func value(at path: FieldPath) -> JSONValue? {
        var current = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Replaces the value at `path` by `transform(old)` (removing the key when it returns `nil`).
    /// Does nothing unless every parent along the path is an object; `old` is `nil` for a missing key.
    package func updating(at path: FieldPath, _ transform: (JSONValue?) -> JSONValue?) -> JSONValue {
        guard let key = path.first else { return transform(self) ?? .null }
        guard case .object(var members) = self else { return self }
        if path.count == 1 {
            members[key] = transform(members[key])
        } else {
            guard let child = members[key], case .object = child else { return self }
            members[key] = child.updating(at: Array(path.dropFirst()), transform)
        }
        return .object(members)
    }

    /// True for `null`, `[]`, `{}`.
    package var isNullOrEmpty: Bool {
        switch self {
        case .null: true
        case .array(let items): items.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }

    /// A string that orders values canonically: their sorted-key serialisation.
    package var canonicalText: String { serializedString() }
}
