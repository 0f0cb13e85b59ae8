import Foundation
import PolicyModel
import Yams

/// Writes policy language documents as YAML: keys in the language schema's order, scalars quoted
/// by Yams' emitter wherever plain text would read as something else (`'true'`, `'NO'`, `'123'`).
public enum YAMLWriting {
    /// The YAML text of one document of `kind`, preceded by `header` lines written as `# …` comments.
    /// `comments` puts comment lines before top-level keys (key → lines).
    public static func document(_ value: JSONValue, kind: DocumentKind, header: [String] = [],
                                comments: [String: [String]] = [:]) throws -> String {
        let node = try self.node(value, shape: .object(LanguageSchema.shape(of: kind)))
        var text = try Yams.serialize(node: node, indent: 2, width: 120, allowUnicode: true)
        for (key, lines) in comments.sorted(by: { $0.key < $1.key }) {
            guard let range = text.range(of: "\n\(key):") ?? (text.hasPrefix("\(key):") ? text.startIndex..<text.startIndex : nil) else {
                continue
            }
            let insertion = lines.map { "# \($0)" }.joined(separator: "\n") + "\n"
            let at = range.isEmpty ? range.lowerBound : text.index(after: range.lowerBound)
            text.insert(contentsOf: insertion, at: at)
        }
        let commentLines = header.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            .map { $0.isEmpty ? "#" : "# \($0)" }
        return (commentLines.isEmpty ? "" : commentLines.joined(separator: "\n") + "\n") + text
    }

    /// `value` as a YAML node; objects follow `shape`'s field order (unknown keys last, sorted).
    public static func node(_ value: JSONValue, shape: Shape?) throws -> Node {
        switch value {
        case .null:
            return Node("null", Tag(.null), .plain)
        case .bool(let flag):
            return Node(flag ? "true" : "false", Tag(.bool), .plain)
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 { return try Int(number).represented() }
            return try number.represented()
        case .string(let text):
            return Node.scalar(text.represented())
        case .array(let items):
            var itemShape: Shape?
            if case .list(let inner, _)? = shape { itemShape = inner }
            let nodes = try items.map { try node($0, shape: itemShape) }
            let short = items.allSatisfy { item in
                if case .string(let text) = item { return text.count <= 40 && !text.contains("\n") }
                return item.objectValue == nil && item.arrayValue == nil
            } && items.reduce(0) { $0 + ($1.stringValue?.count ?? 6) + 2 } <= 80
            return Node.sequence(Node.Sequence(nodes, Tag(.seq), short ? .flow : .block))
        case .object(let members):
            var objectShape: ObjectShape?
            if case .object(let shape)? = shape { objectShape = shape }
            var keys = objectShape?.fields.map(\.name).filter { members[$0] != nil } ?? []
            keys += members.keys.filter { !keys.contains($0) }.sorted()
            let pairs = try keys.map { key in
                (Node.scalar(key.represented()), try node(members[key] ?? .null, shape: objectShape?.field(named: key)?.shape))
            }
            return Node.mapping(Node.Mapping(pairs, Tag(.map), .block))
        }
    }

    /// A file name for `displayName`: lower-case letters, digits and single dashes, unique in `taken`
    /// (case-insensitively), with `fileExtension` appended.
    public static func fileName(for displayName: String, taken: inout Set<String>, fileExtension: String = "yaml") -> String {
        var slug = ""
        for character in displayName.lowercased().folding(options: .diacriticInsensitive, locale: nil) {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        if slug.count > 80 { slug = String(slug.prefix(80)); while slug.last == "-" { slug.removeLast() } }
        if slug.isEmpty { slug = "unnamed" }
        var candidate = "\(slug).\(fileExtension)"
        var counter = 2
        while taken.contains(candidate.lowercased()) {
            candidate = "\(slug)-\(counter).\(fileExtension)"
            counter += 1
        }
        taken.insert(candidate.lowercased())
        return candidate
    }
}
