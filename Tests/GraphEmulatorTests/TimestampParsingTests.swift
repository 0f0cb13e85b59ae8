import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

@Suite("Graph timestamps", .emulatorScope)
struct TimestampParsingTests {
    @Test(arguments: [
        ("2026-07-17T10:07:37.5365166Z", 1_784_282_857.5365166),
        ("2026-07-17T10:07:37Z", 1_784_282_857),
        ("2024-02-29T23:59:59.5Z", 1_709_251_199.5),
        ("2026-11-22T00:00:00+01:00", 1_795_302_000),
        ("2026-11-22", 1_795_305_600),
        ("1969-12-31T23:59:59Z", -1),
    ] as [(String, Double)])
    func parsesGraphForms(text: String, expected: Double) {
        let parsed = GraphTimestamp.date(from: text)?.timeIntervalSince1970
        #expect(abs((parsed ?? .nan) - expected) < 0.000_001, "\(text) → \(String(describing: parsed))")
    }

    @Test func fastPathAgreesWithTheFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        for text in ["2026-01-01T00:00:00Z", "2025-09-24T12:59:05Z", "2000-02-29T12:00:00Z", "2031-12-31T23:59:59Z"] {
            #expect(GraphTimestamp.parseFast(text) == formatter.date(from: text), "\(text)")
        }
    }

    @Test func rejectsWhatIsNotADate() {
        for text in ["2026-13-01", "2026-01-01T25:00:00Z", "2026-01-01Tx", "user@contoso.com", "2026-01-01T00:00:00Zjunk"] {
            #expect(GraphTimestamp.parseFast(text) == nil, "\(text)")
        }
    }
}

@Suite("$filter matching", .emulatorScope)
struct FilterMatchingTests {
    static func matches(_ filter: String, _ object: JSONValue) throws -> Bool {
        try FilterParser.parse(filter).matches(object)
    }

    @Test func dateLiteralsCompareAsInstantsWhateverTheFractionDigits() throws {
        let detection: JSONValue = ["detectedDateTime": "2026-11-08T05:09:12.5Z", "note": "not a date"]
        // Lexically "…12.5Z" < "…12Z"; as instants it is later.
        #expect(try Self.matches("detectedDateTime ge 2026-11-08T05:09:12Z", detection))
        #expect(try !Self.matches("detectedDateTime lt 2026-11-08T05:09:12Z", detection))
        #expect(try Self.matches("detectedDateTime lt 2026-11-08T06:09:12+01:00", detection) == false)
        #expect(try Self.matches("detectedDateTime gt 2026-11-08T06:09:12+01:00", detection))
        // A property that is no date compares as text; a missing one as null.
        #expect(try Self.matches("note ne 2026-11-08T05:09:12Z", detection))
        #expect(try !Self.matches("missing eq 2026-11-08T05:09:12Z", detection))
        #expect(try Self.matches("missing ne 2026-11-08T05:09:12Z", detection))
    }

    @Test func textComparisonsIgnoreCaseInAndBeyondASCII() throws {
        let object: JSONValue = ["riskLevel": "High", "city": "ÉCHIROLLES", "path": ["nested": "Value"]]
        #expect(try Self.matches("riskLevel eq 'high'", object))
        #expect(try !Self.matches("riskLevel eq 'hig'", object))
        #expect(try !Self.matches("riskLevel eq 'highest'", object))
        #expect(try Self.matches("riskLevel ne 'low'", object))
        #expect(try Self.matches("city eq 'échirolles'", object))
        #expect(try !Self.matches("city eq 'echirolles'", object))
        #expect(try Self.matches("riskLevel in ('low', 'HIGH')", object))
        #expect(try Self.matches("path/nested eq 'value'", object))
        #expect(try Self.matches("riskLevel gt 'a'", object))
    }
}

@Suite("Response headers", .emulatorScope)
struct ResponseHeaderTests {
    @Test func successesCarryRequestIdsAndEchoTheClientRequestId() async throws {
        let harness = try await Harness.start()
        let reply = try await harness.get("/v1.0/identity/conditionalAccess/policies", headers: ["client-request-id": "abc-123"])
        #expect(reply.status == 200)
        let headers = Dictionary(uniqueKeysWithValues: reply.headers.map { ($0.key.lowercased(), $0.value) })
        #expect(headers["client-request-id"] == "abc-123")
        #expect(UUID(uuidString: headers["request-id"] ?? "") != nil)
        await harness.stop()
    }
}
