import ArgumentParser
import Foundation
import GraphEmulator

/// `entraform emulator`: a local Microsoft Graph emulator for trying entraform without a tenant.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Serve an emulated Microsoft Graph tenant (conditional access, directory, Identity Protection).",
        discussion: """
            Prints the base URL and the credentials of the tenant's default application, then serves until \
            interrupted (SIGINT/SIGTERM). Graph is at BASE/v1.0 and BASE/beta, tokens at BASE/{tenant}/oauth2/v2.0/token. \
            Emulator-only endpoints live under BASE/_emulator/.
            """
    )

    @Option(help: "A seed file (JSON) with the tenant's users, groups, policies, … (see the README).")
    var seed: String?

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 8080

    @Option(help: "Persist the tenant to this file after every change; resume from it at start.")
    var state: String?

    @Option(help: "Delay every answer by this many milliseconds.")
    var latency: Int = 0

    @Option(name: .customLong("rate-limit"), help: "Conditional access + Identity Protection requests per second per tenant (429 without Retry-After above it).")
    var rateLimit: Double?

    @Option(name: .customLong("directory-rate-limit"), help: "Directory requests per second (429 with Retry-After above it).")
    var directoryRateLimit: Double?

    @Option(name: .customLong("reports-rate-limit"), help: "Sign-in and audit log requests per second (Graph: 0.5; 429 without Retry-After above it).")
    var reportsRateLimit: Double?

    @Option(name: .customLong("fault-rate"), help: "Probability (0–1) that a Graph request fails with 503, 500 or a dropped connection.")
    var faultRate: Double = 0

    @Option(name: .customLong("fault-seed"), help: "Seed of the fault generator (the same seed replays the same faults).")
    var faultSeed: UInt64 = 1

    @Option(name: .customLong("fault-path"), help: "Only requests whose path contains this text draw faults (repeatable).")
    var faultPaths: [String] = []

    @Option(name: .customLong("replication-lag"), help: "Milliseconds during which a newly created object answers 404 by id.")
    var replicationLag: Int = 0

    func validate() throws {
        guard (0...1).contains(faultRate) else { throw ValidationError("--fault-rate must be between 0 and 1") }
        guard latency >= 0, replicationLag >= 0 else { throw ValidationError("--latency and --replication-lag must not be negative") }
    }

    func run() async throws {
        var configuration = EmulatorConfiguration(
            latency: .milliseconds(latency), rateLimit: rateLimit, directoryRateLimit: directoryRateLimit,
            faultRate: faultRate, faultSeed: faultSeed, replicationLag: .milliseconds(replicationLag))
        configuration.faultPaths = faultPaths
        if let seed {
            do {
                configuration.seed = try TenantSeed(contentsOf: URL(fileURLWithPath: seed))
            } catch {
                Console.err("error: cannot load seed \(seed): \(error)\n")
                throw ExitCode(1)
            }
        }
        configuration.reportsRateLimit = reportsRateLimit
        if let state { configuration.stateFile = URL(fileURLWithPath: state) }
        let server: EmulatorServer
        do {
            server = try await EmulatorServer(configuration: configuration)
        } catch {
            Console.err("error: \(error)\n")
            throw ExitCode(1)
        }
        let credentials = server.credentials
        try await server.run(host: host, port: port) { url in
            var lines = [
                "entraform Graph emulator listening on \(url.absoluteString)",
                "  Graph:         \(url.absoluteString)/v1.0  and  \(url.absoluteString)/beta",
                "  Token URL:     \(url.absoluteString)/\(credentials.tenantId)/oauth2/v2.0/token",
                "  Tenant id:     \(credentials.tenantId)",
                "  Client id:     \(credentials.clientId)",
            ]
            if let secret = credentials.clientSecret { lines.append("  Client secret: \(secret)") }
            lines.append("  Permissions:   \(credentials.permissions.joined(separator: ", "))")
            lines.append("Emulator-only endpoints: \(url.absoluteString)/_emulator/{requests,reset,state,riskDetections,signIns,devicelogin}. Ctrl-C to stop.")
            Console.out(lines.joined(separator: "\n") + "\n")
        }
    }
}
