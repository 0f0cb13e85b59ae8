import AsyncHTTPClient
import Foundation
import NIOCore
import PolicyModel

/// `entraform-bench load URL SECONDS CONNECTIONS`: GETs `URL` over `CONNECTIONS` connections for
/// `SECONDS` seconds with the bearer token in `ENTRAFORM_BENCH_TOKEN` (never on the command line) and
/// prints `{"served", "failed", "seconds", "policies"}`: the emulator throughput row's load.
enum LoadGenerator {
    static func main(_ arguments: [String]) async throws {
        guard arguments.count == 3, let seconds = Int(arguments[1]), let connections = Int(arguments[2]),
              let token = ProcessInfo.processInfo.environment["ENTRAFORM_BENCH_TOKEN"] else {
            throw BenchFailure(description: "usage: ENTRAFORM_BENCH_TOKEN=… entraform-bench load URL SECONDS CONNECTIONS")
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var request = HTTPClientRequest(url: arguments[0])
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let first = try await client.execute(request, timeout: .seconds(30))
        let body = try await first.body.collect(upTo: 64 << 20)
        let policies = (try? JSONValue.parse(Data(buffer: body)))?["value"]?.arrayValue?.count ?? 0
        let started = ContinuousClock.now
        let deadline = started + .seconds(seconds)
        let (served, failed) = await withTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<connections {
                group.addTask { [request] in
                    var served = 0, failed = 0
                    while ContinuousClock.now < deadline {
                        do {
                            let response = try await client.execute(request, timeout: .seconds(30))
                            for try await _ in response.body {}  // drained, not gathered into one buffer
                            if response.status == .ok { served += 1 } else { failed += 1 }
                        } catch { failed += 1 }
                    }
                    return (served, failed)
                }
            }
            var totals = (0, 0)
            for await (served, failed) in group { totals = (totals.0 + served, totals.1 + failed) }
            return totals
        }
        let elapsed = (ContinuousClock.now - started).components
        try await client.shutdown()
        let report: JSONValue = ["served": .number(Double(served)), "failed": .number(Double(failed)), "policies": .number(Double(policies)),
                                 "seconds": .number(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)]
        print(report.serializedString())
    }
}
