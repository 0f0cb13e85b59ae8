import Crypto
import CryptoExtras
import Foundation
@testable import GraphClient
import EntraformTestSupport
import GraphWire
import PolicyModel
import Synchronization
import Testing

@Suite struct TokenCacheTests {
    final class Clock: Sendable {
        let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func now() -> Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
    }

    @Test func oneRefreshAtATimeUnderConcurrency() async throws {
        let clock = Clock()
        let fetches = Mutex(0)
        let cache = TokenCache(now: clock.now) { () async throws(GraphError) -> AccessToken in
            let count = fetches.withLock { value in
                value += 1
                return value
            }
            try? await Task.sleep(for: .milliseconds(20))
            return AccessToken(value: "token-\(count)", expiresOn: clock.now().addingTimeInterval(3600))
        }
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.token(forceRefresh: false).value } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(values) == ["token-1"])
        #expect(fetches.withLock { $0 } == 1)
    }

    @Test func refreshesBeforeExpiry() async throws {
        let clock = Clock()
        let fetches = Mutex(0)
        let cache = TokenCache(refreshMargin: 300, now: clock.now) { () async throws(GraphError) -> AccessToken in
            let count = fetches.withLock { value in
                value += 1
                return value
            }
            return AccessToken(value: "token-\(count)", expiresOn: clock.now().addingTimeInterval(3600))
        }
        #expect(try await cache.token(forceRefresh: false).value == "token-1")
        clock.advance(3000)  // 600 s left: still fresh
        #expect(try await cache.token(forceRefresh: false).value == "token-1")
        clock.advance(301)  // 299 s left: refresh
        #expect(try await cache.token(forceRefresh: false).value == "token-2")
        #expect(try await cache.token(forceRefresh: true).value == "token-3")
    }

    @Test func failuresAreNotCached() async throws {
        let attempts = Mutex(0)
        let cache = TokenCache { () async throws(GraphError) -> AccessToken in
            let attempt = attempts.withLock { value in
                value += 1
                return value
            }
            if attempt == 1 { throw GraphError(kind: .authentication, message: "nope") }
            return AccessToken(value: "ok", expiresOn: Date().addingTimeInterval(3600))
        }
        await #expect(throws: GraphError.self) { try await cache.token(forceRefresh: false) }
        #expect(try await cache.token(forceRefresh: false).value == "ok")
    }
}

@Suite struct AADSTSTests {
    func tokenError(_ code: Int, _ message: String, error: String = "invalid_client") -> HTTPResponse {
        let body: JSONValue = [
            "error": .string(error),
            "error_description": .string("AADSTS\(code): \(message)\r\nTrace ID: abc\r\nCorrelation ID: def\r\nTimestamp: 2026-11-22"),
            "error_codes": [.number(Double(code))], "trace_id": "abc", "correlation_id": "def",
        ]
        return HTTPResponse(status: 401, body: body.serialized())
    }

    @Test func federatedSubjectMismatchNamesTheSubject() {
        let response = tokenError(700213, "No matching federated identity record found for presented assertion subject 'x'.", error: "invalid_request")
        let context = AADSTSHints.Context(federatedSubject: "repo:org/repo:ref:refs/heads/main", federatedIssuer: "https://token.actions.githubusercontent.com")
        let error = AADSTSHints.error(fromTokenResponse: response, context: context)
        #expect(error.aadstsCode == 700213)
        #expect(error.kind == .authentication)
        #expect(error.requestId == "abc")
        #expect(error.description.contains("no federated credential matches subject `repo:org/repo:ref:refs/heads/main`"))
        #expect(!error.description.contains("Trace ID"))
        #expect(!error.description.contains("\n"))
    }

    @Test func invalidSecretHasAHint() {
        let error = AADSTSHints.error(fromTokenResponse: tokenError(7000215, "Invalid client secret provided."), context: .init())
        #expect(error.description.hasPrefix("authentication failed: 401 AADSTS7000215 invalid_client: Invalid client secret provided."))
        #expect(error.hint?.contains("AZURE_CLIENT_SECRET") == true)
    }

    @Test func unknownUserAccountNamesTheTenant() {
        let response = tokenError(50034, "The user account alice@fabrikam.com does not exist in the contoso.onmicrosoft.com directory.", error: "invalid_grant")
        let error = AADSTSHints.error(fromTokenResponse: response, context: .init(credential: "device code", tenantId: "contoso.onmicrosoft.com"))
        #expect(error.aadstsCode == 50034)
        #expect(error.hint?.contains("does not exist in tenant `contoso.onmicrosoft.com`") == true)
        #expect(error.hint?.contains("AZURE_TENANT_ID") == true)
    }

    @Test func codeParsedFromDescriptionWhenErrorCodesMissing() {
        let body: JSONValue = ["error": "invalid_request", "error_description": "AADSTS90002: Tenant 'x' not found."]
        let error = AADSTSHints.error(fromTokenResponse: HTTPResponse(status: 400, body: body.serialized()), context: .init(tenantId: "x"))
        #expect(error.aadstsCode == 90002)
        #expect(error.hint?.contains("tenant `x` was not found") == true)
    }
}

@Suite struct EndpointTests {
    @Test func clouds() {
        #expect(GraphEndpoints(cloud: .usgovdod).graphURL == "https://dod-graph.microsoft.us")
        #expect(GraphEndpoints(cloud: .usgov).loginURL == "https://login.microsoftonline.us")
        #expect(GraphEndpoints(cloud: .china).graphURL == "https://microsoftgraph.chinacloudapi.cn")
        #expect(GraphCloud.usgov.federatedTokenAudience == "api://AzureADTokenExchangeUSGov")
        #expect(GraphCloud.china.federatedTokenAudience == "api://AzureADTokenExchangeChina")
        #expect(GraphEndpoints(cloud: .usgov).scope == "https://graph.microsoft.us/.default")
        #expect(GraphEndpoints().tokenEndpoint(tenant: "contoso.com") == "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token")
        #expect(GraphCloud(name: "GCC-High") == .usgov)
    }

    @Test func plainHTTPOnlyToLoopback() throws {
        for url in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://graph.example.com/"] {
            #expect(throws: Never.self) { try GraphEndpoints(graphURL: url, loginURL: nil) }
        }
        for url in ["http://graph.example.com", "http://10.0.0.1:80", "ftp://127.0.0.1", "not a url", "https://x.example/?a=b"] {
            let error = #expect(throws: GraphError.self) { try GraphEndpoints(graphURL: url, loginURL: nil) }
            #expect(error?.kind == .configuration)
        }
        let endpoints = try GraphEndpoints(graphURL: "http://127.0.0.1:8080/", loginURL: nil)
        #expect(endpoints.loginURL == "http://127.0.0.1:8080")
        #expect(endpoints.url(version: .beta, path: "/users") == "http://127.0.0.1:8080/beta/users")
    }
}

@Suite struct ClientAssertionTests {
    @Test(arguments: [ClientCertificate.Algorithm.ps256, .rs256])
    func assertionIsSignedWithTheCertificateKey(algorithm: ClientCertificate.Algorithm) throws {
        let certificate = try ClientCertificate(pem: TestCertificates.trustedPEM)
        let audience = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let assertion = try certificate.assertion(clientId: "client", audience: audience, now: now, algorithm: algorithm)
        let parts = assertion.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let header = try JSONDecoder().decode(JSONValue.self, from: try #require(Base64URL.decode(parts[0])))
        #expect(header["alg"]?.stringValue == algorithm.rawValue)
        #expect(header["x5t#S256"]?.stringValue == certificate.sha256Thumbprint)
        #expect(header["x5t"]?.stringValue == (algorithm == .rs256 ? certificate.sha1Thumbprint : nil))
        let claims = try #require(UnverifiedJWTClaims(token: assertion))
        #expect(claims.audiences == [audience])
        #expect(claims.issuer == "client")
        #expect(claims.subject == "client")
        #expect(claims.expiresAt == now.addingTimeInterval(600))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Base64URL.decode(parts[2])))
        let digest = SHA256.hash(data: Data("\(parts[0]).\(parts[1])".utf8))
        let key = certificate.privateKey.publicKey
        #expect(key.isValidSignature(signature, for: digest, padding: algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5))
        // The thumbprint is the certificate's, not the key's.
        let untrusted = try ClientCertificate(pem: TestCertificates.untrustedPEM)
        #expect(untrusted.sha256Thumbprint != certificate.sha256Thumbprint)
    }

    @Test func pemProblemsAreConfigurationErrors() {
        let onlyCertificate = #expect(throws: GraphError.self) { try ClientCertificate(pem: TestCertificates.trustedCertificateOnly) }
        #expect(onlyCertificate?.message.contains("no private key") == true)
        let noPassword = #expect(throws: GraphError.self) { try ClientCertificate(pem: TestCertificates.trustedEncryptedPEM) }
        #expect(noPassword?.message.contains("AZURE_CLIENT_CERTIFICATE_PASSWORD") == true)
        let wrongPassword = #expect(throws: GraphError.self) {
            try ClientCertificate(pem: TestCertificates.trustedEncryptedPEM, password: "wrong")
        }
        #expect(wrongPassword?.kind == .configuration)
        #expect(throws: Never.self) { try ClientCertificate(pem: TestCertificates.trustedEncryptedPEM, password: TestCertificates.encryptedPassword) }
    }
}

@Suite struct TokenAcquisitionDoubleTests {
    let endpoints = try! GraphEndpoints(graphURL: "http://127.0.0.1:9", loginURL: nil)

    @Test func deviceCodeFlowPollsUntilSignedIn() async throws {
        let transport = ScriptedTransport { request, index in
            if request.url.hasSuffix("/devicecode") {
                return json(200, [
                    "device_code": "dev-code", "user_code": "ABCD-EFGH", "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900, "interval": 5, "message": "To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-EFGH.",
                ])
            }
            let body = String(decoding: request.body ?? Data(), as: UTF8.self)
            #expect(body.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"))
            switch index {
            case 1: return json(400, ["error": "authorization_pending", "error_description": "AADSTS70016: pending"])
            case 2: return json(400, ["error": "slow_down"])
            default: return json(200, ["access_token": "user-token", "expires_in": 3600, "token_type": "Bearer"])
            }
        }
        let clock = VirtualClock()
        let prompts = Mutex<[String]>([])
        let acquirer = TokenAcquirer(
            credential: .deviceCode(tenantId: "contoso.example", clientId: "public-client"), endpoints: endpoints, transport: transport,
            clock: clock, prompt: { message in prompts.withLock { $0.append(message) } })
        let token = try await acquirer.acquire()
        #expect(token.value == "user-token")
        #expect(prompts.withLock { $0 }.first?.contains("ABCD-EFGH") == true)
        #expect(clock.sleeps == [.seconds(5), .seconds(5), .seconds(10)])
    }

    @Test func deviceCodeDeclinedFailsClearly() async throws {
        let transport = ScriptedTransport { request, _ in
            if request.url.hasSuffix("/devicecode") { return json(200, ["device_code": "d", "user_code": "U", "interval": 1]) }
            return json(400, ["error": "authorization_declined", "error_description": "AADSTS70000: The user declined."])
        }
        let acquirer = TokenAcquirer(
            credential: .deviceCode(tenantId: "t", clientId: "c"), endpoints: endpoints, transport: transport, clock: VirtualClock())
        let error = await #expect(throws: GraphError.self) { try await acquirer.acquire() }
        #expect(error?.kind == .authentication)
        #expect(error?.code == "authorization_declined")
    }

    @Test func githubOIDCWithoutIdTokenPermissionHasAHint() async throws {
        let transport = ScriptedTransport(sequence: [json(403, ["message": "forbidden"])])
        let credential = try Credential.resolve(
            environment: [
                "AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "t", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://pipelines.example/idtoken?api-version=2.0",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token-secret",
            ], options: .init(allowAzureCLI: false))
        let acquirer = TokenAcquirer(credential: credential, endpoints: GraphEndpoints(cloud: .usgov), transport: transport, clock: VirtualClock())
        let error = await #expect(throws: GraphError.self) { try await acquirer.acquire() }
        #expect(error?.hint?.contains("id-token: write") == true)
        #expect(error?.description.contains("request-token-secret") == false)
        // The audience is the cloud's; the request URL's own query is kept.
        #expect(transport.requests.first?.url == "https://pipelines.example/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchangeUSGov")
    }

    @Test func tokenEndpointFormIsEncoded() async throws {
        let transport = ScriptedTransport(sequence: [json(200, ["access_token": "a", "expires_in": 3599])])
        let acquirer = TokenAcquirer(
            credential: .clientSecret(tenantId: "contoso.example", clientId: "app", secret: "p&ss=w+rd"), endpoints: GraphEndpoints(),
            transport: transport, clock: VirtualClock())
        _ = try await acquirer.acquire()
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token")
        let body = String(decoding: request.body ?? Data(), as: UTF8.self)
        #expect(body.contains("client_secret=p%26ss%3Dw%2Brd"))
        #expect(body.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
    }
}

/// The Azure CLI runner drains stdout and stderr together (architecture issue: a child that fills its
/// stderr pipe, 64 KiB on Linux, while stdout is still open used to block the run forever).
@Suite("ProcessRunner")
struct ProcessRunnerTests {
    @Test(.timeLimit(.minutes(1)))  // before the fix this deadlocked: the limit turns a hang into a failure
    func aChildWritingMuchToStderrBeforeStdoutCompletes() async throws {
        let script = "head -c 1048576 /dev/zero | tr '\\\\0' e >&2; printf done"
        let result = try await ProcessRunner.run("/bin/sh", arguments: ["-c", script])
        #expect(result.status == 0)
        #expect(result.stderr.count == 1_048_576)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "done")
    }
}
