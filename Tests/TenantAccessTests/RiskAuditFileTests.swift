import Foundation
import PolicyEvaluation
import TenantAccess
import Testing

/// The risk audit log is private (0600) and append-only, and never written through a link.
@Suite("Risk audit file")
struct RiskAuditFileTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func record(_ detail: String) -> RiskAuditRecord {
        RiskAuditRecord(time: "2026-12-06T00:00:00Z", runId: "run", actor: "test", result: "executed", detail: detail)
    }

    @Test func aNewLogIsCreatedPrivate() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("nested/audit.jsonl").path
        try RiskAuditFile(path: path).append(Self.record("one"))
        #expect(try Self.mode(path) == 0o600)
    }

    /// What was there stays byte for byte, each record is added after it, and a log another tool left
    /// readable by others is narrowed to 0600.
    @Test func recordsAreOnlyEverAppended() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("audit.jsonl").path
        let earlier = Data("{\"earlier\":\"line\"}\nnot json, kept as it is\n".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: earlier, attributes: [.posixPermissions: 0o644]))
        let log = RiskAuditFile(path: path)
        try log.append(Self.record("one"))
        let afterOne = try Data(contentsOf: URL(fileURLWithPath: path))
        try log.append(Self.record("two"))
        let afterTwo = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(afterOne.starts(with: earlier))
        #expect(afterTwo.starts(with: afterOne))
        #expect(log.records().map(\.detail) == ["one", "two"])
        #expect(try Self.mode(path) == 0o600)
    }

    /// A link as the log itself is refused (`O_NOFOLLOW`), whether it points at an existing file or
    /// at nothing yet; the target is left untouched.
    @Test func aLinkIsNeverWrittenThrough() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("bashrc").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data("original\n".utf8)))
        for (name, destination) in [("existing.jsonl", target), ("dangling.jsonl", folder.appendingPathComponent("new-file").path)] {
            let link = folder.appendingPathComponent(name).path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: destination)
            let log = RiskAuditFile(path: link)
            let error = #expect(throws: RiskAuditFile.WriteError.self) { try log.prepare() }
            #expect(error?.description.contains("symbolic link") == true, "\(error?.description ?? "")")
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "original\n")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("new-file").path))
    }
}
