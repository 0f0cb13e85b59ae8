import Foundation
import GraphClient
import GraphEmulator
import PolicyModel
import Synchronization
import Testing

/// A one-shot event tasks can wait for.
private final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Drives a device code sign-in without real waiting: the prompt callback starts the person at the
/// browser (`decide`), who acts only once the client has polled and been told the sign-in is pending;
/// the client's polling "sleeps" return at once until then, and afterwards wait for the decision.
private final class SignInDriver: GraphClock {
    private let base = SystemClock()
    private let sleeps = Mutex(0)
    private let message = Mutex<String?>(nil)
    private let firstPollAnswered = Signal()
    private let decided = Signal()
    private let decisionStatus = Mutex<Int?>(nil)
    let decision: String

    init(decision: String) { self.decision = decision }

    var sleepCount: Int { sleeps.withLock { $0 } }
    var prompt: String? { message.withLock { $0 } }
    var decisionReplyStatus: Int? { decisionStatus.withLock { $0 } }

    func now() -> Duration { base.now() }

    func sleep(for duration: Duration) async throws {
        let count = sleeps.withLock { count -> Int in
            count += 1
            return count
        }
        // Before poll 1: no wait. Before later polls: poll 1 was answered, so the person may act now.
        guard count > 1 else { return }
        firstPollAnswered.fire()
        await decided.wait()
    }

    /// The prompt callback: reads the page and code from Microsoft's message and has the user decide there.
    func onPrompt(_ text: String, user: String) {
        message.withLock { $0 = text }
        Task {
            await firstPollAnswered.wait()
            defer { decided.fire() }
            guard let page = Self.capture(#"open the page (\S+) and"#, in: text), let code = Self.capture(#"enter the code (\S+) to"#, in: text)
            else { return }
            let transport = AsyncHTTPClientTransport()
            let body: JSONValue = ["user_code": .string(code), "user": .string(user), "decision": .string(decision)]
            let reply = try? await transport.send(
                HTTPRequest(method: "POST", url: page, headers: [("Content-Type", "application/json")], body: Data(body.serialized())),
                timeout: .seconds(30))
            decisionStatus.withLock { $0 = reply?.status }
            await transport.shutdown()
        }
    }

    static func capture(_ pattern: String, in text: String) -> String? {
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text)
        else { return nil }
        return String(text[range])
    }
}

/// The device code flow of ``TokenAcquirer`` against the emulator's device authorization endpoint.
@Suite(.serialized) struct DeviceCodeLiveTests {
    static let user = "user1@contoso.example"

    static func payload(_ token: String) -> JSONValue? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: text).flatMap { try? JSONValue.decode(exportedData: $0) }
    }

    /// Runs `body`, so the transport can be shut down before the outcome is checked.
    static func attempt<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    @Test func approvedSignInGivesADelegatedTokenThatListsPolicies() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: LiveEmulator.seed(users: 1))) { _, url in
            let driver = SignInDriver(decision: "approve")
            let transport = AsyncHTTPClientTransport()
            let endpoints = try GraphEndpoints(graphURL: url, loginURL: nil)
            let credential = Credential.deviceCode(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId)
            let acquirer = TokenAcquirer(credential: credential, endpoints: endpoints, transport: transport, clock: driver,
                                         prompt: { driver.onPrompt($0, user: Self.user) })
            let client = GraphClient(configuration: GraphClientConfiguration(endpoints: endpoints, pacing: .disabled),
                                     transport: transport, tokens: TokenCache(acquirer: acquirer))
            let outcome = await Self.attempt { try await client.listPolicies() }
            await transport.shutdown()

            _ = try outcome.get()
            let prompt = try #require(driver.prompt)
            #expect(prompt.hasPrefix("To sign in, use a web browser to open the page \(url)/_emulator/devicelogin and enter the code "))
            #expect(driver.decisionReplyStatus == 200)
            // Poll 1 was pending, poll 2 got the token.
            #expect(driver.sleepCount == 2)
        }
    }

    @Test func delegatedTokenCarriesTheUserAndScopes() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: LiveEmulator.seed(users: 1))) { _, url in
            let driver = SignInDriver(decision: "approve")
            let transport = AsyncHTTPClientTransport()
            let endpoints = try GraphEndpoints(graphURL: url, loginURL: nil)
            let credential = Credential.deviceCode(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId)
            let acquirer = TokenAcquirer(credential: credential, endpoints: endpoints, transport: transport, clock: driver,
                                         prompt: { driver.onPrompt($0, user: Self.user) })
            let result = await Self.attempt { try await acquirer.acquire() }
            await transport.shutdown()
            let claims = try #require(Self.payload(try result.get().value))
            #expect(claims["idtyp"] == "user")
            #expect(claims["upn"]?.stringValue == Self.user)
            #expect(claims["oid"] == "00000000-0000-4000-8000-000000000001")
            #expect(claims["appid"]?.stringValue == LiveEmulator.clientId)
            let scopes = Set((claims["scp"]?.stringValue ?? "").split(separator: " ").map(String.init))
            #expect(scopes.isSuperset(of: ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"]))
        }
    }

    @Test func declinedSignInFailsWithTheAADSTSCode() async throws {
        try await LiveEmulator.with(EmulatorConfiguration(seed: LiveEmulator.seed(users: 1))) { _, url in
            let driver = SignInDriver(decision: "decline")
            let transport = AsyncHTTPClientTransport()
            let endpoints = try GraphEndpoints(graphURL: url, loginURL: nil)
            let credential = Credential.deviceCode(tenantId: LiveEmulator.tenantId, clientId: LiveEmulator.clientId)
            let acquirer = TokenAcquirer(credential: credential, endpoints: endpoints, transport: transport, clock: driver,
                                         prompt: { driver.onPrompt($0, user: Self.user) })
            let result = await Self.attempt { try await acquirer.acquire() }
            await transport.shutdown()
            guard case .failure(let failure) = result, let error = failure as? GraphError else {
                Issue.record("a declined sign-in must fail with a GraphError")
                return
            }
            #expect(error.kind == .authentication)
            #expect(error.aadstsCode == 70000)
            #expect(driver.decisionReplyStatus == 200)
        }
    }

    @Test func unknownClientFailsBeforePrompting() async throws {
        try await LiveEmulator.with { _, url in
            let transport = AsyncHTTPClientTransport()
            let endpoints = try GraphEndpoints(graphURL: url, loginURL: nil)
            let prompted = Mutex(false)
            let credential = Credential.deviceCode(tenantId: LiveEmulator.tenantId, clientId: "99999999-9999-4999-8999-999999999999")
            let acquirer = TokenAcquirer(credential: credential, endpoints: endpoints, transport: transport, clock: VirtualClock(),
                                         prompt: { _ in prompted.withLock { $0 = true } })
            let result = await Self.attempt { try await acquirer.acquire() }
            await transport.shutdown()
            guard case .failure(let failure) = result, let error = failure as? GraphError else {
                Issue.record("an unknown client must fail with a GraphError")
                return
            }
            #expect(error.aadstsCode == 700016)
            let wasPrompted = prompted.withLock { $0 }
            #expect(wasPrompted == false)
        }
    }
}
