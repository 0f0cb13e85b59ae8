import Foundation

/// A JSON document as a value: what Graph sends and receives, with nothing lost.
///
/// Graph objects carry fields entraform does not model (beta additions, OData annotations); keeping
/// them as `JSONValue` means they survive a round trip untouched. Objects compare by content, not key
/// order; numbers are kept as `Double` and written without a fraction when they are whole.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, or `nil` for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this is a Boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number, if this is a number.
    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as an integer, if this is a whole number.
    public var intValue: Int? {
        guard case .number(let value) = self, value.rounded() == value, abs(value) < 9e15 else { return nil }
        return Int(value)
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The array's string elements, if this is an array of strings only.
    public var stringArray: [String]? {
        guard case .array(let values) = self else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(values.count)
        for value in values {
            guard case .string(let string) = value else { return nil }
            strings.append(string)
        }
        return strings
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let whole = intValue { try container.encode(whole) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// Why bytes could not be read as JSON.
public struct JSONDecodingFailure: Error, Sendable, CustomStringConvertible {
    /// A one-line explanation, with a 1-based line and column where the decoder reported one.
    public var description: String
    public var line: Int?
    public var column: Int?
}

extension JSONValue {
    /// Decodes JSON bytes in any encoding real exports use: UTF-8 with or without a byte-order mark,
    /// and UTF-16 or UTF-32, little- or big-endian (with a BOM, or recognised by its zero bytes).
    public static func decode(exportedData data: Data) throws(JSONDecodingFailure) -> JSONValue {
        guard let utf8 = Self.utf8Text(from: data) else {
            throw JSONDecodingFailure(description: "the file is not text in UTF-8, UTF-16 or UTF-32")
        }
        if let parsed = try? parse(utf8) { return parsed }
        // Syntax errors are located by our own scan: platform parsers do not all say where.
        if let syntax = JSONSyntax.firstError(in: utf8) {
            throw JSONDecodingFailure(description: "not valid JSON: \(syntax.message)", line: syntax.line, column: syntax.column)
        }
        // Parse again with the decoder only to describe what is wrong.
        do {
            return try JSONDecoder().decode(JSONValue.self, from: utf8)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw JSONDecodingFailure(description: "not valid JSON: \(error)")
        }
    }

    /// Parses UTF-8 JSON quickly (Foundation's `JSONSerialization`, then a walk into `JSONValue`).
    /// Decoding `JSONValue` through `Codable` must try every case in turn and throws on each miss;
    /// this is several times faster on Graph's large pages. Booleans are told from numbers by their
    /// Objective-C type (`c`), which `JSONSerialization` gives only to `true` and `false`.
    public static func parse(_ data: Data) throws -> JSONValue {
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        return JSONValue(foundationObject: object)
    }

    private init(foundationObject object: Any) {
        // Collections and strings first: testing a Swift collection `as NSNumber` would bridge it to
        // an NSDictionary or NSArray first, which cost more than the parse itself.
        switch object {
        case let text as String:
            self = .string(text)
        case let dictionary as [String: Any]:
            self = .object(dictionary.mapValues(JSONValue.init(foundationObject:)))
        case let array as [Any]:
            self = .array(array.map(JSONValue.init(foundationObject:)))
        case is NSNull:
            self = .null
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                self = .number(number.doubleValue)
            }
        default:
            self = .null
        }
    }

    /// Re-encodes text bytes as UTF-8 without a BOM, detecting the source encoding
    /// (``TextEncodingDetection``).
    public static func utf8Text(from data: Data) -> Data? {
        let bytes = [UInt8](data.prefix(4))
        func transcode(_ encoding: String.Encoding, dropping prefix: Int) -> Data? {
            guard let text = String(data: data.dropFirst(prefix), encoding: encoding) else { return nil }
            return Data(text.utf8)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return transcode(.utf8, dropping: 3) }
        if let wide = TextEncodingDetection.wide(bytes) { return transcode(wide.encoding, dropping: wide.byteOrderMarkLength) }
        return String(data: data, encoding: .utf8) == nil ? nil : data
    }

    private static func describe(_ error: DecodingError) -> JSONDecodingFailure {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
        @unknown default:
            return JSONDecodingFailure(description: "not valid JSON")
        }
        var message = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            ?? context.debugDescription
        var line: Int?
        var column: Int?
        // Foundation reports "around line L, column C" for syntax errors; lift it into fields.
        if let range = message.range(of: #"line (\d+), column (\d+)"#, options: .regularExpression) {
            let numbers = message[range].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if numbers.count == 2 { line = numbers[0]; column = numbers[1] }
        }
        if message.isEmpty { message = "not valid JSON" }
        return JSONDecodingFailure(description: message, line: line, column: column)
    }

    /// Serialises to compact (the canonical form, ``compactJSON(keyOrder:)``) or pretty JSON (for
    /// people: files and `--format json`), keys sorted, so equal values give equal bytes.
    public func serialized(pretty: Bool = false) -> Data {
        guard pretty else { return Data(compactJSON()) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every case maps onto a JSON value.
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    /// The serialised form as a string.
    public func serializedString(pretty: Bool = false) -> String {
        String(decoding: serialized(pretty: pretty), as: UTF8.self)
    }
}
