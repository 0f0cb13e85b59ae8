import PolicyModel

/// Generates a JSON Schema (draft 2020-12) for the language from the same shapes the loader uses,
/// so editors with yaml-language-server complete and check exactly what `entraform validate` accepts.
public enum JSONSchemaGeneration {
    public static func schema() -> JSONValue {
        var definitions: [String: JSONValue] = [:]
        var branches: [JSONValue] = []
        for kind in DocumentKind.allCases {
            let name = kind.rawValue
            var object = objectSchema(LanguageSchema.shape(of: kind))
            object["description"] = .string(kindDescription(kind))
            // Pin `kind` to this document's value so editors pick the right branch.
            if case .object(var properties)? = object["properties"] {
                properties["kind"] = ["const": .string(name), "description": "The document kind."]
                object["properties"] = .object(properties)
            }
            definitions[name] = object
            branches.append(["$ref": .string("#/$defs/\(name)")])
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "entraform configuration document",
            "description": "One document of an entraform configuration: Settings, ConditionalAccessPolicy, NamedLocation or RiskResponseRule.",
            "type": "object",
            "required": ["kind"],
            "oneOf": .array(branches),
            "$defs": .object(definitions.merging(["absentValue": RuleSchema.absentDefinition]) { first, _ in first }),
        ]
    }

    private static func kindDescription(_ kind: DocumentKind) -> String {
        switch kind {
        case .settings: "Configuration settings: tenant, cloud, scope, emergency access accounts, what-if scenarios."
        case .conditionalAccessPolicy: "A Conditional Access policy, in Microsoft Graph's field names with names allowed wherever Graph wants an id."
        case .namedLocation: "A named location: IP ranges or countries."
        case .riskResponseRule: "A declarative Identity Protection response."
        }
    }

    static func objectSchema(_ shape: ObjectShape) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in shape.fields {
            // `null` says the same as leaving an optional key out.
            var property = field.isRequired ? schema(for: field.shape) : nullable(schema(for: field.shape))
            property["description"] = .string(field.isBeta ? "\(field.description) (Graph beta)" : field.description)
            properties[field.name] = property
        }
        var object: JSONValue = [
            "type": "object",
            "properties": .object(properties),
            "additionalProperties": false,
        ]
        let required = shape.fields.filter(\.isRequired).map { JSONValue.string($0.name) }
        if !required.isEmpty { object["required"] = .array(required) }
        let rules = shape.rules.compactMap(\.schema)
        if !rules.isEmpty { object["allOf"] = .array(rules) }
        return object
    }

    /// `schema` also accepting `null`.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        var schema = schema
        if case .array(var values)? = schema["enum"] {
            values.append(.null)
            schema["enum"] = .array(values)
        }
        if let type = schema["type"]?.stringValue { schema["type"] = [.string(type), "null"] }
        return schema
    }

    static let objectIDPattern = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"

    static func schema(for shape: Shape) -> JSONValue {
        switch shape {
        case .object(let object):
            return objectSchema(object)
        case .list(let element, let isSet):
            var list: JSONValue = ["type": "array", "items": schema(for: element)]
            if isSet { list["uniqueItems"] = true }
            return list
        case .integer(let range):
            return ["type": "integer", "minimum": .number(Double(range.lowerBound)), "maximum": .number(Double(range.upperBound))]
        case .boolean:
            return ["type": "boolean"]
        case .string(let kind):
            switch kind {
            case .text: return ["type": "string"]
            case .nonEmptyText: return ["type": "string", "minLength": 1, "pattern": "\\S"]
            case .displayName(let maximumLength):
                // Not blank, not too long, no control character (a tab included); look-alike duplicates
                // and outer or invisible characters are the loader's alone.
                return ["type": "string", "minLength": 1, "maxLength": .number(Double(maximumLength)), "pattern": "\\S",
                        "not": ["pattern": "[\\u0000-\\u001F\\u007F-\\u009F]"]]
            case .enumeration(let values, let aliases):
                return ["type": "string", "enum": .array((values + aliases.keys.sorted()).map(JSONValue.string))]
            case .reference(let reference):
                var value: JSONValue = ["type": "string", "minLength": 1, "pattern": "\\S"]
                // Reserved words are matched in any case; those this field does not take are errors.
                let refused = ReservedWord.allWords.filter { !reference.reservedWords.contains($0) }
                if !refused.isEmpty { value["not"] = ["type": "string", "pattern": .string(RuleSchema.caseInsensitivePattern(refused))] }
                if reference.requiresUPN {
                    // A user principal name, an object id, or an allowed reserved word.
                    var forms: [JSONValue] = [["pattern": "@"], ["pattern": .string(objectIDPattern)]]
                    if !reference.reservedWords.isEmpty {
                        forms.append(["pattern": .string(RuleSchema.caseInsensitivePattern(reference.reservedWords))])
                    }
                    value["anyOf"] = .array(forms)
                }
                if !reference.reservedWords.isEmpty {
                    value["examples"] = .array(reference.reservedWords.map(JSONValue.string))
                }
                value["$comment"] = .string("A \(reference.formsDescription)"
                    + (reference.reservedWords.isEmpty ? "" : ", or \(reference.reservedWords.joined(separator: ", "))"))
                return value
            case .duration: return ["type": "string", "pattern": "^[1-9][0-9]*[mhd]$"]
            case .percentage: return ["type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%$"]
            case .cidr: return ["type": "string", "pattern": "^[0-9A-Fa-f:.]+/[0-9]{1,3}$"]
            case .ipAddress: return ["type": "string", "pattern": "^[0-9A-Fa-f:.]+$"]
            case .countryCode: return ["type": "string", "pattern": "^[A-Z]{2}$"]
            case .filterRule: return ["type": "string", "minLength": 1]
            case .objectID:
                return ["type": "string", "pattern": .string(objectIDPattern)]
            case .userAction: return ["type": "string", "enum": .array(ValueChecks.userActions.map(JSONValue.string))]
            case .riskEventType: return ["type": "string", "minLength": 1, "pattern": "\\S", "examples": .array(RiskEventTypes.documented.map(JSONValue.string))]
            }
        }
    }
}
