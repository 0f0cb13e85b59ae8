import Foundation
import GraphClient
import GraphEmulator
import Logging
import PolicyModel

/// `--emulator SEEDFILE`: the Graph emulator in-process on 127.0.0.1:0, and a client connected to it
/// with the default application's credentials.
enum EmulatorConnection {
    static func start(seedPath: String, caVersion: GraphVersion, logger: Logger, logsCredential: Bool = true) async throws -> GraphConnection {
        let seed: TenantSeed
        do {
            seed = try TenantSeed(contentsOf: URL(fileURLWithPath: seedPath))
        } catch {
            throw GraphError.configuration("--emulator \(seedPath): \(error)")
        }
        let server = try await EmulatorServer(configuration: EmulatorConfiguration(seed: seed))
        let baseURL = try await server.start()
        let defaults = server.credentials
        guard let secret = defaults.clientSecret else {
            await server.shutdown()
            throw GraphError.configuration("--emulator \(seedPath): the seed's first application has no secret to sign in with")
        }
        let endpoints = try GraphEndpoints(cloud: .global, graphURL: baseURL.absoluteString, loginURL: nil)
        let credential = Credential.clientSecret(
            tenantId: defaults.tenantId, clientId: defaults.clientId, secret: secret, source: "--emulator default application")
        let shown = logsCredential ? ", credential: \(credential.description)" : ""
        logger.debug("emulator: \(baseURL.absoluteString)\(shown)")
        let transport = AsyncHTTPClientTransport()
        // The in-process emulator has no rate limit: no client-side pacing either.
        let client = GraphClient(
            credential: credential,
            configuration: GraphClientConfiguration(endpoints: endpoints, conditionalAccessVersion: caVersion, pacing: .disabled),
            transport: transport, logger: logger)
        return GraphConnection(client: client, credential: credential, transport: transport, logger: logger) { await server.shutdown() }
    }
}
