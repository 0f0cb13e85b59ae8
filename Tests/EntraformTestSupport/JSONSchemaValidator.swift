import Foundation
import PolicyModel

/// A small JSON Schema (draft 2020-12) validator for the keywords entraform's schema uses:
/// type, properties, additionalProperties, required, enum, const, items, uniqueItems, minLength,
/// pattern, minimum, maximum, oneOf and local `$ref`s. Independent of the loader on purpose.
public struct JSONSchemaValidator {
    public let root: JSONValue

    public init(schema: JSONValue) { root = schema }

    /// Problems found, as `path: problem` strings; empty when `value` is valid.
    public func validate(_ value: JSONValue) -> [String] {
        check(value, against: root, path: "$")
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix("#/") else { return schema }
        var current = root
        for part in reference.dropFirst(2).split(separator: "/") { current = current[String(part)] ?? .null }
        return current
    }

    private func check(_ value: JSONValue, against rawSchema: JSONValue, path: String) -> [String] {
        let schema = resolve(rawSchema)
        var problems: [String] = []
        if let type = schema["type"]?.stringValue, !matches(value, type: type) {
            return ["\(path): expected \(type)"]
        }
        if let constant = schema["const"], constant != value { problems.append("\(path): expected \(constant.serializedString())") }
        if let choices = schema["enum"]?.arrayValue, !choices.contains(value) { problems.append("\(path): not in enum") }
        if case .string(let text) = value {
            if let minimum = schema["minLength"]?.intValue, text.count < minimum { problems.append("\(path): too short") }
            if let pattern = schema["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): does not match \(pattern)")
            }
        }
        if case .number(let number) = value {
            if let minimum = schema["minimum"]?.numberValue, number < minimum { problems.append("\(path): below minimum") }
            if let maximum = schema["maximum"]?.numberValue, number > maximum { problems.append("\(path): above maximum") }
        }
        if case .array(let items) = value {
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { problems += check(item, against: itemSchema, path: "\(path)[\(index)]") }
            }
            if schema["uniqueItems"]?.boolValue == true, Set(items).count != items.count { problems.append("\(path): duplicate items") }
        }
        if case .object(let members) = value {
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in members {
                if let propertySchema = properties[key] {
                    problems += check(member, against: propertySchema, path: "\(path).\(key)")
                } else if schema["additionalProperties"]?.boolValue == false {
                    problems.append("\(path): unexpected property '\(key)'")
                }
            }
            for required in schema["required"]?.stringArray ?? [] where members[required] == nil {
                problems.append("\(path): missing '\(required)'")
            }
        }
        if let branches = schema["oneOf"]?.arrayValue {
            let results = branches.map { check(value, against: $0, path: path) }
            let passing = results.filter(\.isEmpty).count
            if passing != 1 {
                problems.append("\(path): matches \(passing) of oneOf; closest: \(results.min { $0.count < $1.count } ?? [])")
            }
        }
        return problems
    }

    private func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): true
        case ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }
}
