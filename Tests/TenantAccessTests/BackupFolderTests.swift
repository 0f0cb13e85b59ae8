import Foundation
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// `apply --backup-dir DIR`: every run keeps its own backups, even two runs in the same second.
@Suite("Backup folders")
struct BackupFolderTests {
    static let id = "73fb8cc7-9db9-4c33-9fb5-4aea133492b9"

    func runFolders(_ base: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
    }

    @Test func twoRunsWithTheSameBackupDirKeepBothBackups() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        // Two runs that start in the same second, one after the other and then at once.
        for state in ["enabled", "disabled"] {
            try await BackupFolder(folder: base).store(kind: .conditionalAccessPolicy, id: Self.id, displayName: "CA101",
                                                       liveObject: ["id": .string(Self.id), "state": .string(state)])
        }
        async let third: Void = BackupFolder(folder: base).store(kind: .namedLocation, id: Self.id, displayName: "Office", liveObject: ["n": 3])
        async let fourth: Void = BackupFolder(folder: base).store(kind: .namedLocation, id: Self.id, displayName: "Office", liveObject: ["n": 4])
        _ = try await (third, fourth)

        let folders = try runFolders(base)
        #expect(folders.count == 4, "\(folders)")
        let stamp = #/^\d{4}-\d{2}-\d{2}T\d{6}Z(-\d+)?$/#
        for folder in folders { #expect(folder.wholeMatch(of: stamp) != nil, "\(folder)") }
        var states: [String] = []
        for folder in folders {
            let file = base.appendingPathComponent(folder).appendingPathComponent("conditionalAccessPolicy-\(Self.id).json")
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            states.append(try JSONValue.decode(exportedData: data)["state"]?.stringValue ?? "")
        }
        #expect(states.sorted() == ["disabled", "enabled"])
    }

    @Test func oneRunWritesEveryObjectIntoOneFolder() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let run = BackupFolder(folder: base)
        try await run.store(kind: .conditionalAccessPolicy, id: "a", displayName: "A", liveObject: [:])
        try await run.store(kind: .namedLocation, id: "b", displayName: "B", liveObject: [:])
        let folders = try runFolders(base)
        #expect(folders.count == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(folders[0]).path).sorted()
        #expect(files == ["conditionalAccessPolicy-a.json", "namedLocation-b.json"])
    }

    @Test func aRunThatBacksUpNothingLeavesNoFolder() {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
        _ = BackupFolder(folder: base)
        #expect(!FileManager.default.fileExists(atPath: base.path))
    }
}
