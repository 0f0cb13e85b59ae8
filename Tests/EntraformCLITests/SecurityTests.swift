import EntraformTestSupport
import Foundation
import GraphEmulator
import PolicyModel
import Testing

/// What a person trusting entraform with their tenant relies on, checked from outside: the built
/// binary against the emulator, every command that talks to Graph with `--debug` and a GitHub Actions
/// step summary, planted credentials grepped for in everything it prints or writes; edited plans,
/// plain http and paths that lead out of the configuration refused; the audit log private and
/// append-only.
@Suite("security (binary against the emulator)", .emulatorScope)
struct SecurityTests {
    /// Values that must never appear anywhere: recognisable, unique per run.
    struct Planted {
        let secret = "Planted-Client-Secret-\(UUID().uuidString)"
        let subject = "repo:contoso/planted-\(UUID().uuidString):ref:refs/heads/main"
        /// Three lines of the certificate's private key (any one would be a leak).
        let keyLines: [String] = {
            let body = TestCertificates.trustedPEM.components(separatedBy: "-----BEGIN PRIVATE KEY-----")[1]
            return Array(body.split(separator: "\n").map(String.init).filter { $0.count > 40 }.prefix(3))
        }()
    }

    /// The Contoso example tenant whose CI application accepts the planted secret, the test
    /// certificate and the planted GitHub subject.
    static func seed(_ planted: Planted) throws -> TenantSeed {
        let path = TestPaths.packageRoot.appendingPathComponent("examples/contoso/tenant.json")
        var document = try JSONValue.decode(exportedData: try Data(contentsOf: path))
        var applications = try #require(document["applications"]?.arrayValue)
        applications[0]["secret"] = .string(planted.secret)
        applications[0]["certificatePem"] = .string(TestCertificates.trustedCertificateOnly)
        applications[0]["federatedCredentials"] = [
            ["issuer": .string(EmulatorDefaults.githubIssuer), "subject": .string(planted.subject), "audiences": ["api://AzureADTokenExchange"]],
        ]
        document["applications"] = .array(applications)
        return TenantSeed(document: document)
    }

    /// A running emulator seeded with planted credentials, and a working folder for the binary.
    struct Session {
        let planted: Planted
        let server: EmulatorServer
        let url: String
        let workdir: URL

        /// The client-secret sign-in, as CI would set it.
        var secret: [String: String] {
            ["AZURE_TENANT_ID": server.credentials.tenantId, "AZURE_CLIENT_ID": server.credentials.clientId, "AZURE_CLIENT_SECRET": planted.secret]
        }

        func run(_ arguments: [String], credential: [String: String]? = nil) async throws -> BinaryRunner.Result {
            try await SecurityTests.run(arguments, in: workdir, url: url, credential: credential ?? secret)
        }
    }

    /// Starts a session for the running test (the emulator stops with the test; remove `workdir`).
    static func start() async throws -> Session {
        let planted = Planted()
        let (server, started) = try await startScopedEmulator(EmulatorConfiguration(seed: try Self.seed(planted)))
        return Session(planted: planted, server: server, url: started.absoluteString, workdir: try workspace())
    }

    /// A working folder with a copy of the baseline policies (and its risk-response rules).
    static func workspace() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("entraform-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.packageRoot.appendingPathComponent("policies"), to: root.appendingPathComponent("config"))
        return root
    }

    /// Every way the binary is run here: with `--debug`, as a GitHub Actions step, against `url`.
    static func run(_ arguments: [String], in workdir: URL, url: String, credential: [String: String]) async throws -> BinaryRunner.Result {
        var environment = credential
        environment["GITHUB_ACTIONS"] = "true"
        environment["GITHUB_STEP_SUMMARY"] = workdir.appendingPathComponent("step-summary.md").path
        environment["HOME"] = workdir.path
        return try await BinaryRunner.runDetached(arguments + ["--graph-url", url, "--requests-per-second", "0", "--debug"],
                                                  in: workdir, environment: environment)
    }

    /// Every file under `root` (hidden folders included: backups and the audit log live in `.entraform`).
    static func filesBelow(_ root: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    }

    /// The texts that must not hold `needles`: what each command printed, and every file it left.
    static func leaks(of needles: [String], outputs: [(String, String)], workdir: URL) -> [String] {
        var texts = outputs
        for file in filesBelow(workdir) where !file.path.contains("/config/") {
            texts.append((file.path, String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)))
        }
        var found: [String] = []
        for (name, text) in texts {
            for needle in needles where text.contains(needle) { found.append("\(needle.prefix(24))… in \(name)") }
        }
        return found
    }

    /// Every command that talks to Graph, with the client secret: nothing printed, saved, backed up,
    /// audited or summarised holds the secret, a JWT (tokens and assertions start with a base64url
    /// `{"`), a bearer header, or the OIDC request token.
    @Test func noCommandPrintsOrWritesACredentialOrToken() async throws {
        let session = try await Self.start()
        let (planted, server, url, workdir) = (session.planted, session.server, session.url, session.workdir)
        defer { try? FileManager.default.removeItem(at: workdir) }
        let secret = session.secret
        #expect(server.credentials.clientSecret == planted.secret)

        let commands: [([String], Int32)] = [
            (["validate", "config"], 0),
            (["plan", "config", "--out", "plan.json"], 0),
            (["apply", "plan.json"], 0),
            (["drift", "config"], 0),
            (["export", "--out", "exported"], 0),
            (["whatif", "config", "--live", "--user", "emma.devries@contoso.com", "--app", "Office 365 Exchange Online",
              "--platform", "iOS", "--client-app", "browser", "--country", "NL"], 0),
            (["report", "config", "--live", "--out", "report.html"], 0),
            (["risk", "plan", "config", "--out", "risk-plan.json"], 2),
            (["risk", "apply", "config", "--auto-approve", "--approve-all", "--approved-by", "security-test"], 0),
            (["doctor", "config"], 0),
        ]
        var outputs: [(String, String)] = []
        for (arguments, expected) in commands {
            // `validate` is offline: it takes no connection options.
            let result = arguments[0] == "validate"
                ? try await BinaryRunner.runDetached(arguments + ["--format", "github"], in: workdir, environment: secret)
                : try await Self.run(arguments, in: workdir, url: url, credential: secret)
            let name = arguments.prefix(2).joined(separator: " ")
            #expect(result.exitCode == expected, "\(name): \(result.stdout.suffix(600)) \(result.stderr.suffix(1200))")
            outputs += [("\(name) stdout", result.stdout), ("\(name) stderr", result.stderr)]
        }
        // A second change backs the live policy up before updating it.
        let file = workdir.appendingPathComponent("config/baseline/ca101-require-mfa-all-users.yaml")
        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "state: enabled", with: "state: disabled")
        try Data(edited.utf8).write(to: file)
        let update = try await Self.run(["apply", "config", "--auto-approve"], in: workdir, url: url, credential: secret)
        #expect(update.exitCode == 0, "\(update.stderr.suffix(1200))")
        outputs += [("apply config stdout", update.stdout), ("apply config stderr", update.stderr)]

        // Everything the run was meant to leave is there, so the search below searched something.
        let written = Self.filesBelow(workdir).map(\.path)
        for expectedFile in ["plan.json", "step-summary.md", "report.html", "risk-plan.json", ".entraform/audit.jsonl", "exported/entraform.yaml"] {
            #expect(written.contains(workdir.appendingPathComponent(expectedFile).path), "\(expectedFile) missing")
        }
        let backups = written.filter { $0.contains("/.entraform/backups/") }
        #expect(!backups.isEmpty, "apply backed nothing up")
        let debug = outputs.filter { $0.0.hasSuffix("stderr") }.map(\.1).joined()
        #expect(debug.contains("POST /beta/identity/conditionalAccess/policies → 201"), "--debug logs each request")

        let needles = [planted.secret, "eyJ", "Bearer ", EmulatorDefaults.oidcRequestToken]
        #expect(Self.leaks(of: needles, outputs: outputs, workdir: workdir) == [])
    }

    /// The other ways to sign in: a certificate (its private key and the signed client assertion), a
    /// ready access token, and GitHub Actions OIDC (the request token and the federated assertion).
    @Test func otherCredentialsLeaveNoTraceEither() async throws {
        let session = try await Self.start()
        let (planted, server, url, workdir) = (session.planted, session.server, session.url, session.workdir)
        defer { try? FileManager.default.removeItem(at: workdir) }
        let credentials = server.credentials
        let keyFile = workdir.appendingPathComponent("secrets/client.pem")
        try FileManager.default.createDirectory(at: keyFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(TestCertificates.trustedPEM.utf8).write(to: keyFile)
        let token = try await server.accessToken(lifetime: .seconds(3_600))
        let ids = ["AZURE_TENANT_ID": credentials.tenantId, "AZURE_CLIENT_ID": credentials.clientId]
        let requestURL = await server.oidcRequestURL(subject: planted.subject)
        let oidcURL = try #require(requestURL).absoluteString
        let ways: [(String, [String: String])] = [
            ("certificate", ids.merging(["AZURE_CLIENT_CERTIFICATE_PATH": keyFile.path]) { old, _ in old }),
            ("access token", ["ENTRAFORM_ACCESS_TOKEN": token]),
            ("GitHub OIDC", ids.merging(["ACTIONS_ID_TOKEN_REQUEST_URL": oidcURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": EmulatorDefaults.oidcRequestToken]) { old, _ in old }),
        ]
        var outputs: [(String, String)] = []
        for (way, environment) in ways {
            for arguments in [["plan", "config", "--out", "plan-\(way.prefix(3)).json"], ["doctor", "config"], ["drift", "config"]] {
                let result = try await Self.run(arguments, in: workdir, url: url, credential: environment)
                #expect([0, 2].contains(result.exitCode), "\(way) \(arguments[0]): \(result.stdout.suffix(400)) \(result.stderr.suffix(800))")
                outputs += [("\(way) \(arguments[0]) stdout", result.stdout), ("\(way) \(arguments[0]) stderr", result.stderr)]
            }
        }
        let doctorLines = outputs.filter { $0.0.hasSuffix("doctor stdout") }.map(\.1)
        #expect(doctorLines.count == 3 && doctorLines.allSatisfy { $0.contains("ready") })
        // The key file itself holds the key (so the search does find it), everything else must not.
        #expect(!Self.leaks(of: planted.keyLines, outputs: [], workdir: workdir).isEmpty)
        try FileManager.default.removeItem(at: keyFile)
        let needles = planted.keyLines + ["PRIVATE KEY", token, String(token.split(separator: ".").last ?? ""), "eyJ", "Bearer ",
                                          EmulatorDefaults.oidcRequestToken]
        #expect(planted.keyLines.count == 3)
        #expect(Self.leaks(of: needles, outputs: outputs, workdir: workdir) == [])
    }

    /// A plan file changed after `plan --out` (one display name) is refused by `apply`, and nothing is written.
    @Test func anEditedPlanFileIsRefused() async throws {
        let session = try await Self.start()
        let (server, workdir) = (session.server, session.workdir)
        defer { try? FileManager.default.removeItem(at: workdir) }
        let plan = try await session.run(["plan", "config", "--out", "plan.json", "--no-impact"])
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let file = workdir.appendingPathComponent("plan.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("CA101 - Require MFA for all users"))
        try Data(text.replacingOccurrences(of: "CA101 - Require MFA for all users", with: "CA101 - Require MFA for some users").utf8).write(to: file)
        let before = await server.stateDocument()["policies"]?.arrayValue?.count ?? 0
        let apply = try await session.run(["apply", "plan.json"])
        #expect(apply.exitCode == 1)
        #expect(apply.stderr.contains("digest") || apply.stdout.contains("digest"), "\(apply.stdout)\(apply.stderr)")
        let after = await server.stateDocument()["policies"]?.arrayValue?.count ?? 0
        #expect(after == before)
    }

    /// Plain http is accepted only to a loopback host, for Graph, login and the OIDC request URLs
    /// (each carries a credential); the refusal comes before any request.
    @Test func plainHTTPToAnotherHostIsRefused() async throws {
        let workdir = try BinaryRunner.temporaryDirectory([:])
        defer { try? FileManager.default.removeItem(at: workdir) }
        let secret = ["AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"]
        for arguments in [["--graph-url", "http://graph.example.com"], ["--graph-url", "https://127.0.0.1:1", "--login-url", "http://10.0.0.1"]] {
            let result = try await BinaryRunner.runDetached(["doctor"] + arguments, in: workdir, environment: secret)
            #expect(result.exitCode == 1)
            #expect((result.stdout + result.stderr).contains("plain http to a non-loopback host"), "\(result.stdout)\(result.stderr)")
        }
        let github = ["AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "ACTIONS_ID_TOKEN_REQUEST_URL": "http://runner.example.com/token?a=1",
                      "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token"]
        let result = try await BinaryRunner.runDetached(["doctor", "--graph-url", "http://127.0.0.1:1"], in: workdir, environment: github)
        #expect(result.exitCode == 1)
        #expect((result.stdout + result.stderr).contains("ACTIONS_ID_TOKEN_REQUEST_URL uses http to runner.example.com"), "\(result.stdout)\(result.stderr)")
    }

    /// A pull request cannot redirect what entraform writes or reads: a committed `.entraform` link
    /// (where backups and the audit log go by default) stops `apply` before it updates anything and
    /// `risk apply` before it acts; a configuration file linked to one outside is refused by every
    /// command that reads the configuration, without printing its text.
    @Test func committedLinksCannotRedirectReadsOrWrites() async throws {
        let session = try await Self.start()
        let (planted, server, url, workdir) = (session.planted, session.server, session.url, session.workdir)
        let outside = try BinaryRunner.temporaryDirectory(["outside-secret.yaml": "kind: Settings\ntenant: \(planted.subject)\n"])
        defer { try? FileManager.default.removeItem(at: workdir); try? FileManager.default.removeItem(at: outside) }
        let secret = session.secret

        let first = try await Self.run(["apply", "config", "--auto-approve"], in: workdir, url: url, credential: secret)
        #expect(first.exitCode == 0, "\(first.stderr.suffix(800))")
        try FileManager.default.createSymbolicLink(atPath: workdir.appendingPathComponent(".entraform").path, withDestinationPath: outside.path)
        let file = workdir.appendingPathComponent("config/baseline/ca101-require-mfa-all-users.yaml")
        try Data(try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "state: enabled", with: "state: disabled").utf8).write(to: file)
        let update = try await Self.run(["apply", "config", "--auto-approve"], in: workdir, url: url, credential: secret)
        #expect(update.exitCode == 1)
        #expect((update.stdout + update.stderr).contains(".entraform is a symbolic link"), "\(update.stdout.suffix(800))\(update.stderr.suffix(800))")
        let policies = await server.stateDocument()["policies"]?.arrayValue ?? []
        let ca101 = policies.first { $0["displayName"]?.stringValue == "CA101 - Require MFA for all users" }
        #expect(ca101?["state"]?.stringValue == "enabled")

        let riskyBefore = await server.stateDocument()["riskyUsers"]
        let risk = try await Self.run(["risk", "apply", "config", "--auto-approve", "--approve-all"], in: workdir, url: url, credential: secret)
        #expect(risk.exitCode == 1)
        #expect(risk.stderr.contains(".entraform is a symbolic link"), "\(risk.stdout.suffix(800))\(risk.stderr.suffix(800))")
        let riskyAfter = await server.stateDocument()["riskyUsers"]
        #expect(riskyAfter == riskyBefore)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path) == ["outside-secret.yaml"])

        try FileManager.default.removeItem(at: workdir.appendingPathComponent(".entraform"))
        try FileManager.default.createSymbolicLink(atPath: workdir.appendingPathComponent("config/zz-leak.yaml").path,
                                                   withDestinationPath: outside.appendingPathComponent("outside-secret.yaml").path)
        for arguments in [["validate", "config"], ["plan", "config", "--graph-url", url], ["risk", "plan", "config", "--graph-url", url]] {
            let result = try await BinaryRunner.runDetached(arguments, in: workdir, environment: secret)
            #expect(result.exitCode == 1, "\(arguments[0])")
            #expect((result.stdout + result.stderr).contains("config/zz-leak.yaml: a symbolic link to "), "\(arguments[0]): \(result.stdout)\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains(planted.subject))
        }
    }
}
