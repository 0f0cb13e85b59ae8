import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import GraphEmulator
import PolicyModel

/// A live emulator on 127.0.0.1:0 and a tiny HTTP client for it.
struct Harness {
    let server: EmulatorServer
    let baseURL: URL
    let session: URLSession

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: JSONValue?
        var data: Data

        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
        var errorCode: String? { body?["error"]?["code"]?.stringValue }
        var errorMessage: String? { body?["error"]?["message"]?.stringValue }
        var innerMessage: String? { body?["error"]?["innerError"]?["message"]?.stringValue }
    }

    /// An emulator for the running test, shut down when the test ends (the suite has `.emulatorScope`).
    static func start(_ configuration: EmulatorConfiguration = EmulatorConfiguration()) async throws -> Harness {
        let (server, url) = try await startScopedEmulator(configuration)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        return Harness(server: server, baseURL: url, session: URLSession(configuration: configuration))
    }

    static func seeded(_ seed: JSONValue, _ tweak: (inout EmulatorConfiguration) -> Void = { _ in }) async throws -> Harness {
        var configuration = EmulatorConfiguration(seed: TenantSeed(document: seed))
        tweak(&configuration)
        return try await start(configuration)
    }

    func stop() async { await server.shutdown() }

    func send(_ method: String, _ path: String, json: JSONValue? = nil, rawBody: Data? = nil, headers: [String: String] = [:],
              token: String? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL.absoluteString + path)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = json.serialized()
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let rawBody {
            request.httpBody = rawBody
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        let body = data.isEmpty ? nil : try? JSONValue.decode(exportedData: data)
        return Reply(status: http.statusCode, headers: fields, body: body, data: data)
    }

    func form(_ path: String, _ fields: [String: String]) async throws -> Reply {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await send("POST", path, rawBody: Data(body.utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
    }

    /// A token for the default application via client credentials with its secret.
    func token() async throws -> String {
        let credentials = server.credentials
        let reply = try await form("/\(credentials.tenantId)/oauth2/v2.0/token", [
            "grant_type": "client_credentials", "client_id": credentials.clientId, "client_secret": credentials.clientSecret ?? "",
            "scope": "https://graph.microsoft.com/.default",
        ])
        guard let token = reply.body?["access_token"]?.stringValue else { throw HarnessError(reply: reply) }
        return token
    }

    /// GET with a fresh default token.
    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, headers: headers, token: try await token())
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var reply: Harness.Reply
    var description: String { "HTTP \(reply.status): \(String(decoding: reply.data, as: UTF8.self))" }
}

/// The corpus of real exports (`Tests/Corpus`, or `$ENTRAFORM_CORPUS_DIR`).
enum Corpus {
    static let root = TestPaths.baselineConfig

    static func objects(_ folder: String) throws -> [JSONValue] {
        let directory = root.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { try JSONValue.decode(exportedData: Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    /// A seed with every corpus policy, named location and group.
    static func seed() throws -> JSONValue {
        ["policies": .array(try objects("ConditionalAccess")), "namedLocations": .array(try objects("NamedLocations")),
         "groups": .array(try objects("Groups"))]
    }
}

extension JSONValue {
    /// Array element access for assertions.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
