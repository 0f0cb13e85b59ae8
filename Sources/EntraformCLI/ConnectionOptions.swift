import ArgumentParser
import Foundation
import GraphClient
import Logging
import PolicyModel

/// The options of every command that talks to a tenant: where (cloud, tenant, URLs or an in-process
/// emulator), how to sign in (`--device-code`; otherwise the environment), and `--debug`.
public struct ConnectionOptions: ParsableArguments, Sendable {
    @Option(help: "Tenant id or verified domain. --tenant, AZURE_TENANT_ID and Settings.tenant are used in that order, and any two given must name the same tenant as the access token.")
    public var tenant: String?

    @Option(help: "Microsoft cloud: global, usgov, usgovdod or china.")
    public var cloud: String?

    @Option(name: .customLong("graph-url"), help: "Graph base URL instead of the cloud's (https, or http to a loopback host).")
    public var graphURL: String?

    @Option(name: .customLong("login-url"), help: "Login base URL instead of the cloud's (defaults to --graph-url when that is given).")
    public var loginURL: String?

    @Option(
        name: .customLong("emulator"),
        help: ArgumentHelp("Start the Graph emulator in-process, seeded from SEEDFILE, and connect to it with its default application.", valueName: "SEEDFILE"))
    public var emulatorSeed: String?

    @Flag(name: .customLong("device-code"), help: "Sign in interactively with the device code flow.")
    public var deviceCode = false

    @Option(name: .customLong("requests-per-second"),
            help: ArgumentHelp("Client-side pacing of conditional access and Identity Protection requests (Graph allows 1 per second per tenant; 0 turns pacing off, e.g. for an emulator without a rate limit).", valueName: "N"))
    public var requestsPerSecond: Double = 1

    @Flag(help: "Log each Graph request (method, path, status, duration, request ids) to stderr. Never logs secrets or tokens.")
    public var debug = false

    public init() {}

    public func validate() throws {
        if let cloud, GraphCloud(name: cloud) == nil {
            throw ValidationError("--cloud must be one of global, usgov, usgovdod, china (got '\(cloud)')")
        }
        if requestsPerSecond < 0 {
            throw ValidationError("--requests-per-second must be 0 (no pacing) or more")
        }
        if emulatorSeed != nil, graphURL != nil || loginURL != nil {
            throw ValidationError("--emulator cannot be combined with --graph-url or --login-url")
        }
    }

    /// The cloud to use: `--cloud`, else Settings, else global.
    public func resolvedCloud(settings: Settings? = nil) -> GraphCloud {
        if let cloud, let parsed = GraphCloud(name: cloud) { return parsed }
        if let fromSettings = settings?.cloud { return GraphCloud(fromSettings) }
        return .global
    }

    /// Pacing from `--requests-per-second` (Graph's defaults otherwise).
    public var pacing: PacingConfiguration {
        var pacing = PacingConfiguration.graphDefaults
        pacing.conditionalAccessAndIdentityProtection = requestsPerSecond > 0
            ? PacingConfiguration.Rate(requestsPerSecond: requestsPerSecond) : .unlimited
        return pacing
    }

    /// A logger for `--debug` (stderr, level debug) or a silent one.
    public func makeLogger(label: String = "entraform.graph") -> Logger {
        if debug {
            var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = .debug
            return logger
        }
        return Logger(label: label) { _ in SwiftLogNoOpLogHandler() }
    }

    /// Connects: starts the emulator when asked, resolves the credential from `environment`, and
    /// builds a client. Call ``GraphConnection/close()`` when done.
    ///
    /// - Parameter bindingTenant: check the access token's tenant against every tenant named
    ///   (``tenantClaims(settings:environment:)``) before returning; `doctor` turns it off to report the
    ///   check as a line of its own.
    /// - Throws: ``GraphError`` (configuration: no credential, bad URL, unreadable seed, a tenant mismatch…).
    public func connect(
        settings: Settings? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
        bindingTenant: Bool = true,
        prompt: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) async throws -> GraphConnection {
        let logger = makeLogger()
        let cloud = resolvedCloud(settings: settings)
        let caVersion: GraphVersion = settings?.graphVersion ?? .beta
        let claims = tenantClaims(settings: settings, environment: environment)
        // Contradictions visible offline stop the command before any request.
        if let conflict = TenantBinding.offlineConflict(in: claims) { throw conflict }
        if let emulatorSeed {
            let connection = try await EmulatorConnection.start(seedPath: emulatorSeed, caVersion: caVersion, logger: logger,
                                                                logsCredential: bindingTenant)
            return bindingTenant ? try await connection.bound(to: claims) : connection
        }
        var resolution = Credential.ResolutionOptions(tenant: tenant, deviceCode: deviceCode)
        resolution.configuredTenant = settings?.tenant
        let endpoints = try GraphEndpoints(cloud: cloud, graphURL: graphURL, loginURL: loginURL)
        let credential = try Credential.resolve(environment: environment, options: resolution)
        // doctor prints the credential in its report; --debug does not repeat it there.
        if bindingTenant { logger.debug("credential: \(credential.description)") }
        logger.debug("graph: \(endpoints.graphURL) (conditional access \(caVersion.rawValue)), login: \(endpoints.loginURL)")
        let transport = AsyncHTTPClientTransport()
        let client = GraphClient(
            credential: credential,
            configuration: GraphClientConfiguration(endpoints: endpoints, conditionalAccessVersion: caVersion, pacing: pacing),
            transport: transport, logger: logger, deviceCodePrompt: prompt)
        let connection = GraphConnection(client: client, credential: credential, transport: transport, logger: logger, onClose: nil)
        return bindingTenant ? try await connection.bound(to: claims) : connection
    }

    /// Every tenant named for this run, in the order they are used: `--tenant`, `AZURE_TENANT_ID`
    /// (Azure DevOps: `AZURESUBSCRIPTION_TENANT_ID`), `Settings.tenant`. With `--emulator` the
    /// environment is not consulted: the emulator's own application signs in.
    public func tenantClaims(settings: Settings?, environment: [String: String] = ProcessInfo.processInfo.environment) -> [TenantClaim] {
        var resolution = Credential.ResolutionOptions(tenant: tenant, deviceCode: deviceCode)
        resolution.configuredTenant = settings?.tenant
        return Credential.tenantClaims(environment: emulatorSeed == nil ? environment : [:], options: resolution)
    }
}

/// A connected client and what must be shut down with it.
public final class GraphConnection: Sendable {
    public let client: GraphClient
    /// The credential in use (describe it with `description`; it never shows secrets).
    public let credential: Credential
    /// The tenant id this connection was checked to act on (the token's `tid`, agreeing with every
    /// tenant the user named); `nil` until ``bound(to:)``.
    public let tenantId: String?
    let transport: AsyncHTTPClientTransport
    let logger: Logger
    let onClose: (@Sendable () async -> Void)?

    init(
        client: GraphClient, credential: Credential, transport: AsyncHTTPClientTransport,
        logger: Logger = Logger(label: "entraform.graph") { _ in SwiftLogNoOpLogHandler() },
        tenantId: String? = nil,
        onClose: (@Sendable () async -> Void)?
    ) {
        self.client = client
        self.credential = credential
        self.transport = transport
        self.logger = logger
        self.tenantId = tenantId
        self.onClose = onClose
    }

    /// This connection, checked against every tenant named for the run (``TenantBinding``): the
    /// access token's tenant must be each of them. Closes the connection and throws on a mismatch.
    func bound(to claims: [TenantClaim]) async throws -> GraphConnection {
        do {
            let tid = try await client.bindTenant(claims)
            let named = claims.map(\.description).joined(separator: ", ")
            logger.debug("tenant: \(tid) (the access token's tid\(named.isEmpty ? "; no tenant named" : "; agrees with \(named)"))")
            return GraphConnection(client: client, credential: credential, transport: transport, logger: logger, tenantId: tid, onClose: onClose)
        } catch {
            await close()
            throw error
        }
    }

    /// The tenant this connection acts on: the bound one, else the access token's.
    public func actingTenantId() async throws -> String {
        if let tenantId { return tenantId }
        return try await client.tokenTenantId().lowercased()
    }

    /// Shuts down the HTTP client and, for `--emulator`, the in-process emulator. With `--debug`,
    /// logs a summary of the requests made.
    public func close() async {
        let stats = client.statistics
        let backoff = String(format: "%.1f", Double(stats.backoff.components.seconds) + Double(stats.backoff.components.attoseconds) / 1e18)
        logger.debug(
            "graph: \(stats.attempts) requests, \(stats.retries) retries, \(stats.throttled) throttled (429), \(stats.transportFailures) connection failures, \(backoff)s backoff")
        await transport.shutdown()
        await onClose?()
    }
}
