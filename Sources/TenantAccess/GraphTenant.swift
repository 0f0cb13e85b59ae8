import Foundation
import GraphClient
import PolicyModel
import Reconciliation

/// The Graph client seen through the reconciler's reading and writing protocols (the reconciler
/// never imports the client; this adapter joins them, for the CLI and the tests alike).
package struct GraphTenant: TenantReading, TenantWriting {
    package let client: GraphClient

    package init(client: GraphClient) { self.client = client }

    package func list(_ kind: ObjectKind) async throws -> [JSONValue] {
        switch kind {
        case .conditionalAccessPolicy: try await client.listPolicies()
        case .namedLocation: try await client.listNamedLocations()
        }
    }

    package func create(_ kind: ObjectKind, body: JSONValue) async throws -> WriteReceipt {
        let result = switch kind {
        case .conditionalAccessPolicy: try await client.createPolicy(body)
        case .namedLocation: try await client.createNamedLocation(body)
        }
        return WriteReceipt(id: result.id, requestId: result.receipt.requestId)
    }

    package func update(_ kind: ObjectKind, id: String, body: JSONValue) async throws -> WriteReceipt {
        let receipt = switch kind {
        case .conditionalAccessPolicy: try await client.updatePolicy(id: id, patch: body)
        case .namedLocation: try await client.updateNamedLocation(id: id, patch: body)
        }
        return WriteReceipt(id: id, requestId: receipt.requestId)
    }

    package func delete(_ kind: ObjectKind, id: String) async throws -> WriteReceipt {
        let receipt = switch kind {
        case .conditionalAccessPolicy: try await client.deletePolicy(id: id)
        case .namedLocation: try await client.deleteNamedLocation(id: id)
        }
        return WriteReceipt(id: id, requestId: receipt.requestId)
    }
}

/// Writes each object's live JSON before it is changed, into a folder of its own for this run:
/// `<base>/<UTC time>/<kind>-<id>.json`, with `-2`, `-3`, … added to the folder name when another
/// run (even one started in the same second, or at the same moment) already took it. Earlier
/// backups are never overwritten. The folder is created with the first backup, so a run that
/// changes nothing leaves none.
package actor BackupFolder: BackupSink {
    /// Where run folders are made.
    package let base: URL
    private let now: @Sendable () -> Date
    /// This run's folder, once the first backup claimed it.
    package private(set) var folder: URL?

    /// - Parameter folder: the folder under which this run's folder is made (`--backup-dir`, or
    ///   ``defaultFolder()``).
    package init(folder base: URL, now: @escaping @Sendable () -> Date = { Date() }) {
        self.base = base
        self.now = now
    }

    package func store(kind: ObjectKind, id: String, displayName: String, liveObject: JSONValue) async throws {
        let folder = try self.folder ?? claimRunFolder()
        self.folder = folder
        let safeId = id.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let file = folder.appendingPathComponent("\(kind.rawValue)-\(safeId).json")
        try liveObject.serialized(pretty: true).write(to: file, options: .atomic)
    }

    /// Creates `<base>/<UTC time>` (or the first free `-N` variant) atomically: `mkdir` fails when
    /// the name exists, so two runs never share a folder.
    private func claimRunFolder() throws -> URL {
        try WorkingDirectoryPaths.refuseLinks(in: base.relativePath, what: "backup folder", option: "--backup-dir")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let stamp = Self.stamp(now())
        for attempt in 1...10_000 {
            let candidate = base.appendingPathComponent(attempt == 1 ? stamp : "\(stamp)-\(attempt)")
            if mkdir(candidate.path, 0o755) == 0 { return candidate }
            guard errno == EEXIST else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: candidate.path,
                                                               NSLocalizedDescriptionKey: "cannot create backup folder \(candidate.path): \(String(cString: strerror(errno)))"])
            }
        }
        throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: base.path])
    }

    /// `2026-12-02T091502Z`: UTC, no colons (valid in file names everywhere).
    package static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
        return formatter.string(from: date).replacingOccurrences(of: ":", with: "") + "Z"
    }

    /// `.entraform/backups`: the default `--backup-dir`, under which each run makes its `<UTC time>/` folder.
    package static func defaultFolder() -> URL {
        URL(fileURLWithPath: ".entraform/backups")
    }
}
