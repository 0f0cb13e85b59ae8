import Foundation
import PolicyModel

/// A seed file: the JSON document described in the README ("Seed file").
///
/// Top-level keys are all optional: `tenantId`, `domains`, `users`, `groups`, `roleAssignments`,
/// `servicePrincipals`, `applications`, and raw Graph objects (any shape found in exports: beta or
/// v1.0, with annotations) under `namedLocations`, `policies`, `authenticationStrengthPolicies`,
/// `termsOfUse`, `authenticationContexts`, `riskyUsers`, `riskDetections`, `riskyServicePrincipals`,
/// `servicePrincipalRiskDetections`. The emulator normalises them on load. `signIns` and
/// `directoryAudits` (Graph `signIn` and `directoryAudit` objects, each with its `id`) are loaded as
/// they are, so a tenant can start with history.
public struct TenantSeed: Sendable {
    /// The decoded document.
    public var document: JSONValue

    /// Wraps an already decoded document.
    public init(document: JSONValue) {
        self.document = document
    }

    /// Decodes a seed from bytes in any encoding exports use (UTF-8, UTF-16 with or without BOM).
    public init(data: Data) throws {
        let value = try JSONValue.decode(exportedData: data)
        guard case .object = value else {
            throw SeedError(description: "a seed must be a JSON object")
        }
        self.document = value
    }

    /// Reads and decodes a seed file.
    public init(contentsOf url: URL) throws {
        try self.init(data: Data(contentsOf: url))
    }
}

/// Why a seed could not be loaded.
public struct SeedError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
