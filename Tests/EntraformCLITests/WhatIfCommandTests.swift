import EntraformTestSupport
import Foundation
import PolicyModel
import Testing

/// `entraform whatif` end to end: the built binary against the emulator seeded with the Contoso tenant,
/// evaluating the baseline policy set.
@Suite("whatif (binary)")
struct WhatIfCommandTests {
    static let seed = TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json").path
    static let policies = TestPaths.packageRoot.appendingPathComponent("policies").path

    static func whatif(_ arguments: [String]) async throws -> BinaryRunner.Result {
        try await BinaryRunner.runDetached(["whatif", policies, "--emulator", seed] + arguments)
    }

    static func json(_ result: BinaryRunner.Result) throws -> JSONValue {
        try JSONValue.decode(exportedData: Data(result.stdout.utf8))
    }

    @Test func aFinanceUserOnAnUnmanagedIPhoneNeedsMFAAndWouldNeedAnApprovedApp() async throws {
        let result = try await Self.whatif(["--user", "emma.devries@contoso.com", "--app", "Office 365 Exchange Online", "--platform", "iOS",
                                            "--client-app", "mobileAppsAndDesktopClients", "--country", "NL", "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let document = try Self.json(result)
        #expect(document["outcome"]?["blocked"] == false)
        #expect(document["outcome"]?["requires"] == ["mfa"])
        #expect(document["reportOnly"]?["requires"] == ["approvedApplication", "compliantApplication"])
        let applying = document["policies"]?.arrayValue?.filter { $0["applies"] == true }.compactMap { $0["displayName"]?.stringValue } ?? []
        #expect(applying.contains("CA101 - Require MFA for all users"))
        let legacy = document["policies"]?.arrayValue?.first { $0["displayName"]?.stringValue?.hasPrefix("CA100") == true }
        #expect(legacy?["reasons"] == ["clientApps"])
    }

    @Test func legacyAuthenticationIsBlockedAndTheBreakGlassAccountIsNot() async throws {
        let legacy = try await Self.whatif(["--user", "emma.devries@contoso.com", "--app", "Office 365 Exchange Online",
                                            "--client-app", "exchangeActiveSync", "--format", "json"])
        #expect(legacy.exitCode == 0, "\(legacy.stderr)")
        #expect(try Self.json(legacy)["outcome"]?["blocked"] == true)
        let breakGlass = try await Self.whatif(["--user", "breakglass1@contoso.onmicrosoft.com", "--app", "Office 365 Exchange Online",
                                                "--client-app", "exchangeActiveSync", "--format", "json"])
        #expect(breakGlass.exitCode == 0, "\(breakGlass.stderr)")
        #expect(try Self.json(breakGlass)["outcome"]?["blocked"] == false)
    }

    @Test func textNamesMissingInputs() async throws {
        let result = try await Self.whatif(["--user", "emma.devries@contoso.com", "--app", "Office 365 Exchange Online"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Outcome: requires mfa"), "\(result.stdout)")
        #expect(result.stdout.contains("Not evaluated for lack of input:"), "\(result.stdout)")
        #expect(result.stdout.contains("clientAppType"))
    }

    @Test func compareGraphAsksTheWhatIfAPIAndSaysWhereItDiffers() async throws {
        let result = try await Self.whatif(["--user", "emma.devries@contoso.com", "--app", "Office 365 Exchange Online", "--live",
                                            "--compare-graph", "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let graph = try Self.json(result)["graph"]?.arrayValue ?? []
        #expect(graph.count == 1)
        #expect(graph.first?["agrees"] == true, "\(graph)")
        #expect(graph.first?["analysisReasons"] == "users")
    }

    @Test func aDeclaredPersonaRunsByNameAndFlagsOverrideIt() async throws {
        let persona = try await Self.whatif(["--scenario", "Finance user on an unmanaged iPhone", "--format", "json"])
        #expect(persona.exitCode == 0, "\(persona.stderr)")
        #expect(try Self.json(persona)["outcome"]?["requires"] == ["mfa"])
        #expect(try Self.json(persona)["subject"] == "emma.devries@contoso.com")
        let legacy = try await Self.whatif(["--scenario", "Finance user on an unmanaged iPhone", "--client-app", "exchangeActiveSync", "--format", "json"])
        #expect(try Self.json(legacy)["outcome"]?["blocked"] == true)
        let unknown = try await Self.whatif(["--scenario", "Nobody"])
        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("no scenario named 'Nobody' in the Settings; declared: 'Finance user on an unmanaged iPhone'"), "\(unknown.stderr)")
    }

    /// CA402 blocks guests from every application but Office 365, My Apps and the partner portal. Since
    /// Microsoft's 2026 change, the portal's requests for only low-privilege scopes are evaluated as
    /// directory access, which an All-resources policy enforces whatever it excludes.
    @Test func lowPrivilegeScopesAreDirectoryAccessThatAllResourcesPoliciesEnforce() async throws {
        func ca402Applies(_ extra: [String]) async throws -> (Bool?, String) {
            let result = try await Self.whatif(["--user", "olivia.brown_fabrikam.com#EXT#@contoso.onmicrosoft.com", "--app", "Contoso Partner Portal",
                                                "--format", "json"] + extra)
            #expect(result.exitCode == 0, "\(result.stderr)")
            let document = try Self.json(result)
            let policy = document["policies"]?.arrayValue?.first { $0["displayName"]?.stringValue?.hasPrefix("CA402") == true }
            return (policy?["applies"]?.boolValue, document["target"]?.stringValue ?? "")
        }
        #expect(try await ca402Applies([]).0 == false)
        let lowPrivilege = try await ca402Applies(["--scopes", "openid profile User.Read"])
        #expect(lowPrivilege.0 == true)
        #expect(lowPrivilege.1.contains("evaluated as directory access"), "\(lowPrivilege.1)")
        #expect(try await ca402Applies(["--scopes", "openid,User.Read,Mail.Read"]).0 == false)
        #expect(try await ca402Applies(["--scopes", "User.Read.All"]).0 == false)
        #expect(try await ca402Applies(["--scopes", "User.Read.All", "--confidential-client"]).0 == true)
        let misplaced = try await Self.whatif(["--user", "emma.devries@contoso.com", "--user-action", "registersecurityinfo", "--scopes", "openid"])
        #expect(misplaced.exitCode != 0)
        #expect(misplaced.stderr.contains("--scopes needs --app"), "\(misplaced.stderr)")
    }

    @Test func badInputsAreClearErrors() async throws {
        let nobody = try await Self.whatif(["--user", "nobody@contoso.com", "--app", "Office 365 Exchange Online"])
        #expect(nobody.exitCode == 1)
        #expect(nobody.stderr.contains("user 'nobody@contoso.com' not found in the tenant"), "\(nobody.stderr)")
        let both = try await Self.whatif(["--user", "emma.devries@contoso.com", "--service-principal", "x", "--app", "Office365"])
        #expect(both.exitCode != 0)
        #expect(both.stderr.contains("give exactly one of --user and --service-principal"), "\(both.stderr)")
        let badRisk = try await Self.whatif(["--user", "emma.devries@contoso.com", "--app", "Office 365 Exchange Online", "--sign-in-risk", "severe"])
        #expect(badRisk.exitCode != 0)
        #expect(badRisk.stderr.contains("--sign-in-risk 'severe' is not one of low, medium, high, hidden, none"), "\(badRisk.stderr)")
    }
}

/// The Settings' personas in every plan: what each would face before and after it.
@Suite("plan scenarios (binary)")
struct PlanScenarioTests {
    @Test func everyPlanSaysWhatEachPersonaFacesBeforeAndAfter() async throws {
        let result = try await BinaryRunner.runDetached(["plan", WhatIfCommandTests.policies, "--emulator", WhatIfCommandTests.seed,
                                                          "--format", "json"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let document = try WhatIfCommandTests.json(result)
        let scenarios = document["scenarios"]?.arrayValue ?? []
        #expect(scenarios.count == 3)
        let iPhone = scenarios.first { $0["name"] == "Finance user on an unmanaged iPhone" }
        #expect(iPhone?["changed"] == true)
        #expect(iPhone?["before"]?["clauses"] == [])
        #expect(iPhone?["after"]?["clauses"] == [["mfa"]])
        #expect(iPhone?["reportOnlyAfter"]?["clauses"] == [["approvedApplication", "compliantApplication"]])
        let admin = scenarios.first { $0["name"] == "Global Administrator in the Azure portal" }
        #expect(admin?["after"]?["clauses"] == [["authenticationStrength:Phishing-resistant MFA"]])

        let text = try await BinaryRunner.runDetached(["plan", WhatIfCommandTests.policies, "--emulator", WhatIfCommandTests.seed])
        #expect(text.stdout.contains("Scenarios (before → after this plan):"), "\(text.stdout)")
        #expect(text.stdout.contains("Finance user on an unmanaged iPhone (emma.devries@contoso.com to Office 365 Exchange Online on iOS (mobileAppsAndDesktopClients) from NL): allowed → requires mfa"))
        let markdown = try await BinaryRunner.runDetached(["plan", WhatIfCommandTests.policies, "--emulator", WhatIfCommandTests.seed, "--format", "markdown"])
        #expect(markdown.stdout.contains("| Finance user on an unmanaged iPhone | emma.devries@contoso.com to Office 365 Exchange Online on iOS (mobileAppsAndDesktopClients) from NL | allowed | **requires mfa; persistent browser never; sign-in frequency 12 hours** |"),
                "\(markdown.stdout)")
    }

    /// Regression: a saved plan with scenario outcomes was refused by apply as modified.
    @Test func aSavedPlanWithScenariosApplies() async throws {
        let saved = try BinaryRunner.temporaryDirectory([:]).appendingPathComponent("plan.json").path
        let plan = try await BinaryRunner.runDetached(["plan", WhatIfCommandTests.policies, "--emulator", WhatIfCommandTests.seed, "--out", saved])
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let apply = try await BinaryRunner.runDetached(["apply", saved, "--emulator", WhatIfCommandTests.seed, "--auto-approve"])
        #expect(apply.exitCode == 0, "\(apply.stdout)\n\(apply.stderr)")
        #expect(!apply.stderr.contains("modified after it was made"), "\(apply.stderr)")
    }
}
