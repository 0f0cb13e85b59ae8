import EntraformTestSupport
import Foundation
@testable import GraphEmulator
import PolicyModel
import Testing

/// Date-times written with offsets are stored and returned in UTC, as Graph does (issue 17).
@Suite("Timestamps in UTC", .emulatorScope)
struct TimestampNormalizationTests {
    @Test(arguments: [
        ("2026-11-08T10:09:12.25+05:00", "2026-11-08T05:09:12.25Z"),
        ("2026-11-08T10:09:12.123456789+05:30", "2026-11-08T04:39:12.1234567Z"),
        ("2026-11-08T00:30:00-02:00", "2026-11-08T02:30:00Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"),
        ("2026-11-08T10:09:12.5000000+00:00", "2026-11-08T10:09:12.5Z"),
        ("2026-11-08T10:09:12.500Z", "2026-11-08T10:09:12.5Z"),
        ("2026-07-17T10:07:37.5365166Z", "2026-07-17T10:07:37.5365166Z"),
        ("2026-11-08T10:09Z", "2026-11-08T10:09:00Z"),
    ] as [(String, String)])
    func offsetsBecomeUTCWithoutLosingDigits(text: String, expected: String) {
        #expect(GraphTimestamp.canonicalUTC(text) == expected)
    }

    @Test func notDateTimesAreLeftAlone() {
        for text in ["2026-11-08", "user@contoso.com", "2026-11-08T10:09:12+5", "2026-11-08T10:09:12.x+01:00", ""] {
            #expect(GraphTimestamp.canonicalUTC(text) == nil, "\(text)")
        }
    }

    @Test func seededAndInjectedTimestampsAreStoredInUTC() async throws {
        let seed: JSONValue = [
            "users": [["id": "aaaaaaaa-0000-4000-8000-000000000001", "userPrincipalName": "alice@contoso.onmicrosoft.com"]],
            "riskyUsers": [["id": "aaaaaaaa-0000-4000-8000-000000000001", "riskLevel": "low",
                            "riskLastUpdatedDateTime": "2026-11-08T00:30:00-02:00",
                            "history": [["id": "aaaaaaaa-0000-4000-8000-000000000001", "riskLastUpdatedDateTime": "2026-11-07T23:00:00+01:00"]]]],
            "riskDetections": [["id": "d1", "userId": "aaaaaaaa-0000-4000-8000-000000000001",
                                "detectedDateTime": "2026-11-08T10:09:12.25+05:00", "activityDateTime": "2026-11-08T10:09:12.25+05:00"]],
        ]
        let harness = try await Harness.seeded(seed)
        let detection = try await harness.get("/v1.0/identityProtection/riskDetections/d1")
        #expect(detection.body?["detectedDateTime"] == "2026-11-08T05:09:12.25Z")
        #expect(detection.body?["activityDateTime"] == "2026-11-08T05:09:12.25Z")
        #expect(detection.body?["lastUpdatedDateTime"] == "2026-11-08T05:09:12.25Z")
        let risky = try await harness.get("/v1.0/identityProtection/riskyUsers/aaaaaaaa-0000-4000-8000-000000000001")
        #expect(risky.body?["riskLastUpdatedDateTime"] == "2026-11-08T02:30:00Z")
        let history = try await harness.get("/v1.0/identityProtection/riskyUsers/aaaaaaaa-0000-4000-8000-000000000001/history")
        #expect(history.body?["value"]?[0]?["riskLastUpdatedDateTime"] == "2026-11-07T22:00:00Z")

        let injected = try await harness.send("POST", "/_emulator/riskDetections", json: [
            "userPrincipalName": "alice@contoso.onmicrosoft.com", "riskEventType": "unfamiliarFeatures", "riskLevel": "high",
            "detectedDateTime": "2026-11-09T01:00:00+01:00", "activityDateTime": "2026-11-09T00:59:30.1234567+01:00",
        ])
        #expect(injected.status == 201)
        #expect(injected.body?["detectedDateTime"] == "2026-11-09T00:00:00Z")
        let id = try #require(injected.body?["id"]?.stringValue)
        let stored = try await harness.get("/v1.0/identityProtection/riskDetections/\(id)")
        #expect(stored.body?["activityDateTime"] == "2026-11-08T23:59:30.1234567Z")
        // Filters compare the stored instants.
        let filtered = try await harness.get("/v1.0/identityProtection/riskDetections?$filter=detectedDateTime%20ge%202026-11-09T00:00:00Z")
        #expect(filtered.body?["value"]?.arrayValue?.count == 1)
    }
}
