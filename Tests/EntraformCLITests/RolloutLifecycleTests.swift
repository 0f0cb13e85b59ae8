@testable import EntraformCLI
import EntraformTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GraphClient
import GraphEmulator
import PolicyModel
import Reconciliation
import TenantAccess
import Testing

/// A policy declared with a rollout moves report-only → pilot → everyone across plans only as the
/// tenant's own evidence allows, and back to report-only when it fails: the emulator evaluates each
/// sign-in against the live policies with the engine and records it, audits every write, and its clock
/// is moved by the test (each plan is made at the emulator's time).
@Suite("staged rollout against the emulator")
struct RolloutLifecycleTests {
    static let seed: JSONValue = [
        "tenantId": "0e0e0e0e-2222-4333-8444-555555555555", "domains": ["contoso.onmicrosoft.com"],
        "users": [
            ["id": "aaaaaaaa-0000-4000-8000-00000000a11c", "userPrincipalName": "alice@contoso.onmicrosoft.com", "displayName": "Alice"],
            ["id": "bbbbbbbb-0000-4000-8000-00000000b0b0", "userPrincipalName": "bob@contoso.onmicrosoft.com", "displayName": "Bob"],
            ["id": "00000000-0000-4000-8000-000000000001", "userPrincipalName": "breakglass@contoso.onmicrosoft.com", "displayName": "Break Glass"],
        ],
        "groups": [
            ["id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "BreakGlass", "members": ["00000000-0000-4000-8000-000000000001"]],
            ["id": "aaaaaaaa-0000-4000-8000-000000000002", "displayName": "CA-Pilot", "members": ["aaaaaaaa-0000-4000-8000-00000000a11c"]],
        ],
        "servicePrincipals": [["id": "33333333-0000-4000-8000-000000000001", "appId": "00000002-0000-0ff1-ce00-000000000000",
                               "displayName": "Office 365 Exchange Online"]],
    ]

    static let configuration = [
        "config/entraform.yaml": "kind: Settings\nemergencyAccess: {groups: [BreakGlass]}\n",
        "config/mfa.yaml": """
            kind: ConditionalAccessPolicy
            displayName: CA150 Require MFA
            state: enabled
            rollout:
              reportOnlyFor: 7d
              pilot: {includeGroups: [CA-Pilot], for: 3d, minimumSignIns: 1}
              maxFailureRate: 40%
              minimumSignIns: 3
              rollbackAbove: 50%
            conditions:
              users: {includeUsers: [All], excludeGroups: [BreakGlass]}
              applications: {includeApplications: [All]}
            grantControls: {builtInControls: [mfa]}
            """,
    ]

    /// Plans at the emulator's time; applies when `apply`. Returns the plan's one rollout decision.
    static func plan(_ path: String, at time: ManualEmulatorClock, connect: @escaping (Settings) async throws -> GraphConnection,
                     apply: Bool = false) async throws -> RolloutDecision {
        let plan = try await ReconcileSession.with(path: path, useColor: false, staging: .evidence(now: time.clock.date()), connect: connect) {
            $0.plan()
        }
        #expect(!plan.hasErrors, "\(plan.diagnostics)")
        if apply {
            let connection = try await connect(Settings())
            let tenant = GraphTenant(client: connection.client)
            let backups = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-backups-\(UUID().uuidString)")
            let report = await Applier(reader: tenant, writer: tenant, backups: BackupFolder(folder: backups)).apply(plan)
            await connection.close()
            #expect(report.exitCode == 0, "\(report)")
        }
        return try #require(plan.rollouts?.first)
    }

    /// Signs `user` in to Exchange Online through the emulator (`mfa`: whether the user completed MFA).
    static func signIn(_ url: URL, _ user: String, mfa: Bool) async throws {
        var request = URLRequest(url: URL(string: "\(url)/_emulator/signIns")!)
        request.httpMethod = "POST"
        request.httpBody = JSONValue.object(["user": .string(user), "app": "Office 365 Exchange Online", "mfa": .bool(mfa)]).serialized()
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
    }

    /// The live policy's state and user inclusions.
    static func live(_ connect: (Settings) async throws -> GraphConnection) async throws -> (state: String?, includeUsers: [String], includeGroups: [String]) {
        let connection = try await connect(Settings())
        let policies = try await connection.client.listPolicies()
        await connection.close()
        let policy = try #require(policies.first { $0["displayName"]?.stringValue == "CA150 Require MFA" })
        let users = policy["conditions"]?["users"]
        return (policy["state"]?.stringValue, users?["includeUsers"]?.stringArray ?? [], users?["includeGroups"]?.stringArray ?? [])
    }

    @Test func aHeldRolloutSaysWhyTheSignInLogCouldNotBeRead() {
        let licence = GraphError(kind: .service, status: 403, code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                                 message: "Neither tenant is B2C or tenant doesn't have premium license")
        #expect(ReconcileSession.signInProblem(licence).hasPrefix("the sign-in log needs a Microsoft Entra ID P1 or P2 licence"))
        let permission = GraphError(kind: .service, status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges")
        #expect(ReconcileSession.signInProblem(permission) == "the sign-in log needs AuditLog.Read.All (Graph answered 403 Authorization_RequestDenied)")
    }

    @Test func reportOnlyThenPilotThenEveryoneThenRolledBack() async throws {
        let time = ManualEmulatorClock(start: ISO8601DateTime.parse("2026-11-01T09:00:00Z")!)
        var emulator = EmulatorConfiguration(seed: TenantSeed(document: Self.seed))
        emulator.clock = time.clock
        let path = try BinaryRunner.temporaryDirectory(Self.configuration).appendingPathComponent("config").path
        let day = Duration.seconds(86_400)
        try await withEmulator(emulator) { server, url in
            try await withTestEmulatorConnection(server: server, url: url) { connect in
                // Created in report-only.
                let start = try await Self.plan(path, at: time, connect: connect, apply: true)
                #expect(start.verdict == .start)
                #expect(try await Self.live(connect).state == "enabledForReportingButNotEnforced")

                // A day later: too early, whatever the evidence.
                time.advance(by: day)
                try await Self.signIn(url, "alice@contoso.onmicrosoft.com", mfa: true)
                try await Self.signIn(url, "bob@contoso.onmicrosoft.com", mfa: true)
                let early = try await Self.plan(path, at: time, connect: connect)
                #expect(early.verdict == .hold(.tooEarly(secondsInStage: 86_400, requiredSeconds: 7 * 86_400)))
                #expect(early.evidence?.evaluated == 2)

                // Eight days in, three sign-ins evaluated, one would have been interrupted (33 % ≤ 40 %): the pilot ring.
                time.advance(by: day * 7)
                try await Self.signIn(url, "bob@contoso.onmicrosoft.com", mfa: false)
                let toPilot = try await Self.plan(path, at: time, connect: connect, apply: true)
                #expect(toPilot.verdict == .advance)
                #expect(toPilot.target == .pilot)
                #expect(toPilot.evidence?.evaluated == 3)
                #expect(toPilot.evidence?.interrupted == 1)
                let pilot = try await Self.live(connect)
                #expect(pilot.state == "enabled")
                #expect(pilot.includeUsers.isEmpty)
                #expect(pilot.includeGroups == ["aaaaaaaa-0000-4000-8000-000000000002"])

                // Being part-way through a rollout is not drift.
                let drift = try await ReconcileSession.with(path: path, useColor: false, staging: .liveStage, connect: connect) { $0.drift() }
                #expect(drift.entries.isEmpty, "\(drift.entries)")

                // The pilot's day one: only Alice is in the ring (Bob's sign-in does not count); too early.
                time.advance(by: day)
                try await Self.signIn(url, "alice@contoso.onmicrosoft.com", mfa: true)
                try await Self.signIn(url, "bob@contoso.onmicrosoft.com", mfa: false)
                let pilotEarly = try await Self.plan(path, at: time, connect: connect)
                #expect(pilotEarly.stage == .pilot)
                #expect(pilotEarly.verdict == .hold(.tooEarly(secondsInStage: 86_400, requiredSeconds: 3 * 86_400)))
                #expect(pilotEarly.evidence?.evaluated == 1)
                #expect(pilotEarly.evidence?.failing == 0)

                // Three days in the ring: everyone.
                time.advance(by: day * 2)
                let toEveryone = try await Self.plan(path, at: time, connect: connect, apply: true)
                #expect(toEveryone.verdict == .advance)
                #expect(toEveryone.target == .enforced)
                #expect(try await Self.live(connect).includeUsers == ["All"])

                // Enforced, and most sign-ins fail: proposed back to report-only.
                time.advance(by: day)
                for _ in 0..<3 { try await Self.signIn(url, "bob@contoso.onmicrosoft.com", mfa: false) }
                try await Self.signIn(url, "alice@contoso.onmicrosoft.com", mfa: true)
                let rollback = try await Self.plan(path, at: time, connect: connect, apply: true)
                #expect(rollback.verdict == .rollback(rate: 75, limit: 50))
                #expect(try await Self.live(connect).state == "enabledForReportingButNotEnforced")

                // The rollback started a new report-only stage.
                time.advance(by: day)
                let again = try await Self.plan(path, at: time, connect: connect)
                #expect(again.stage == .reportOnly)
                #expect(again.verdict == .hold(.tooEarly(secondsInStage: 86_400, requiredSeconds: 7 * 86_400)))
            }
        }
    }
}
