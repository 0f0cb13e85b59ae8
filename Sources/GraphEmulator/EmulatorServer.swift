import Foundation
import Hummingbird
import ServiceLifecycle
import Logging
import NIOCore
import PolicyModel

/// The Hummingbird responder: turns HTTP into `EmulatorCore` calls and back.
struct EmulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let core: EmulatorCore

    struct DroppedConnection: Error {}

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let limit = core.configuration.maximumRequestBodySize
        var body: Data?
        do {
            let buffer = try await request.collectBody(upTo: limit)
            body = buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : nil
        } catch {
            return Self.response(GraphFailure(status: 413, code: "RequestEntityTooLarge",
                                              message: "The request body exceeds the maximum allowed size of \(limit) bytes.").response(for: nil))
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        // HTTP/1 `Host` arrives as the request's authority.
        let host = request.head.authority ?? headers["host"] ?? "127.0.0.1"
        let incoming = EmulatorCore.Incoming(method: request.method.rawValue, rawPath: request.uri.path, rawQuery: request.uri.query,
                                             headers: headers, body: body, origin: "http://\(host)")
        return Self.response(await core.respond(incoming))
    }

    static func response(_ graph: GraphResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in graph.headers {
            if let field = HTTPFields.Element.Name(name) { fields.append(HTTPFields.Element(name: field, value: value)) }
        }
        if graph.dropConnection {
            // Claim a body, then fail while writing it: the server closes the connection mid-answer.
            fields[.contentLength] = "64"
            return Response(status: .init(code: 200), headers: fields, body: ResponseBody { _ in throw DroppedConnection() })
        }
        let status = HTTPResponse.Status(code: graph.status)
        guard let body = graph.body else { return Response(status: status, headers: fields) }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Requests an emulator has served, counted as Graph throttles them (`$batch` steps one by one).
public struct EmulatorRequestCounts: Sendable, Equatable {
    /// Per service class (`conditionalAccessAndIdentityProtection`, `directory`, `identityAndAccessReports`, `other`).
    public var byServiceClass: [String: Int]
    /// Per method and path template: `GET /v1.0/identity/conditionalAccess/policies`, `PATCH /v1.0/…/policies/{id}`.
    public var byPath: [String: Int]
    /// 429s answered, per service class.
    public var throttled: [String: Int]

    public init(byServiceClass: [String: Int] = [:], byPath: [String: Int] = [:], throttled: [String: Int] = [:]) {
        self.byServiceClass = byServiceClass
        self.byPath = byPath
        self.throttled = throttled
    }

    /// Requests of one service class.
    public func count(_ serviceClass: String) -> Int { byServiceClass[serviceClass] ?? 0 }
    /// Every request counted.
    public var total: Int { byServiceClass.values.reduce(0, +) }
    /// Requests whose method is not GET, of the paths `matching` selects.
    public func writes(where matching: (String) -> Bool = { _ in true }) -> Int {
        byPath.filter { !$0.key.hasPrefix("GET ") && matching($0.key) }.values.reduce(0, +)
    }
    /// GET requests of the paths `matching` selects.
    public func reads(where matching: (String) -> Bool = { _ in true }) -> Int {
        byPath.filter { $0.key.hasPrefix("GET ") && matching($0.key) }.values.reduce(0, +)
    }
}

/// Builds the emulator application (Hummingbird 2) for a configuration.
///
/// Run it with `runService()`; `onServerRunning` reports the bound channel (and so the port).
public func buildEmulator(
    configuration: EmulatorConfiguration,
    host: String = "127.0.0.1",
    port: Int = 0,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let core = try await EmulatorCore.make(configuration: configuration)
    var logger = Logger(label: "entraform.emulator")
    logger.logLevel = .warning
    return Application(responder: EmulatorResponder(core: core),
                       configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "entraform-graph-emulator"),
                       onServerRunning: onServerRunning, logger: logger)
}

/// An emulator running in-process: start it on `127.0.0.1:0`, read its URL and credentials,
/// shut it down. What tests, `--emulator SEEDFILE` and `entraform emulator` use.
///
/// ```swift
/// let server = try await EmulatorServer(configuration: .init(seed: seed))
/// let url = try await server.start()          // http://127.0.0.1:54321
/// let credentials = server.credentials        // tenant id, client id, secret
/// …
/// await server.shutdown()
/// ```
public actor EmulatorServer {
    /// The default application's credentials (the first application of the seed, or the built-in default).
    public nonisolated let credentials: EmulatorCredentials
    /// Every registered application's credentials.
    public nonisolated let applications: [EmulatorCredentials]
    private let core: EmulatorCore
    private var task: Task<Void, any Error>?
    private var serviceGroup: ServiceGroup?
    /// The base URL once started: Graph at `baseURL/v1.0`, `baseURL/beta`; tokens at `baseURL/{tenant}/oauth2/v2.0/token`.
    public private(set) var baseURL: URL?

    public init(configuration: EmulatorConfiguration) async throws {
        core = try await EmulatorCore.make(configuration: configuration)
        let apps = await core.service.store.state.applications
        let tenantId = core.tenantId
        applications = apps.map { EmulatorCredentials(tenantId: tenantId, clientId: $0.clientId, clientSecret: $0.secret, permissions: $0.permissions) }
        credentials = applications.first!
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_URL` for the emulator's GitHub-shaped OIDC issuer (append `&audience=…`).
    public func oidcRequestURL(subject: String) -> URL? {
        guard let baseURL else { return nil }
        var components = URLComponents(url: baseURL.appendingPathComponent("_emulator/oidc/token"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "subject", value: subject)]
        return components?.url
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN` the OIDC issuer accepts.
    public nonisolated var oidcRequestToken: String { EmulatorDefaults.oidcRequestToken }

    /// Starts serving and returns the base URL (`http://127.0.0.1:PORT`).
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> URL {
        if let baseURL { return baseURL }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "entraform.emulator")
        logger.logLevel = .warning
        let app = Application(responder: EmulatorResponder(core: core),
                              configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "entraform-graph-emulator"),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        // A service group lets `shutdown()` stop the server gracefully instead of cancelling it
        // (cancellation makes Hummingbird log errors on every in-process run).
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        serviceGroup = group
        let running = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        task = running
        var iterator = stream.makeAsyncIterator()
        guard let boundPort = await iterator.next() else {
            _ = try await running.value
            throw SeedError(description: "the emulator did not start")
        }
        let url = URL(string: "http://\(host):\(boundPort)")!
        baseURL = url
        return url
    }

    /// Stops serving (in-flight requests finish).
    public func shutdown() async {
        await serviceGroup?.triggerGracefulShutdown()
        _ = try? await task?.value
        serviceGroup = nil
        task = nil
        baseURL = nil
    }

    /// Serves until SIGINT or SIGTERM (the `entraform emulator` command). `onRunning` gets the base URL.
    public func run(host: String, port: Int, onRunning: @escaping @Sendable (URL) -> Void) async throws {
        var logger = Logger(label: "entraform.emulator")
        logger.logLevel = .warning
        let app = Application(responder: EmulatorResponder(core: core),
                              configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "entraform-graph-emulator"),
                              onServerRunning: { channel in onRunning(URL(string: "http://\(host):\(channel.localAddress?.port ?? port)")!) },
                              logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// The requests served since the start or the last reset (what `GET /_emulator/requests` returns).
    public func requestCounts() async -> EmulatorRequestCounts { await core.requestCounts() }

    /// Forgets the counted requests (and only those: unlike `POST /_emulator/reset`, the tenant stays as it is).
    public func resetRequestCounts() async { await core.service.behaviour.resetCounts() }

    /// The built-in directory roles every tenant has (template id and display name), as the emulator serves them.
    public static var builtInRoles: [(id: String, displayName: String)] { BuiltIns.roleTemplates.map { ($0.id, $0.displayName) } }

    /// The tenant as it is now, in seed format (what `GET /_emulator/state` returns): tests read
    /// the server-side effect of a command from here rather than through the client under test.
    public func stateDocument() async -> JSONValue {
        await core.service.store.state.seedDocument()
    }

    /// A valid access token for the default application with some claims replaced (or removed, with
    /// `.null`), signed with the emulator's own key: tests check that validation looks at each claim.
    public func accessToken(overriding claims: [String: JSONValue], header: [String: JSONValue] = [:]) async throws -> String {
        let valid = try await accessToken(lifetime: .seconds(600))
        guard let jwt = JSONWebToken(compact: valid), var payload = jwt.claims.objectValue, var head = jwt.header.objectValue else { return valid }
        for (key, value) in claims { payload[key] = value.isNull ? nil : value }
        for (key, value) in header { head[key] = value }
        return try JSONWebToken.sign(header: .object(head), claims: .object(payload), key: core.tokens.tokenKey.privateKey)
    }

    /// Signs an access token for the default application with a chosen lifetime (negative: expired).
    /// Tests use it to check expiry handling without waiting.
    public func accessToken(lifetime: Duration, permissions: [String]? = nil) async throws -> String {
        var application = await core.service.store.state.applications.first!
        if let permissions { application.permissions = permissions }
        return try core.tokens.issueAccessToken(application: application, tenantId: core.tenantId, lifetime: Int(lifetime.components.seconds))
    }
}
