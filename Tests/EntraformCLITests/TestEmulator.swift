@testable import EntraformCLI
import EntraformTestSupport
import Foundation
import GraphClient
import GraphEmulator
import Logging
import PolicyModel

/// Runs `body` with an in-process emulator seeded from `seed`, and a function that connects the
/// real client to it (client-side pacing off: the emulator has no rate limit unless asked).
func withTestEmulator(
    _ seed: TenantSeed,
    _ body: (EmulatorServer, @escaping (Settings) async throws -> GraphConnection) async throws -> Void
) async throws {
    try await withEmulator(EmulatorConfiguration(seed: seed)) { server, url in
        try await withTestEmulatorConnection(server: server, url: url) { connect in try await body(server, connect) }
    }
}

/// A way to connect to a running test emulator (client credentials of its default application, no pacing).
func withTestEmulatorConnection(
    server: EmulatorServer, url: URL, _ body: (@escaping (Settings) async throws -> GraphConnection) async throws -> Void
) async throws {
    let credentials = server.credentials
    let connect: (Settings) async throws -> GraphConnection = { settings in
        let credential = Credential.clientSecret(tenantId: credentials.tenantId, clientId: credentials.clientId,
                                                 secret: credentials.clientSecret ?? "")
        let (client, transport) = try testEmulatorClient(url, credential, conditionalAccessVersion: settings.graphVersion ?? .beta)
        return GraphConnection(client: client, credential: credential, transport: transport, onClose: nil)
    }
    try await body(connect)
}

/// A real client of the test emulator at `url` signing in with `credential`, unpaced and silent; the
/// caller shuts the transport down.
func testEmulatorClient(_ url: URL, _ credential: Credential, conditionalAccessVersion: GraphVersion = .beta) throws
    -> (GraphClient, AsyncHTTPClientTransport) {
    let endpoints = try GraphEndpoints(cloud: .global, graphURL: url.absoluteString, loginURL: nil)
    let transport = AsyncHTTPClientTransport()
    let client = GraphClient(
        credential: credential,
        configuration: GraphClientConfiguration(endpoints: endpoints, conditionalAccessVersion: conditionalAccessVersion, pacing: .disabled),
        transport: transport, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    return (client, transport)
}
