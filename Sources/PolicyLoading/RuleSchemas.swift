import PolicyModel

/// JSON Schema fragments for ``ObjectRule``s: the loader's notion of *present* (a value that is not
/// null, not an empty list, not a mapping of absent values) spelled in JSON Schema, so the generated
/// schema and `validate` judge a document alike.
enum RuleSchema {
    /// Where the shared definition of an absent value lives in the generated schema.
    static let absentReference: JSONValue = ["$ref": "#/$defs/absentValue"]

    /// The shared definition: null, an empty list, or a mapping whose values are all absent.
    static let absentDefinition: JSONValue = [
        "anyOf": [
            ["type": "null"],
            ["type": "array", "maxItems": 0],
            ["type": "object", "additionalProperties": ["$ref": "#/$defs/absentValue"]],
        ],
    ]

    /// `key` holds something.
    static func present(_ key: String) -> JSONValue {
        ["required": [.string(key)], "properties": [key: ["not": absentReference]]]
    }

    /// `key` is left out, null or empty.
    static func absent(_ key: String) -> JSONValue {
        ["properties": [key: absentReference]]
    }

    /// `key` is left out or null (the loader drops null members before its rules see them).
    static func missing(_ key: String) -> JSONValue {
        ["properties": [key: ["type": "null"]]]
    }

    /// The list at `key` holds `value`.
    static func contains(_ key: String, _ value: String) -> JSONValue {
        ["required": [.string(key)], "properties": [key: ["type": "array", "contains": ["const": .string(value)]]]]
    }

    /// `key` equals `value`.
    static func equals(_ key: String, _ value: String) -> JSONValue {
        ["required": [.string(key)], "properties": [key: ["const": .string(value)]]]
    }

    static func ifThen(_ condition: JSONValue, _ consequence: JSONValue, otherwise: JSONValue? = nil) -> JSONValue {
        var value: JSONValue = ["if": condition, "then": consequence]
        if let otherwise { value["else"] = otherwise }
        return value
    }

    static func allOf(_ parts: [JSONValue]) -> JSONValue { ["allOf": .array(parts)] }
    static func anyOf(_ parts: [JSONValue]) -> JSONValue { ["anyOf": .array(parts)] }
    static func oneOf(_ parts: [JSONValue]) -> JSONValue { ["oneOf": .array(parts)] }

    /// A regular expression matching any of `words` in any letter case (JSON Schema's ECMA 262
    /// patterns have no case-insensitive flag).
    static func caseInsensitivePattern(_ words: [String]) -> String {
        let alternatives = words.map { word in
            word.map { character -> String in
                let lower = character.lowercased(), upper = character.uppercased()
                return lower == upper ? NSRegularExpressionEscape(String(character)) : "[\(upper)\(lower)]"
            }.joined()
        }
        return "^(?:\(alternatives.joined(separator: "|")))$"
    }

    private static func NSRegularExpressionEscape(_ text: String) -> String {
        text.unicodeScalars.map { "\\^$.|?*+()[]{}/".unicodeScalars.contains($0) ? "\\\(Character($0))" : String(Character($0)) }.joined()
    }
}
