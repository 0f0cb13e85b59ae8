import Foundation
@testable import GraphEmulator
import PolicyEvaluation
import PolicyModel
import Testing

/// Graph writes UTC with up to seven fraction digits, but timestamps with offsets reach entraform too
/// (exports, injected detections, other tools): every ISO 8601 offset is read, and a time that
/// cannot be read is reported, never silently dropped.
@Suite("Graph timestamps with offsets")
struct GraphTimeTests {
    /// 2026-11-22T12:00:00Z, written in many ways.
    static let noonUTC: [String] = [
        "2026-11-22T12:00:00Z", "2026-11-22T12:00:00z", "2026-11-22T12:00:00+00:00", "2026-11-22T12:00:00-00:00",
        "2026-11-22T17:00:00+05:00", "2026-11-22T17:00:00+0500", "2026-11-22T17:00:00+05",
        "2026-11-22T06:30:00-05:30", "2026-11-22T06:30:00-0530", "2026-11-23T01:45:00+13:45",
        "2026-11-22T12:00:00.0000000Z", "2026-11-22T17:00:00.0000000+05:00", "2026-11-22T12:00:00.0Z",
        "2026-11-22 12:00:00Z",
    ]

    @Test(arguments: noonUTC)
    func everyOffsetIsRead(text: String) {
        #expect(GraphTime.date(text) == RiskFixtures.now, "\(text)")
    }

    @Test func sevenFractionDigitsWithAnOffset() throws {
        let date = try #require(GraphTime.date("2026-11-22T17:00:00.6081986+05:00"))
        #expect(abs(date.timeIntervalSince1970 - (RiskFixtures.now.timeIntervalSince1970 + 0.6081986)) < 0.000_001)
        let plain = try #require(GraphTime.date("2026-11-22T12:00:00.6081986Z"))
        #expect(plain == date)
    }

    @Test(arguments: ["", "not a date", "2026-11-22T12:00:00+5:00", "2026-11-22T12:00:00+05:0", "2026-11-22T12:00:00+24:00",
                      "2026-11-22T12:00:00Zjunk", "2026-11-22T25:00:00Z", "2026-11-22T12:60:00Z", "2026-13-01T00:00:00Z",
                      "2026-02-30T00:00:00Z", "2026-11-22T12:00:00.Z", "2026-11-22T12:00:00+05:00:00"])
    func whatIsNotATimeIsNotRead(text: String) {
        #expect(GraphTime.date(text) == nil, "\(text)")
    }

    /// The emulator filters detections by time with its own copy of the parser: the two agree.
    @Test(arguments: noonUTC + ["2026-11-22T17:00:00.6081986+05:00", "2025-09-24T12:59:05.2884951Z", "2024-02-29T23:59:59.5-01:00",
                                "not a date", "2026-11-22T12:00:00+5:00"])
    func theEmulatorReadsTimesAsRiskRulesDo(text: String) {
        #expect(GraphTimestamp.date(from: text) == GraphTime.date(text), "\(text)")
    }

    @Test func aDetectionWrittenWithAnOffsetIsMatchedByItsWindow() {
        var detection = RiskFixtures.detection("d1", user: 1)
        // Two hours ago, in Pakistan Standard Time.
        detection["detectedDateTime"] = "2026-11-22T15:00:00.1234567+05:00"
        let rule = RiskFixtures.rule("recent") { $0.detectedWithin = TimeWindow(parsing: "24h") }
        let plan = RiskFixtures.evaluate([rule], users: [RiskFixtures.riskyUser(1)], detections: [detection])
        #expect(plan.errors.isEmpty)
        #expect(plan.actions.map(\.target.id) == [RiskFixtures.userId(1)])
    }

    @Test func aDetectionTimeThatCannotBeReadIsAnErrorNamingTheDetectionAndTheValue() {
        var unreadable = RiskFixtures.detection("d-bad", user: 2)
        unreadable["detectedDateTime"] = "22/11/2026 10:00"
        let rule = RiskFixtures.rule("recent") { $0.detectedWithin = TimeWindow(parsing: "24h") }
        let plan = RiskFixtures.evaluate([rule], users: [RiskFixtures.riskyUser(1), RiskFixtures.riskyUser(2)],
                                         detections: [RiskFixtures.detection("d1", user: 1), unreadable])
        #expect(plan.actions.map(\.target.id) == [RiskFixtures.userId(1)])
        #expect(plan.errors.count == 1)
        let error = plan.errors.first
        #expect(error?.kind == .rule)
        #expect(error?.rules == ["recent"])
        #expect(error?.target?.id == RiskFixtures.userId(2))
        #expect(error?.message.contains("detection d-bad") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("'22/11/2026 10:00'") == true, "\(error?.message ?? "")")
        #expect(plan.exitCode == 1)
    }

    @Test func anUnreadableTimeNeverMakesARevocationLookDone() {
        // Sessions were revoked an hour ago, after d1 (three hours ago); d2's time cannot be read, so
        // whether it came after the revocation is unknown: the revocation is proposed and the time reported.
        var unreadable = RiskFixtures.detection("d2", user: 1)
        unreadable["detectedDateTime"] = "yesterday"
        unreadable["activityDateTime"] = "yesterday"
        let rule = RiskFixtures.rule("revoke", .revokeSignInSessions)
        let plan = RiskRuleEvaluator().evaluate(RiskEvaluationInput(
            rules: [RiskRuleInput(rule: rule)], riskyUsers: [RiskFixtures.riskyUser(1)],
            detections: [RiskFixtures.detection("d1", user: 1, hoursAgo: 3), unreadable],
            sessionsValidFrom: [RiskFixtures.userId(1): GraphTime.string(RiskFixtures.now.addingTimeInterval(-3_600))],
            now: RiskFixtures.now))
        #expect(plan.skipped.isEmpty)
        #expect(plan.actions.map(\.action) == [.revokeSignInSessions])
        #expect(plan.errors.map(\.rules) == [["revoke"]])
        #expect(plan.errors.first?.message.contains("'yesterday'") == true)
    }
}

/// One timestamp writer (architecture issue): risk rules (whole seconds) and the emulator (seven
/// fraction digits) both write with `ISO8601DateTime.string`, checked against Foundation's formatter
/// over seeded random instants, and read back by the one parser.
@Suite("Timestamp writing")
struct TimestampWritingTests {
    @Test func wholeSecondsAndFractionsMatchFoundationAndReadBack() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<2_000 {
            // 1900-01-01 … 2200-01-01, with a fraction of 100 ns ticks.
            let seconds = -2_208_988_800 + Int64(next() % 9_467_280_000)
            let ticks = Int64(next() % 10_000_000)
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(ticks) / 10_000_000)
            let whole = ISO8601DateTime.string(date, fraction: false)
            #expect(whole == formatter.string(from: Date(timeIntervalSince1970: Double(seconds))))
            let precise = ISO8601DateTime.string(date, fraction: true)
            #expect(precise.hasPrefix(String(whole.dropLast())))
            let back = ISO8601DateTime.parse(precise)
            #expect(back.map { abs($0.timeIntervalSince(date)) < 0.000_001 } == true, "\(precise)")
        }
        #expect(ISO8601DateTime.string(Date(timeIntervalSince1970: 1.5), fraction: true) == "1970-01-01T00:00:01.5Z")
        #expect(ISO8601DateTime.string(Date(timeIntervalSince1970: 0), fraction: true) == "1970-01-01T00:00:00Z")
    }
}
