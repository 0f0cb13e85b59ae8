import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// An HTTP request as the Graph client sends it: absolute URL, ordered headers, optional body.
public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    /// Header name/value pairs in order. Names compare case-insensitively.
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String, url: String, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { [$0.0, $0.1] } == rhs.headers.map { [$0.0, $0.1] }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
    }
}

/// An HTTP response: status, headers and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// Why a request got no HTTP response.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The connection could not be established: the request certainly never reached the server.
        case connectionFailed
        /// The connection dropped or timed out after the request may have been sent: the outcome is unknown.
        case ambiguous
        /// The request could not be built (bad URL, refused plain-HTTP host…); retrying cannot help.
        case invalidRequest
    }

    public var kind: Kind
    /// A short, secret-free explanation.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Sends one HTTP request. Implementations must be safe to call concurrently.
///
/// The Graph client does all retrying, pacing and authentication above this layer, so a transport is
/// a thin adapter (AsyncHTTPClient in production, scripted doubles in tests).
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the complete response, or throws a ``TransportError`` when no
    /// response arrived within `timeout`.
    func send(_ request: HTTPRequest, timeout: Duration) async throws(TransportError) -> HTTPResponse
}

/// The production transport, on AsyncHTTPClient. TLS certificate verification is always on
/// (AsyncHTTPClient's default configuration); redirects are not followed.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    private let ownsClient: Bool
    private let shutDown = Mutex(false)
    /// The largest response body accepted (Graph pages are far smaller).
    public let maxResponseBytes: Int

    /// Uses a dedicated `HTTPClient` on the shared event loop group; call ``shutdown()`` when done.
    public init(maxResponseBytes: Int = 64 * 1024 * 1024) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(15))
        configuration.decompression = .enabled(limit: .ratio(100))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.ownsClient = true
        self.maxResponseBytes = maxResponseBytes
    }

    /// Wraps an existing client, which the caller keeps ownership of.
    public init(client: HTTPClient, maxResponseBytes: Int = 64 * 1024 * 1024) {
        self.client = client
        self.ownsClient = false
        self.maxResponseBytes = maxResponseBytes
    }

    /// Shuts the owned client down. Safe to call more than once.
    public func shutdown() async {
        guard ownsClient, !shutDown.withLock({ let was = $0; $0 = true; return was }) else { return }
        try? await client.shutdown()
    }

    deinit {
        // A forgotten shutdown (e.g. an error path) must not crash the process: start it here; the
        // client stays alive until its shutdown completes.
        if ownsClient, !shutDown.withLock({ let was = $0; $0 = true; return was }) {
            client.shutdown { _ in }
        }
    }

    public func send(_ request: HTTPRequest, timeout: Duration) async throws(TransportError) -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await client.execute(outgoing, timeout: .nanoseconds(nanos))
            let buffer = try await response.body.collect(upTo: maxResponseBytes)
            let bytes = Data(buffer.readableBytesView)
            return HTTPResponse(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: bytes
            )
        } catch {
            throw Self.classify(error)
        }
    }

    /// Maps AsyncHTTPClient/NIO errors onto ``TransportError`` kinds without echoing request content.
    static func classify(_ error: any Error) -> TransportError {
        if let error = error as? HTTPClientError {
            let notConnected: [HTTPClientError] = [
                .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout,
                .httpProxyHandshakeTimeout,
            ]
            let invalid: [HTTPClientError] = [.invalidURL, .emptyHost, .emptyScheme, .missingSocketPath]
            if notConnected.contains(error) {
                return TransportError(kind: .connectionFailed, message: "could not connect (\(error))")
            }
            if invalid.contains(error) {
                return TransportError(kind: .invalidRequest, message: "invalid request (\(error))")
            }
            return TransportError(kind: .ambiguous, message: "connection failed mid-request (\(error))")
        }
        if error is CancellationError {
            return TransportError(kind: .invalidRequest, message: "cancelled")
        }
        let text = String(describing: error)
        if text.contains("NIOConnectionError") || text.contains("connectionRefused") || text.contains("Connection refused")
            || text.contains("ECONNREFUSED")
        {
            return TransportError(kind: .connectionFailed, message: "connection refused")
        }
        return TransportError(kind: .ambiguous, message: "transport error (\(type(of: error)))")
    }
}

extension HTTPRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Header names whose values are never shown.
    static let sensitiveHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]

    /// Method, URL and headers with credentials redacted; the body is summarised by size only
    /// (token requests carry secrets and assertions in it).
    public var description: String {
        let shown = headers.map { name, value in
            Self.sensitiveHeaders.contains(name.lowercased()) ? "\(name): <redacted>" : "\(name): \(value)"
        }
        return "\(method) \(url) [\(shown.joined(separator: ", "))] body: \(body?.count ?? 0) bytes"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["description": description])
    }
}
