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

/// Why a saved plan cannot be used.
public enum SavedPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String)
    case unsupportedFormatVersion(Int)
    /// The plan's content no longer matches the digest recorded when it was saved: it was edited.
    case digestMismatch(recorded: String, actual: String)

    public var description: String {
        switch self {
        case .unreadable(let reason): "the saved plan cannot be read: \(reason)"
        case .unsupportedFormatVersion(let version): "the saved plan has format version \(version); this entraform reads version \(SavedPlan.currentFormatVersion)"
        case .digestMismatch(let recorded, let actual):
            "the saved plan was modified after it was made (digest \(recorded.prefix(12))…, content now hashes to \(actual.prefix(12))…)"
        }
    }
}

/// A plan written to a file by `plan --out` and read back by `apply PLANFILE`.
///
/// It records the plan's ``Plan/contentDigest`` so an edited file is refused, and the plan itself
/// carries ``Plan/liveStateDigest`` and per-object live fingerprints so ``Applier`` can refuse when
/// the tenant changed in the meantime. The digest detects edits, it does not authenticate the author.
public struct SavedPlan: Sendable, Hashable, Codable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var planDigest: String
    public var plan: Plan

    public init(_ plan: Plan) {
        self.formatVersion = Self.currentFormatVersion
        self.planDigest = plan.contentDigest
        self.plan = plan
    }

    /// The file contents: pretty JSON with sorted keys.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads a saved plan and checks its digest.
    public static func decode(_ data: Data) throws(SavedPlanError) -> Plan {
        let saved: SavedPlan
        do {
            saved = try JSONDecoder().decode(SavedPlan.self, from: data)
        } catch {
            throw .unreadable(String(describing: error))
        }
        guard saved.formatVersion == currentFormatVersion else { throw .unsupportedFormatVersion(saved.formatVersion) }
        let actual = saved.plan.contentDigest
        guard actual == saved.planDigest else { throw .digestMismatch(recorded: saved.planDigest, actual: actual) }
        return saved.plan
    }
}
