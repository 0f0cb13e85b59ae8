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

    /// Rewrites the tree bottom-up without tracking paths (cheaper when the path does not matter).
    package func mappedBottomUp(_ transform: (JSONValue) -> JSONValue) -> JSONValue {
        switch self {
        case .object(let members): return transform(.object(members.mapValues { $0.mappedBottomUp(transform) }))
        case .array(let items): return transform(.array(items.map { $0.mappedBottomUp(transform) }))
        default: return transform(self)
        }
    }

    /// Applies `transform` to the value at each of `paths` that exists (see ``updating(at:_:)``).
    /// A path that is missing, or whose value the transform leaves as it is, costs a look-up only
    /// (rebuilding the objects along a path copies each of them).
    package func updating(at paths: [FieldPath], _ transform: (JSONValue) -> JSONValue?) -> JSONValue {
        paths.reduce(self) { value, path in
            guard let current = value.value(at: path) else { return value }
            let updated = transform(current)
            if updated == current { return value }
            return value.updating(at: path) { _ in updated }
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

    /// An array with `transform` applied to each item; anything else unchanged.
    package func mapArrayItems(_ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard case .array(let items) = self else { return self }
        return .array(items.map(transform))
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

    /// A string that orders values canonically: their sorted-key serialisation (cheap for scalars,
    /// which is what almost every Graph collection holds).
    package var canonicalText: String {
        switch self {
        case .string(let text): "\"" + text
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number, .array, .object: canonicalJSON
        }
    }
}
