import Foundation
import GraphClient
import PolicyModel
import Reconciliation

/// The Graph client seen through the reconciler's reading and writing protocols (the reconciler
/// never imports the client; the CLI joins them here).
struct GraphTenant: TenantReading, TenantWriting {
    let client: GraphClient

    func list(_ kind: ObjectKind) async throws -> [JSONValue] {
        switch kind {
        case .conditionalAccessPolicy: try await client.listPolicies()
        case .namedLocation: try await client.listNamedLocations()
        }
    }

    func create(_ kind: ObjectKind, body: JSONValue) async throws -> WriteReceipt {
        let result = switch kind {
        case .conditionalAccessPolicy: try await client.createPolicy(body)
        case .namedLocation: try await client.createNamedLocation(body)
        }
        return WriteReceipt(id: result.id, requestId: result.receipt.requestId)
    }

    func update(_ kind: ObjectKind, id: String, body: JSONValue) async throws -> WriteReceipt {
        let receipt = switch kind {
        case .conditionalAccessPolicy: try await client.updatePolicy(id: id, patch: body)
        case .namedLocation: try await client.updateNamedLocation(id: id, patch: body)
        }
        return WriteReceipt(id: id, requestId: receipt.requestId)
    }

    func delete(_ kind: ObjectKind, id: String) async throws -> WriteReceipt {
        let receipt = switch kind {
        case .conditionalAccessPolicy: try await client.deletePolicy(id: id)
        case .namedLocation: try await client.deleteNamedLocation(id: id)
        }
        return WriteReceipt(id: id, requestId: receipt.requestId)
    }
}

/// Writes each object's live JSON before it is changed: `<folder>/<kind>-<id>.json`.
struct BackupFolder: BackupSink {
    let folder: URL

    func store(kind: ObjectKind, id: String, displayName: String, liveObject: JSONValue) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let safeId = id.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let file = folder.appendingPathComponent("\(kind.rawValue)-\(safeId).json")
        try liveObject.serialized(pretty: true).write(to: file, options: .atomic)
    }

    /// `.entraform/backups/<UTC time>/` under `base`.
    static func defaultFolder(base: String = ".entraform/backups", now: Date = Date()) -> URL {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime]
        let stamp = formatter.string(from: now).replacingOccurrences(of: ":", with: "")
        return URL(fileURLWithPath: base).appendingPathComponent(stamp + "Z")
    }
}
