import Foundation
import GraphClient
import Logging
import EntraformTestSupport
import GraphEmulator
import PolicyModel
import Testing

/// Secrets, tokens and assertions never reach output, logs or files.
@Suite(.emulatorScope) struct SecretHygieneTests {
    @Test func credentialDescriptionsNeverShowSecrets() throws {
        let secret = "S3cr3t-\(UUID().uuidString)"
        let environment = ["AZURE_CLIENT_ID": "app", "AZURE_TENANT_ID": "tenant", "AZURE_CLIENT_SECRET": secret]
        let credential = try Credential.resolve(environment: environment)
        #expect(credential.kind == .clientSecret)
        var dumped = ""
        dump(credential, to: &dumped)
        for text in [credential.description, credential.debugDescription, "\(credential)", String(reflecting: credential), dumped] {
            #expect(!text.contains(secret))
        }
        #expect(credential.description.contains("AZURE_CLIENT_SECRET"))

        let token = AccessToken(value: "eyJsecret.token.value", expiresOn: Date())
        var dumpedToken = ""
        dump(token, to: &dumpedToken)
        #expect(!"\(token)".contains("eyJsecret"))
        #expect(!dumpedToken.contains("eyJsecret"))
    }

    @Test func resolutionOrder() throws {
        let all = [
            "ENTRAFORM_ACCESS_TOKEN": "t", "AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "x", "AZURE_CLIENT_SECRET": "s",
            "AZURE_CLIENT_CERTIFICATE_PATH": "/p", "AZURE_FEDERATED_TOKEN_FILE": "/f", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://u",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "r",
        ]
        var environment = all
        let order: [(String, Credential.Kind)] = [
            ("ENTRAFORM_ACCESS_TOKEN", .accessToken), ("AZURE_CLIENT_SECRET", .clientSecret),
            ("AZURE_CLIENT_CERTIFICATE_PATH", .clientCertificate), ("AZURE_FEDERATED_TOKEN_FILE", .federatedTokenFile),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", .githubActions),
        ]
        for (variable, kind) in order {
            #expect(try Credential.resolve(environment: environment, options: .init(allowAzureCLI: false)).kind == kind)
            environment[variable] = nil
        }
        let error = #expect(throws: GraphError.self) { try Credential.resolve(environment: environment, options: .init(allowAzureCLI: false)) }
        #expect(error?.kind == .configuration)
        // --tenant overrides AZURE_TENANT_ID.
        let credential = try Credential.resolve(environment: all.filter { $0.key != "ENTRAFORM_ACCESS_TOKEN" }, options: .init(tenant: "override"))
        #expect(credential.tenantId == "override")
        #expect(credential.description.contains("--tenant"))
    }

    @Test func cliOutputAndFilesNeverContainTheSecret() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: BinaryRunner.executable.path), "the entraform executable must be built (swift build)")
        let secret = "Very-Secret-\(UUID().uuidString)"
        let seed = LiveEmulator.seed(secret: secret)
        let (server, started) = try await startScopedEmulator(EmulatorConfiguration(seed: seed))
        let url = started.absoluteString
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)

        for presented in [secret, secret + "-wrong"] {
            let environment = [
                "PATH": "/usr/bin:/bin", "HOME": workdir.path, "AZURE_CLIENT_ID": LiveEmulator.clientId,
                "AZURE_TENANT_ID": LiveEmulator.tenantId, "AZURE_CLIENT_SECRET": presented,
            ]
            let result = try await BinaryRunner.runDetached(["doctor", "--graph-url", url, "--debug"], in: workdir, environment: environment)
            #expect(!result.stdout.contains(secret))
            #expect(!result.stderr.contains(secret))
            // No token or assertion either: JWTs start with a base64url `{"` header.
            #expect(!result.stdout.contains("eyJ"))
            #expect(!result.stderr.contains("eyJ"))
            if presented == secret {
                #expect(result.exitCode == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
                #expect(result.stdout.contains("ready"))
                #expect(result.stderr.contains("GET /beta/identity/conditionalAccess/policies → 200"), "--debug logs each request")
            } else {
                #expect(result.exitCode == 1)
                #expect(result.stdout.contains("AADSTS7000215"))
            }
        }
        let files = FileManager.default.enumerator(at: workdir, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
        for file in files {
            if let data = try? Data(contentsOf: file) {
                #expect(!String(decoding: data, as: UTF8.self).contains(secret), "\(file.path)")
            }
        }
    }

    @Test func doctorReportsMissingPermissionsAndExitsOne() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: BinaryRunner.executable.path), "the entraform executable must be built (swift build)")
        var seed = LiveEmulator.seed()
        seed.document = Self.replacingPermissions(in: seed.document, with: ["Policy.Read.All", "User.Read.All"])
        let (_, started) = try await startScopedEmulator(EmulatorConfiguration(seed: seed))
        let url = started.absoluteString
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        let environment = [
            "PATH": "/usr/bin:/bin", "AZURE_CLIENT_ID": LiveEmulator.clientId, "AZURE_TENANT_ID": LiveEmulator.tenantId,
            "AZURE_CLIENT_SECRET": LiveEmulator.secret,
        ]
        let result = try await BinaryRunner.runDetached(["doctor", "--graph-url", url], in: workdir, environment: environment)
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("✗ Policy.ReadWrite.ConditionalAccess"))
        #expect(result.stdout.contains("✓ Policy.Read.All"))
        #expect(result.stdout.contains("\(url)/\(LiveEmulator.tenantId)/adminconsent?client_id=\(LiveEmulator.clientId)"))
        #expect(result.stdout.contains("not ready"))

        let noCredential = try await BinaryRunner.runDetached(["doctor", "--graph-url", url], in: workdir, environment: ["PATH": "/nonexistent"])
        #expect(noCredential.exitCode == 1)
        #expect(noCredential.stdout.contains("no credentials found"))
    }

    static func replacingPermissions(in document: JSONValue, with permissions: [String]) -> JSONValue {
        var document = document
        if case .array(var applications) = document["applications"] ?? .null {
            for index in applications.indices { applications[index]["permissions"] = .array(permissions.map { .string($0) }) }
            document["applications"] = .array(applications)
        }
        return document
    }
}

/// Captures every log record a client emits.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    // Only mutated under `lock`.
    private let lock = NSLock()
    private var records: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { records.append("\(event.message) \(event.metadata ?? [:]) \(metadata)") }
    }

    var all: [String] { lock.withLock { records } }
}

@Suite struct LoggingHygieneTests {
    @Test func debugLogsShowRequestsButNeverCredentials() async throws {
        let secret = "client-secret-\(UUID().uuidString)"
        let accessToken = "eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.c2ln"
        let transport = ScriptedTransport { request, index in
            if request.url.contains("/oauth2/") { return json(200, ["access_token": .string(accessToken), "expires_in": 3599]) }
            return index == 1 ? graphError(429, code: "TooManyRequests") : json(200, ["value": []])
        }
        let handler = CapturingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let endpoints = try GraphEndpoints(graphURL: "http://127.0.0.1:9", loginURL: nil)
        let client = GraphClient(
            credential: .clientSecret(tenantId: "t", clientId: "c", secret: secret),
            configuration: GraphClientConfiguration(endpoints: endpoints, pacing: .disabled), transport: transport, clock: VirtualClock(),
            jitter: .constant(0), logger: logger)
        _ = try await client.listPolicies()
        let logs = handler.all.joined(separator: "\n")
        #expect(logs.contains("GET /beta/identity/conditionalAccess/policies → 429"))
        #expect(logs.contains("GET /beta/identity/conditionalAccess/policies → 200"))
        #expect(logs.contains("client-request-id"))
        #expect(!logs.contains(secret))
        #expect(!logs.contains(accessToken))
        #expect(!logs.contains("Bearer"))
        for request in transport.requests {
            #expect(!"\(request)".contains(accessToken))
            #expect(!String(reflecting: request).contains(secret))
        }
    }
}
