import Foundation
import PolicyModel

/// The repository's own inputs as seeds: the baseline policies, the examples, the scenario and
/// corpus files, and hand-written filters (the shapes entraform and Graph actually use).
public enum FuzzSeeds {
    /// Seeds for `target`, read from the package at `root`.
    public static func seeds(for target: FuzzTarget, root: URL) -> [Data] {
        switch target {
        case .yaml:
            return files(under: ["policies", "examples", "Tests/EntraformCLITests/Scenarios", "Tests/EntraformCLITests/ImpactScenarios"],
                         root: root, extensions: ["yaml", "yml"])
        case .filterRule:
            let fromPolicies = files(under: ["policies", "examples", "Tests"], root: root, extensions: ["yaml", "yml"]).flatMap { data in
                String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line -> Data? in
                    guard let range = line.range(of: "rule: ") else { return nil }
                    return Data(line[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")).utf8)
                }
            }
            return fromPolicies + [
                #"device.isCompliant -eq True -and device.trustType -eq "ServerAD""#,
                #"device.extensionAttribute1 -in ["a", "b"] -or -not (device.model -startsWith "Surface")"#,
                #"CustomSecurityAttribute.Engineering_Project -contains "Alpine""#,
                #"device.physicalIds -any _ -contains "[ZTDId]""#,
                #"(device.operatingSystem -eq "Windows") -and (device.deviceOwnership -ne "Personal")"#,
            ].map { Data($0.utf8) }
        case .odataFilter:
            return [
                "riskState eq 'atRisk' and riskLevel in ('high','medium') and detectedDateTime ge 2026-01-01T00:00:00Z",
                "id in ('00000000-0000-4000-8000-000000000001', 'b')", "startswith(displayName,'CA') or not(accountEnabled eq false)",
                "groupTypes/any(c:c eq 'Unified')", "targetResources/any(t: t/id eq 'abc')", "userPrincipalName eq 'o''neil@contoso.com'",
                "count gt 2 and count le 3.5", "endswith(userPrincipalName,'@contoso.com') and nothing eq null",
                "riskEventType in ('leakedCredentials','anomalousToken') and detectedDateTime lt 2026-12-06T00:00:00.1234567Z",
            ].map { Data($0.utf8) }
        case .graphJSON:
            return files(under: ["Tests/Corpus", "Tests/ReconciliationTests/Golden", "Tests/EntraformCLITests/RoundTripRegressions",
                                 "Tests/EntraformCLITests/ImpactScenarios"],
                         root: root, extensions: ["json"])
                + [Data(#"{"value":[{"id":"1","state":"enabled","conditions":null}],"@odata.nextLink":"x"}"#.utf8)]
        }
    }

    /// Files with one of `extensions` below `folders`, in path order, each cut to 16 KiB (mutations
    /// of a large file cost time without reaching more code).
    static func files(under folders: [String], root: URL, extensions: Set<String>) -> [Data] {
        var found: [(String, Data)] = []
        for folder in folders {
            let base = root.appendingPathComponent(folder)
            guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in enumerator where extensions.contains(url.pathExtension.lowercased()) {
                if let data = try? Data(contentsOf: url) { found.append((url.path, data.prefix(16_384))) }
            }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// Byte-level mutations driven by a seeded ``SplitMix64``: the same seed gives the same inputs.
public struct FuzzMutator {
    var random: SplitMix64
    let seeds: [Data]

    /// Fragments that matter to the parsers under test (YAML syntax, filter and OData operators).
    static let dictionary: [String] = [
        ":", ": ", "- ", "-", "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a", "!!str ", "!!binary ", "!custom ", "'", "\"", "''", "\\",
        "\t", "\n", "\r\n", "---\n", "...\n", "#", "|", ">", "? ", "~", "null", "true", "1e400", "-0", "0x1F", "\u{0}", "\u{FEFF}",
        "\u{200B}", "é", "😀", "-and ", "-or ", "-not ", "-eq ", "-in ", "-contains ", "-startsWith ", "device.", "(", ")",
        " eq ", " and ", " or ", "not ", " in ", "any(x:x eq ", "2026-01-01T00:00:00Z", "/", "@odata.type", "{\"a\":", "[[[[",
        "9999999999999999999999", "kind: ConditionalAccessPolicy\n", "displayName: ", "state: enabled\n",
    ]

    public init(seed: UInt64, seeds: [Data]) {
        random = SplitMix64(state: seed)
        self.seeds = seeds.isEmpty ? [Data()] : seeds
    }

    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(random.next() % UInt64(bound)) }

    /// The next input: a seed with one to eight mutations.
    public mutating func next() -> Data {
        var bytes = [UInt8](seeds[below(seeds.count)])
        for _ in 0...below(8) { mutate(&bytes) }
        return Data(bytes)
    }

    mutating func mutate(_ bytes: inout [UInt8]) {
        let position = below(bytes.count + 1)
        switch below(7) {
        case 0 where !bytes.isEmpty:  // flip a bit
            let index = min(position, bytes.count - 1)
            bytes[index] ^= UInt8(1) << UInt8(below(8))
        case 1 where !bytes.isEmpty:  // an interesting byte
            let index = min(position, bytes.count - 1)
            bytes[index] = [0x00, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x27, 0x2D, 0x3A, 0x5B, 0x7B, 0x7F, 0x80, 0xC3, 0xFF][below(15)]
        case 2, 3:  // a dictionary fragment
            bytes.insert(contentsOf: Array(Self.dictionary[below(Self.dictionary.count)].utf8), at: position)
        case 4 where !bytes.isEmpty:  // delete a range
            let length = min(1 + below(32), bytes.count - min(position, bytes.count - 1))
            let start = min(position, bytes.count - 1)
            bytes.removeSubrange(start..<(start + length))
        case 5 where !bytes.isEmpty:  // repeat a range (deep nesting, long lines)
            let start = min(position, bytes.count - 1)
            let slice = Array(bytes[start..<min(bytes.count, start + 1 + below(64))])
            for _ in 0..<(1 + below(4)) { bytes.insert(contentsOf: slice, at: start) }
        default:  // splice in part of another seed
            let other = [UInt8](seeds[below(seeds.count)])
            guard !other.isEmpty else { return }
            let start = below(other.count)
            bytes.insert(contentsOf: other[start..<min(other.count, start + 1 + below(256))], at: position)
        }
    }
}
