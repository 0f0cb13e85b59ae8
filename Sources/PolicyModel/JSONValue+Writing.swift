/// The one compact JSON writer: everything entraform writes without indentation (Graph responses in
/// the emulator, fingerprints and digests, request bodies) goes through it, so equal values always
/// give equal bytes and every digest hashes one canonical form.
extension JSONValue {
    /// Compact JSON: keys in `keyOrder` (sorted by default), whole numbers written without a
    /// fraction, non-finite numbers as `null`, strings with JSON's escapes and nothing else escaped.
    public func compactJSON(keyOrder: (String, String) -> Bool = { $0 < $1 }) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, keyOrder: keyOrder)
        return out
    }

    /// The canonical form: compact, keys sorted. What fingerprints and digests hash.
    public var canonicalJSON: String { String(decoding: compactJSON(), as: UTF8.self) }

    private func write(into out: inout [UInt8], keyOrder: (String, String) -> Bool) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): Self.write(number, into: &out)
        case .string(let string): Self.write(string, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out, keyOrder: keyOrder)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted(by: keyOrder).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(key, into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.write(into: &out, keyOrder: keyOrder)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func write(_ number: Double, into out: inout [UInt8]) {
        if number.rounded() == number, abs(number) < 9e15 {
            out.append(contentsOf: String(Int64(number)).utf8)
        } else if number.isFinite {
            out.append(contentsOf: "\(number)".utf8)
        } else {
            out.append(contentsOf: "null".utf8)
        }
    }

    private static func write(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
