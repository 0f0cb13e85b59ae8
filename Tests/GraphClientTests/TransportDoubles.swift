import Foundation
import GraphClient
import PolicyModel
import Synchronization

/// A transport that answers from a script and records every request.
final class ScriptedTransport: HTTPTransport {
    typealias Handler = @Sendable (HTTPRequest, Int) -> Result<HTTPResponse, TransportError>

    private let state = Mutex<[HTTPRequest]>([])
    private let handler: Handler

    init(_ handler: @escaping Handler) { self.handler = handler }

    /// Answers the n-th request with the n-th element (the last one repeats).
    convenience init(sequence: [Result<HTTPResponse, TransportError>]) {
        self.init { _, index in sequence[min(index, sequence.count - 1)] }
    }

    func send(_ request: HTTPRequest, timeout: Swift.Duration) async throws(TransportError) -> HTTPResponse {
        let index = state.withLock { requests in
            requests.append(request)
            return requests.count - 1
        }
        switch handler(request, index) {
        case .success(let response): return response
        case .failure(let error): throw error
        }
    }

    var requests: [HTTPRequest] { state.withLock { $0 } }
}

/// A token provider that hands out a fixed token.
struct StaticTokens: TokenProviding {
    var value = "test-token-value"
    func token(forceRefresh: Bool) async throws(GraphError) -> AccessToken {
        AccessToken(value: value, expiresOn: Date().addingTimeInterval(3600))
    }
}

func json(_ status: Int, _ body: JSONValue, headers: [(String, String)] = []) -> Result<HTTPResponse, TransportError> {
    .success(HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: body.serialized()))
}

func graphError(_ status: Int, code: String, message: String = "boom", requestId: String = "req-1", headers: [(String, String)] = [])
    -> Result<HTTPResponse, TransportError>
{
    json(
        status, ["error": ["code": .string(code), "message": .string(message), "innerError": ["request-id": .string(requestId)]]],
        headers: [("request-id", requestId)] + headers)
}

func makeClient(
    _ transport: ScriptedTransport, clock: VirtualClock = VirtualClock(), retry: RetryPolicy = .default,
    pacing: PacingConfiguration = .disabled, batchConcurrency: Int = 2
) -> GraphClient {
    let endpoints = try! GraphEndpoints(graphURL: "http://127.0.0.1:9", loginURL: nil)
    return GraphClient(
        configuration: GraphClientConfiguration(endpoints: endpoints, pacing: pacing, retry: retry, batchConcurrency: batchConcurrency),
        transport: transport, tokens: StaticTokens(), clock: clock, jitter: .constant(0))
}
