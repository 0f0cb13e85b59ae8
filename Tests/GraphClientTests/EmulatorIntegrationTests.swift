import EntraformTestSupport
import Foundation
import GraphClient
import GraphEmulator
import GraphWire
import PolicyModel
import Testing

/// The real client against the in-process emulator over loopback.
enum LiveEmulator {
    static let tenantId = "6a0a1f6e-3b1c-4c55-9d57-0d9a1c2b3e4f"
    static let clientId = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    static let secret = "correct-horse-battery-staple"
    static let subject = "repo:contoso/policies:ref:refs/heads/main"
    static let devOpsSubject = "sc://contoso/identity/entraform-prod"

    /// A seed with one application accepting a secret, the trusted test certificate and two
    /// federated subjects (GitHub- and Azure DevOps-shaped) from the emulator's OIDC issuer.
    static func seed(users: Int = 0, secret: String = secret, extra: [String: JSONValue] = [:]) -> TenantSeed {
        var document: [String: JSONValue] = [
            "tenantId": .string(tenantId),
            "domains": ["contoso.example"],
            "applications": [
                [
                    "clientId": .string(clientId), "displayName": "entraform CI", "secret": .string(secret),
                    "certificatePem": .string(TestCertificates.trustedCertificateOnly),
                    "federatedCredentials": [
                        ["name": "gh", "issuer": .string(EmulatorDefaults.githubIssuer), "subject": .string(subject), "audiences": ["api://AzureADTokenExchange"]],
                        ["name": "ado", "issuer": .string(EmulatorDefaults.githubIssuer), "subject": .string(devOpsSubject), "audiences": ["api://AzureADTokenExchange"]],
                    ],
                    "permissions": [
                        "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Application.Read.All", "User.Read.All", "Group.Read.All",
                        "RoleManagement.Read.Directory", "IdentityRiskEvent.Read.All", "IdentityRiskyUser.ReadWrite.All", "User.RevokeSessions.All",
                    ],
                ]
            ],
        ]
        if users > 0 {
            document["users"] = .array(
                (1...users).map { index in
                    [
                        "id": .string(String(format: "00000000-0000-4000-8000-%012d", index)),
                        "userPrincipalName": .string("user\(index)@contoso.example"), "displayName": .string("User \(index)"),
                        "accountEnabled": true, "userType": "Member",
                    ]
                })
        }
        for (key, value) in extra { document[key] = value }
        return TenantSeed(document: .object(document))
    }

    /// Starts an emulator, runs `body` with it and its base URL, and shuts it down.
    static func with<T>(
        _ configuration: EmulatorConfiguration = EmulatorConfiguration(seed: seed()),
        _ body: (EmulatorServer, String) async throws -> T
    ) async throws -> T {
        try await withEmulator(configuration) { server, url in try await body(server, url.absoluteString) }
    }

    static func client(
        _ credential: Credential, baseURL: String, transport: AsyncHTTPClientTransport, pacing: PacingConfiguration = .disabled,
        retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)), clock: any GraphClock = SystemClock()
    ) throws -> GraphClient {
        let endpoints = try GraphEndpoints(graphURL: baseURL, loginURL: nil)
        return GraphClient(
            credential: credential, configuration: GraphClientConfiguration(endpoints: endpoints, pacing: pacing, retry: retry),
            transport: transport, clock: clock)
    }

    /// Resolves a credential from `environment`, connects and lists policies.
    static func listPolicies(environment: [String: String], baseURL: String) async throws -> [JSONValue] {
        let credential = try Credential.resolve(environment: environment, options: .init(allowAzureCLI: false))
        let transport = AsyncHTTPClientTransport()
        defer { Task { await transport.shutdown() } }
        let client = try client(credential, baseURL: baseURL, transport: transport)
        return try await client.listPolicies()
    }

    static func temporaryFile(_ contents: String, name: String = UUID().uuidString) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-client-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(contents.utf8).write(to: url)
        return url.path
    }

    static func policyBody(_ name: String) -> JSONValue {
        [
            "displayName": .string(name), "state": "disabled",
            "conditions": [
                "applications": ["includeApplications": ["All"]], "users": ["includeUsers": ["All"]], "clientAppTypes": ["all"],
            ],
            "grantControls": ["operator": "OR", "builtInControls": ["mfa"]],
        ]
    }
}

@Suite(.serialized) struct CredentialKindsLiveTests {
    let base = ["AZURE_CLIENT_ID": LiveEmulator.clientId, "AZURE_TENANT_ID": LiveEmulator.tenantId]

    @Test func clientSecret() async throws {
        try await LiveEmulator.with { _, url in
            var environment = base
            environment["AZURE_CLIENT_SECRET"] = LiveEmulator.secret
            _ = try await LiveEmulator.listPolicies(environment: environment, baseURL: url)
        }
    }

    @Test func wrongSecretFailsClearly() async throws {
        try await LiveEmulator.with { _, url in
            var environment = base
            environment["AZURE_CLIENT_SECRET"] = "not-the-secret"
            let error = await #expect(throws: GraphError.self) { try await LiveEmulator.listPolicies(environment: environment, baseURL: url) }
            #expect(error?.kind == .authentication)
            #expect(error?.aadstsCode == 7000215)
            #expect(error?.description.contains("invalid client secret") == true)
            #expect(error?.description.contains("not-the-secret") == false)
        }
    }

    @Test(arguments: [ClientCertificate.Algorithm.ps256, .rs256])
    func certificate(algorithm: ClientCertificate.Algorithm) async throws {
        try await LiveEmulator.with { _, url in
            let certificate = try ClientCertificate(pem: TestCertificates.trustedPEM)
            let credential = Credential.clientCertificate(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId, certificate: certificate)
            let transport = AsyncHTTPClientTransport()
            let endpoints = try GraphEndpoints(graphURL: url, loginURL: nil)
            let acquirer = TokenAcquirer(credential: credential, endpoints: endpoints, transport: transport, assertionAlgorithm: algorithm)
            let token = try await acquirer.acquire()
            #expect(token.claims?.roles.contains("Policy.Read.All") == true)
            await transport.shutdown()
        }
    }

    @Test func certificateFileWithEncryptedKey() async throws {
        try await LiveEmulator.with { _, url in
            var environment = base
            environment["AZURE_CLIENT_CERTIFICATE_PATH"] = try LiveEmulator.temporaryFile(TestCertificates.trustedEncryptedPEM, name: "cert.pem")
            environment["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = TestCertificates.encryptedPassword
            _ = try await LiveEmulator.listPolicies(environment: environment, baseURL: url)
        }
    }

    @Test func untrustedCertificateFailsClearly() async throws {
        try await LiveEmulator.with { _, url in
            var environment = base
            environment["AZURE_CLIENT_CERTIFICATE_PATH"] = try LiveEmulator.temporaryFile(TestCertificates.untrustedPEM, name: "cert.pem")
            let error = await #expect(throws: GraphError.self) { try await LiveEmulator.listPolicies(environment: environment, baseURL: url) }
            #expect(error?.kind == .authentication)
            #expect(error?.aadstsCode == 700027)
            #expect(error?.hint?.contains("not one registered on the app registration") == true)
        }
    }

    @Test func federatedTokenFile() async throws {
        try await LiveEmulator.with { server, url in
            let assertion = try await Self.oidcToken(server: server, subject: LiveEmulator.subject)
            var environment = base
            environment["AZURE_FEDERATED_TOKEN_FILE"] = try LiveEmulator.temporaryFile(assertion)
            _ = try await LiveEmulator.listPolicies(environment: environment, baseURL: url)
        }
    }

    @Test func githubActionsOIDC() async throws {
        try await LiveEmulator.with { server, url in
            var environment = base
            environment["ACTIONS_ID_TOKEN_REQUEST_URL"] = try #require(await server.oidcRequestURL(subject: LiveEmulator.subject)).absoluteString
            environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = server.oidcRequestToken
            let credential = try Credential.resolve(environment: environment, options: .init(allowAzureCLI: false))
            #expect(credential.kind == .githubActions)
            #expect(!credential.description.contains(server.oidcRequestToken))
            _ = try await LiveEmulator.listPolicies(environment: environment, baseURL: url)
        }
    }

    @Test func unmatchedFederatedSubjectFailsClearly() async throws {
        try await LiveEmulator.with { server, url in
            let wrongSubject = "repo:contoso/policies:ref:refs/heads/feature"
            var environment = base
            environment["ACTIONS_ID_TOKEN_REQUEST_URL"] = try #require(await server.oidcRequestURL(subject: wrongSubject)).absoluteString
            environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = server.oidcRequestToken
            let error = await #expect(throws: GraphError.self) { try await LiveEmulator.listPolicies(environment: environment, baseURL: url) }
            #expect(error?.aadstsCode == 700213)
            #expect(error?.description.contains("no federated credential matches subject `\(wrongSubject)`") == true)
        }
    }

    @Test func azureDevOpsOIDC() async throws {
        try await LiveEmulator.with { server, url in
            var environment = base
            let subject = LiveEmulator.devOpsSubject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            environment["SYSTEM_OIDCREQUESTURI"] = "\(url)/_emulator/oidc/token?subject=\(subject)"
            environment["SYSTEM_ACCESSTOKEN"] = server.oidcRequestToken
            environment["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"] = "7d3c1f0e-0000-4000-8000-000000000001"
            let credential = try Credential.resolve(environment: environment, options: .init(allowAzureCLI: false))
            #expect(credential.kind == .azureDevOps)
            _ = try await LiveEmulator.listPolicies(environment: environment, baseURL: url)
        }
    }

    @Test func readyAccessToken() async throws {
        try await LiveEmulator.with { server, url in
            let token = try await server.accessToken(lifetime: .seconds(600))
            let policies = try await LiveEmulator.listPolicies(environment: ["ENTRAFORM_ACCESS_TOKEN": token], baseURL: url)
            #expect(policies.isEmpty)
        }
    }

    @Test func azureCLI() async throws {
        try await LiveEmulator.with { server, url in
            let token = try await server.accessToken(lifetime: .seconds(600))
            let expires = Int(Date().timeIntervalSince1970) + 600
            let script = "#!/bin/sh\necho '{\"accessToken\": \"\(token)\", \"expires_on\": \(expires), \"tokenType\": \"Bearer\"}'\n"
            let path = try LiveEmulator.temporaryFile(script, name: "az")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            let directory = (path as NSString).deletingLastPathComponent
            let credential = try Credential.resolve(environment: ["PATH": directory])
            #expect(credential.kind == .azureCLI)
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            _ = try await client.listPolicies()
            await transport.shutdown()
        }
    }

    static func oidcToken(server: EmulatorServer, subject: String) async throws -> String {
        let url = try #require(await server.oidcRequestURL(subject: subject))
        let transport = AsyncHTTPClientTransport()
        defer { Task { await transport.shutdown() } }
        let response = try await transport.send(
            HTTPRequest(
                method: "GET", url: url.absoluteString + "&audience=api://AzureADTokenExchange",
                headers: [("Authorization", "bearer \(server.oidcRequestToken)")]), timeout: .seconds(10))
        let json = try JSONDecoder().decode(JSONValue.self, from: response.body)
        return try #require(json["value"]?.stringValue)
    }
}

@Suite(.serialized) struct ClientBehaviourLiveTests {
    let credential = Credential.clientSecret(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId, secret: LiveEmulator.secret)

    @Test func pagingAcrossSeveralPages() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: LiveEmulator.seed(users: 23))) { _, url in
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            let users = try await client.listAll("/users", query: GraphQuery(select: ["id", "userPrincipalName"], top: 5), version: .v1)
            #expect(users.count == 23)
            let userIds = Set(users.compactMap { $0["id"]?.stringValue })
            #expect(userIds.count == 23)
            #expect(client.statistics.attempts == 5)
            await transport.shutdown()
        }
    }

    @Test func batchChunkingAndNameResolution() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: LiveEmulator.seed(users: 45))) { _, url in
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            let items = (1...45).map { index in
                BatchRequestItem(id: "u\(index)", method: "GET", url: "/users/user\(index)@contoso.example?$select=id,userPrincipalName")
            }
            let answers = try await client.batch(items, version: .v1)
            #expect(answers.count == 45)
            let allSucceeded = answers.values.allSatisfy { $0.status == 200 }
            #expect(allSucceeded)
            #expect(answers["u7"]?.body?["userPrincipalName"] == "user7@contoso.example")
            // Three $batch calls (20 + 20 + 5) after the token.
            #expect(client.statistics.attempts == 3)

            let upns = (1...40).map { "User\($0)@contoso.example" } + ["nobody@contoso.example"]
            let resolution = try await client.resolveUsers(upns: upns)
            #expect(resolution.unresolved == ["nobody@contoso.example"])
            #expect(resolution["User40@contoso.example"]?.id == String(format: "00000000-0000-4000-8000-%012d", 40))
            await transport.shutdown()
        }
    }

    @Test func pacingGivesZero429sAtTheEmulatorRateLimit() async throws {
        // The emulator allows 4 requests/s (burst 1) on conditional access paths. Unpaced, a burst
        // of requests is throttled; paced at the same rate, none is. (A 4/s limit keeps the test
        // short; the margin absorbs scheduling jitter between client and server on a busy machine.)
        let configuration = EmulatorConfiguration(seed: LiveEmulator.seed(), rateLimit: 4, rateLimitBurst: 1)
        try await LiveEmulator.with(configuration) { _, url in
            let transport = AsyncHTTPClientTransport()
            let unpaced = try LiveEmulator.client(credential, baseURL: url, transport: transport, retry: .none)
            var throttled = 0
            for _ in 0..<4 {
                do { _ = try await unpaced.listPolicies() } catch let error as GraphError where error.status == 429 { throttled += 1 }
            }
            #expect(throttled > 0, "the emulator should throttle an unpaced burst")
            await transport.shutdown()
        }
        // The paced run gets a burst of 2 at the server: a request delayed in transit on a loaded machine
        // (CI builds in parallel) then arrives close to the next one without a 429, which is scheduling,
        // not pacing. Five requests at 4/s still exceed what an unpaced client could send in a burst of 2.
        var pacedConfiguration = configuration
        pacedConfiguration.rateLimitBurst = 2
        try await LiveEmulator.with(pacedConfiguration) { _, url in
            let transport = AsyncHTTPClientTransport()
            let pacing = PacingConfiguration(conditionalAccessAndIdentityProtection: .init(requestsPerSecond: 4, burst: 1), safetyMargin: 0.5)
            let paced = try LiveEmulator.client(credential, baseURL: url, transport: transport, pacing: pacing, retry: .none)
            for _ in 0..<3 { _ = try await paced.listPolicies() }
            _ = try await paced.listRiskyUsers()  // Identity Protection shares the bucket
            _ = try await paced.listNamedLocations()
            #expect(paced.statistics.throttled == 0)
            #expect(paced.statistics.attempts == 5)
            await transport.shutdown()
        }
    }

    @Test func createsUnderFaultsYieldNoDuplicates() async throws {
        let configuration = EmulatorConfiguration(seed: LiveEmulator.seed(), faultRate: 0.3, faultSeed: 42)
        try await LiveEmulator.with(configuration) { _, url in
            let transport = AsyncHTTPClientTransport()
            let retry = RetryPolicy(maxAttempts: 30, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40), maxTotalWait: .seconds(30))
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport, retry: retry)
            let names = (1...12).map { "CA\(String(format: "%03d", $0)) - faults" }
            for name in names { _ = try await client.createPolicy(LiveEmulator.policyBody(name)) }
            let live = try await client.listPolicies().compactMap { $0["displayName"]?.stringValue }
            #expect(live.sorted() == names.sorted())
            #expect(client.statistics.retries > 0, "faults should have forced retries")
            await transport.shutdown()
        }
    }

    @Test func replicationLagIsRiddenOutForFreshObjects() async throws {
        let configuration = EmulatorConfiguration(seed: LiveEmulator.seed(), replicationLag: .milliseconds(400))
        try await LiveEmulator.with(configuration) { _, url in
            let transport = AsyncHTTPClientTransport()
            let retry = RetryPolicy(replicationLagWindow: .seconds(10), replicationLagDelay: .milliseconds(50))
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport, retry: retry)
            let created = try await client.createPolicy(LiveEmulator.policyBody("Lagging"))
            let id = try #require(created.id)
            let fetched = try await client.getPolicy(id: id)
            #expect(fetched["displayName"] == "Lagging")
            #expect(client.statistics.statuses[404, default: 0] > 0, "the emulator should have answered 404 at first")
            try await client.updatePolicy(id: id, patch: ["state": "enabled"])
            try await client.deletePolicy(id: id)
            await transport.shutdown()
        }
    }

    @Test func createUpdateDeleteRoundTrip() async throws {
        try await LiveEmulator.with { _, url in
            let transport = AsyncHTTPClientTransport()
            let client = try LiveEmulator.client(credential, baseURL: url, transport: transport)
            let created = try await client.createPolicy(LiveEmulator.policyBody("Round trip"))
            let id = try #require(created.id)
            #expect(created.receipt.status == 201)
            #expect(UUID(uuidString: created.receipt.clientRequestId) != nil)
            let receipt = try await client.updatePolicy(id: id, patch: ["state": "enabledForReportingButNotEnforced"])
            #expect(receipt.status == 204)
            let fetched = try await client.getPolicy(id: id)
            #expect(fetched["state"] == "enabledForReportingButNotEnforced")
            try await client.deletePolicy(id: id)
            #expect(try await client.listPolicies().isEmpty)
            await transport.shutdown()
        }
    }
}
