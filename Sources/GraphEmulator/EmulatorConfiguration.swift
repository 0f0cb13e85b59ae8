import Foundation

/// How an emulated tenant behaves: where its data comes from and which of Graph's less pleasant
/// behaviours (throttling, faults, latency, replication lag) it reproduces.
///
/// Every switch defaults to "off", so a plain configuration gives a fast, well-behaved tenant.
public struct EmulatorConfiguration: Sendable {
    /// The tenant's initial content. `nil` gives an empty tenant with the built-in role templates,
    /// authentication strengths and the default application.
    public var seed: TenantSeed?
    /// A file the tenant is persisted to (atomically) after every change. When the file exists at
    /// start it is loaded instead of `seed`, so a restart resumes where the last run stopped.
    public var stateFile: URL?
    /// Delay added before every answer.
    public var latency: Duration
    /// Requests per second allowed on the conditional access and Identity Protection paths, per
    /// tenant (Graph: 1). `nil` disables the limiter. Over the limit: 429 without `Retry-After`.
    public var rateLimit: Double?
    /// Requests per second allowed on directory paths (users, groups, …). `nil` disables it.
    /// Over the limit: 429 with `Retry-After`, as Graph's identity and access service answers.
    public var directoryRateLimit: Double?
    /// Requests per second allowed on the identity and access reports paths (`/auditLogs/…`), per
    /// tenant (Graph: 5 per 10 seconds per app, so 0.5). `nil` disables it. Over the limit: 429 without
    /// `Retry-After`, as on the conditional access paths.
    public var reportsRateLimit: Double? = nil
    /// Burst size of the token buckets (requests that may arrive at once). At least 1.
    public var rateLimitBurst: Int?
    /// Probability (0…1) that a Graph request fails with a 503 (with `Retry-After`), a 500 or a
    /// dropped connection.
    public var faultRate: Double
    /// Seed of the fault generator, so a failing run can be replayed.
    public var faultSeed: UInt64
    /// When not empty, only requests whose path contains one of these texts draw faults (to aim
    /// `faultRate` at, say, `/identityProtection/riskyUsers/confirmCompromised`); the others never fail.
    public var faultPaths: [String] = []
    /// How long a newly created object answers 404 on get, patch and delete by id.
    public var replicationLag: Duration
    /// Lifetime of issued access tokens. A negative value issues already-expired tokens (tests).
    public var accessTokenLifetime: Duration
    /// Largest accepted request body; larger bodies get 413.
    public var maximumRequestBodySize: Int
    /// How long a device code (`/oauth2/v2.0/devicecode`) stays redeemable (Entra: 900 s). Zero or
    /// less issues codes that are already expired (tests).
    public var deviceCodeLifetime: Duration = .seconds(900)
    /// The polling `interval` (seconds) device code answers advertise (Entra: 5).
    public var deviceCodeInterval: Int = 5
    /// The Graph resource the emulator stands for: the `aud` of the tokens it accepts, and the
    /// resource a `{resource}/.default` scope must name to get one (global Graph by default; a
    /// national cloud's Graph host to emulate that cloud). A token for any other resource, another
    /// cloud's Graph included, is issued for that resource and refused by Graph with 401
    /// `InvalidAuthenticationToken` ("Invalid audience"), as Entra and Graph do.
    public var graphResource: String = EmulatorDefaults.graphResource
    /// Most conditional access policies a tenant may hold, in any state (Microsoft's planning
    /// guidance: 240 since 2026, 195 before). Creating or restoring one more is a 400 `BadRequest`;
    /// soft-deleted policies do not count. Seeds may hold more (they load as given).
    public var conditionalAccessPolicyLimit: Int = 240
    /// The time the throttling buckets and the replication lag are measured in, and the time stamped on
    /// sign-ins, directory audits and conditional access writes (tests inject a ``ManualEmulatorClock``).
    public var clock: EmulatorClock = .system

    public init(
        seed: TenantSeed? = nil,
        stateFile: URL? = nil,
        latency: Duration = .zero,
        rateLimit: Double? = nil,
        directoryRateLimit: Double? = nil,
        rateLimitBurst: Int? = nil,
        faultRate: Double = 0,
        faultSeed: UInt64 = 1,
        replicationLag: Duration = .zero,
        accessTokenLifetime: Duration = .seconds(3599),
        maximumRequestBodySize: Int = 4 * 1024 * 1024
    ) {
        self.seed = seed
        self.stateFile = stateFile
        self.latency = latency
        self.rateLimit = rateLimit
        self.directoryRateLimit = directoryRateLimit
        self.rateLimitBurst = rateLimitBurst
        self.faultRate = faultRate
        self.faultSeed = faultSeed
        self.replicationLag = replicationLag
        self.accessTokenLifetime = accessTokenLifetime
        self.maximumRequestBodySize = maximumRequestBodySize
    }
}

/// The credentials of an application registered in the emulated tenant.
public struct EmulatorCredentials: Sendable, Equatable {
    /// The tenant id to put in the token URL (`/{tenantId}/oauth2/v2.0/token`).
    public var tenantId: String
    /// The application's client id (`appId`).
    public var clientId: String
    /// The client secret, when the application has one.
    public var clientSecret: String?
    /// The Graph permissions (app roles) its tokens carry.
    public var permissions: [String]
}

/// Fixed values of the default application that a seed without applications gets.
public enum EmulatorDefaults {
    /// Tenant id used when the seed names none.
    public static let tenantId = "8f3e2a61-5c0d-4b7e-9a14-2d6c0e7b91f5"
    /// Client id of the default application.
    public static let clientId = "0d5f6e1a-7b2c-4e9d-8a3f-e0c1b2a3d4f5"
    /// Client secret of the default application (the emulator is for local use only).
    public static let clientSecret = "entraform-emulator-secret"
    /// Display name of the default application.
    public static let applicationName = "entraform (emulator default)"
    /// The bearer token GitHub-style OIDC token requests must present (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    public static let oidcRequestToken = "entraform-emulator-oidc-request-token"
    /// The issuer the emulator's test OIDC endpoint signs for by default (GitHub Actions').
    public static let githubIssuer = "https://token.actions.githubusercontent.com"
    /// Global Microsoft Graph's resource identifier (its App ID URI), the default token audience.
    public static let graphResource = "https://graph.microsoft.com"
    /// Microsoft Graph's application id, which Entra also accepts as its resource and audience.
    public static let graphApplicationId = "00000003-0000-0000-c000-000000000000"
    /// The audience workload identity federation expects in the public cloud.
    public static let federationAudience = "api://AzureADTokenExchange"
    /// Well-known public (first-party) clients that may use the device code flow without being in
    /// the seed: client id → display name. The Azure CLI's id is what `--device-code` sends by default.
    public static let publicClients: [String: String] = [
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
        "14d82eec-204b-4c2f-b7e8-296a70dab67e": "Microsoft Graph Command Line Tools",
    ]
    /// Delegated scopes a public client's device code token carries (when it asks for `.default`):
    /// the default application's permissions, so everything entraform does works.
    public static var publicClientScopes: [String] { BuiltIns.defaultPermissions }
}
