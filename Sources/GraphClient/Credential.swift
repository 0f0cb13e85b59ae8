import Foundation

/// How the client authenticates, found from the environment in a fixed order. Holds secrets but
/// never shows them: ``description``, `debugDescription` and reflection (`dump`) print only the
/// kind, the ids and where the credential came from.
public struct Credential: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The kinds of credential, in resolution order.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `ENTRAFORM_ACCESS_TOKEN`: a ready Graph access token.
        case accessToken
        /// `AZURE_CLIENT_SECRET`.
        case clientSecret
        /// `AZURE_CLIENT_CERTIFICATE_PATH` (+ `AZURE_CLIENT_CERTIFICATE_PASSWORD`).
        case clientCertificate
        /// `AZURE_FEDERATED_TOKEN_FILE` (Kubernetes workload identity, or any file holding an OIDC token).
        case federatedTokenFile
        /// GitHub Actions OIDC (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
        case githubActions
        /// Azure DevOps OIDC (`SYSTEM_OIDCREQUESTURI` + `SYSTEM_ACCESSTOKEN` + a service connection id).
        case azureDevOps
        /// `az account get-access-token`.
        case azureCLI
        /// Interactive device code sign-in (`--device-code`).
        case deviceCode
    }

    enum Material: Sendable {
        case accessToken(String)
        case clientSecret(String)
        case certificatePath(String, password: String?)
        case federatedTokenFile(String)
        case githubActions(requestURL: String, requestToken: String)
        case azureDevOps(requestURI: String, accessToken: String, serviceConnectionId: String)
        case azureCLI(executable: String)
        case deviceCode
        /// An in-memory certificate (tests and the emulator's embedded default application).
        case certificate(ClientCertificate)
        /// An in-memory federated assertion provider (tests).
        case assertionProvider(@Sendable () async throws -> String)
    }

    /// The kind of credential.
    public let kind: Kind
    /// The directory (tenant) id or domain the token is requested from; `nil` for a ready token.
    public let tenantId: String?
    /// The application (client) id; `nil` for a ready token and the Azure CLI.
    public let clientId: String?
    /// Where the credential was found, e.g. `AZURE_CLIENT_SECRET` (names, never values).
    public let source: String
    let material: Material

    init(kind: Kind, tenantId: String?, clientId: String?, source: String, material: Material) {
        self.kind = kind
        self.tenantId = tenantId
        self.clientId = clientId
        self.source = source
        self.material = material
    }

    /// A client secret credential.
    public static func clientSecret(tenantId: String, clientId: String, secret: String, source: String = "configuration") -> Credential {
        Credential(kind: .clientSecret, tenantId: tenantId, clientId: clientId, source: source, material: .clientSecret(secret))
    }

    /// A certificate credential from a loaded certificate.
    public static func clientCertificate(tenantId: String, clientId: String, certificate: ClientCertificate) -> Credential {
        Credential(kind: .clientCertificate, tenantId: tenantId, clientId: clientId, source: "certificate", material: .certificate(certificate))
    }

    /// A certificate credential read from a PEM file at token time.
    public static func clientCertificate(tenantId: String, clientId: String, path: String, password: String? = nil) -> Credential {
        Credential(
            kind: .clientCertificate, tenantId: tenantId, clientId: clientId, source: "certificate file",
            material: .certificatePath(path, password: password))
    }

    /// A federated credential whose assertion comes from `provider` (called for every token request).
    public static func federated(
        tenantId: String, clientId: String, source: String = "federated token", provider: @escaping @Sendable () async throws -> String
    ) -> Credential {
        Credential(kind: .federatedTokenFile, tenantId: tenantId, clientId: clientId, source: source, material: .assertionProvider(provider))
    }

    /// A ready access token.
    public static func accessToken(_ token: String) -> Credential {
        Credential(kind: .accessToken, tenantId: nil, clientId: nil, source: "access token", material: .accessToken(token))
    }

    /// Device code sign-in for `clientId` in `tenantId`.
    public static func deviceCode(tenantId: String, clientId: String) -> Credential {
        Credential(kind: .deviceCode, tenantId: tenantId, clientId: clientId, source: "--device-code", material: .deviceCode)
    }

    /// A safe one-line description for `--debug` and `entraform doctor`.
    public var description: String {
        var text: String
        switch kind {
        case .accessToken: text = "access token"
        case .clientSecret: text = "client secret"
        case .clientCertificate: text = "client certificate"
        case .federatedTokenFile: text = "federated token"
        case .githubActions: text = "GitHub Actions OIDC federation"
        case .azureDevOps: text = "Azure DevOps OIDC federation"
        case .azureCLI: text = "Azure CLI"
        case .deviceCode: text = "device code sign-in"
        }
        text += " (from \(source))"
        if let clientId { text += " for application \(clientId)" }
        if let tenantId { text += " in tenant \(tenantId)" }
        if case .certificatePath(let path, _) = material { text += ", certificate \(path)" }
        if case .certificate(let certificate) = material { text += ", certificate thumbprint \(certificate.portalThumbprint)" }
        if case .federatedTokenFile(let path) = material { text += ", token file \(path)" }
        if case .azureCLI(let executable) = material { text += ", \(executable)" }
        return text
    }

    public var debugDescription: String { "Credential(\(description))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["kind": kind, "tenantId": tenantId as Any, "clientId": clientId as Any, "source": source])
    }
}

extension Credential {
    /// Options that influence resolution.
    public struct ResolutionOptions: Sendable {
        /// `--tenant`: used before `AZURE_TENANT_ID` (they must agree; ``TenantBinding`` checks).
        public var tenant: String?
        /// `Settings.tenant` from the configuration: used when neither `--tenant` nor
        /// `AZURE_TENANT_ID` names one.
        public var configuredTenant: String?
        /// `--device-code`: use interactive device code sign-in.
        public var deviceCode: Bool
        /// The client id for device code sign-in when `AZURE_CLIENT_ID` is unset (defaults to the
        /// Microsoft Azure CLI's public client id).
        public var deviceCodeClientId: String
        /// Whether to fall back to the Azure CLI when it is on `PATH`.
        public var allowAzureCLI: Bool

        public init(
            tenant: String? = nil, deviceCode: Bool = false,
            deviceCodeClientId: String = "04b07795-8ddb-461a-bbee-02f9e1bf7b46", allowAzureCLI: Bool = true
        ) {
            self.tenant = tenant
            self.configuredTenant = nil
            self.deviceCode = deviceCode
            self.deviceCodeClientId = deviceCodeClientId
            self.allowAzureCLI = allowAzureCLI
        }
    }

    /// Finds the credential in the order: `ENTRAFORM_ACCESS_TOKEN`; `AZURE_CLIENT_ID` +
    /// `AZURE_TENANT_ID` (or `--tenant`) with `AZURE_CLIENT_SECRET`, `AZURE_CLIENT_CERTIFICATE_PATH`,
    /// `AZURE_FEDERATED_TOKEN_FILE`, GitHub Actions OIDC or Azure DevOps OIDC; the Azure CLI when on
    /// `PATH`. `--device-code` takes precedence over everything but a ready token.
    ///
    /// - Throws: ``GraphError`` of kind `.configuration` naming what was looked for.
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        options: ResolutionOptions = ResolutionOptions()
    ) throws(GraphError) -> Credential {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        if let token = value("ENTRAFORM_ACCESS_TOKEN") {
            return Credential(kind: .accessToken, tenantId: nil, clientId: nil, source: "ENTRAFORM_ACCESS_TOKEN", material: .accessToken(token))
        }
        // Azure DevOps' AzureCLI@2/AzurePowerShell tasks export the service connection's ids under AZURESUBSCRIPTION_*.
        let inAzureDevOps = value("SYSTEM_OIDCREQUESTURI") != nil
        let (tenant, tenantSource) = Self.tenant(options: options, value: value, inAzureDevOps: inAzureDevOps)
        if options.deviceCode {
            guard let tenant else {
                throw .configuration("--device-code needs a tenant: pass --tenant or set AZURE_TENANT_ID")
            }
            return Credential(
                kind: .deviceCode, tenantId: tenant, clientId: value("AZURE_CLIENT_ID") ?? options.deviceCodeClientId,
                source: "--device-code", material: .deviceCode)
        }
        if let clientId = value("AZURE_CLIENT_ID") ?? (inAzureDevOps ? value("AZURESUBSCRIPTION_CLIENT_ID") : nil) {
            guard let tenant else {
                throw .configuration("AZURE_CLIENT_ID is set but the tenant is not: set AZURE_TENANT_ID or pass --tenant")
            }
            if let secret = value("AZURE_CLIENT_SECRET") {
                return Credential(
                    kind: .clientSecret, tenantId: tenant, clientId: clientId, source: "AZURE_CLIENT_SECRET, \(tenantSource)",
                    material: .clientSecret(secret))
            }
            if let path = value("AZURE_CLIENT_CERTIFICATE_PATH") {
                return Credential(
                    kind: .clientCertificate, tenantId: tenant, clientId: clientId,
                    source: "AZURE_CLIENT_CERTIFICATE_PATH, \(tenantSource)",
                    material: .certificatePath(path, password: value("AZURE_CLIENT_CERTIFICATE_PASSWORD")))
            }
            if let path = value("AZURE_FEDERATED_TOKEN_FILE") {
                return Credential(
                    kind: .federatedTokenFile, tenantId: tenant, clientId: clientId,
                    source: "AZURE_FEDERATED_TOKEN_FILE, \(tenantSource)", material: .federatedTokenFile(path))
            }
            if let url = value("ACTIONS_ID_TOKEN_REQUEST_URL"), let token = value("ACTIONS_ID_TOKEN_REQUEST_TOKEN") {
                try requireSecureRequestURL(url, variable: "ACTIONS_ID_TOKEN_REQUEST_URL")
                return Credential(
                    kind: .githubActions, tenantId: tenant, clientId: clientId,
                    source: "ACTIONS_ID_TOKEN_REQUEST_URL, \(tenantSource)",
                    material: .githubActions(requestURL: url, requestToken: token))
            }
            if let uri = value("SYSTEM_OIDCREQUESTURI") {
                guard let accessToken = value("SYSTEM_ACCESSTOKEN") else {
                    throw .configuration(
                        "SYSTEM_OIDCREQUESTURI is set but SYSTEM_ACCESSTOKEN is not",
                        hint: "map it in the pipeline step: env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)")
                }
                guard
                    let connection = value("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
                        ?? value("ENTRAFORM_SERVICE_CONNECTION_ID")
                else {
                    throw .configuration(
                        "Azure DevOps OIDC needs the service connection id",
                        hint: "set AZURESUBSCRIPTION_SERVICE_CONNECTION_ID (or ENTRAFORM_SERVICE_CONNECTION_ID) to the workload identity service connection's id")
                }
                try requireSecureRequestURL(uri, variable: "SYSTEM_OIDCREQUESTURI")
                return Credential(
                    kind: .azureDevOps, tenantId: tenant, clientId: clientId, source: "SYSTEM_OIDCREQUESTURI, \(tenantSource)",
                    material: .azureDevOps(requestURI: uri, accessToken: accessToken, serviceConnectionId: connection))
            }
            throw .configuration(
                "AZURE_CLIENT_ID is set but no client credential was found",
                hint: "set one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, or run in GitHub Actions with `permissions: id-token: write`"
            )
        }
        if options.allowAzureCLI, let az = findExecutable("az", path: environment["PATH"]) {
            return Credential(kind: .azureCLI, tenantId: tenant, clientId: nil, source: "az on PATH", material: .azureCLI(executable: az))
        }
        throw .configuration(
            "no credentials found",
            hint: "set ENTRAFORM_ACCESS_TOKEN, or AZURE_CLIENT_ID and AZURE_TENANT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE (GitHub Actions and Azure DevOps OIDC are detected), sign in with `az login`, pass --device-code, or try --emulator"
        )
    }

    /// The OIDC request URLs carry a bearer token (the runner's request token, Azure DevOps' job
    /// token): `https` only, or plain `http` to a loopback host (the emulator), as for `--graph-url`.
    static func requireSecureRequestURL(_ url: String, variable: String) throws(GraphError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw .configuration("\(variable) is not an absolute URL")
        }
        if scheme == "https" || (scheme == "http" && GraphEndpoints.isLoopback(host: host)) { return }
        throw .configuration(
            "\(variable) uses \(scheme) to \(host); its token is sent only over https (http only for 127.0.0.1, ::1 or localhost)")
    }

    /// The tenant to request tokens from and where it was named, in precedence order: `--tenant`,
    /// `AZURE_TENANT_ID` (Azure DevOps: `AZURESUBSCRIPTION_TENANT_ID`), then `Settings.tenant`.
    static func tenant(options: ResolutionOptions, value: (String) -> String?, inAzureDevOps: Bool) -> (String?, String) {
        if let tenant = options.tenant { return (tenant, "--tenant") }
        if let tenant = value("AZURE_TENANT_ID") { return (tenant, "AZURE_TENANT_ID") }
        if inAzureDevOps, let tenant = value("AZURESUBSCRIPTION_TENANT_ID") { return (tenant, "AZURESUBSCRIPTION_TENANT_ID") }
        if let tenant = options.configuredTenant { return (tenant, "Settings.tenant") }
        return (nil, "AZURE_TENANT_ID")
    }

    /// Every tenant named for this run, in precedence order, for ``GraphClient/bindTenant(_:)``:
    /// `--tenant`, `AZURE_TENANT_ID` (and Azure DevOps' `AZURESUBSCRIPTION_TENANT_ID`), `Settings.tenant`.
    public static func tenantClaims(environment: [String: String], options: ResolutionOptions) -> [TenantClaim] {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
            return raw
        }
        var claims: [TenantClaim] = []
        if let tenant = options.tenant { claims.append(TenantClaim(value: tenant, source: "--tenant")) }
        if let tenant = value("AZURE_TENANT_ID") { claims.append(TenantClaim(value: tenant, source: "AZURE_TENANT_ID")) }
        if value("SYSTEM_OIDCREQUESTURI") != nil, let tenant = value("AZURESUBSCRIPTION_TENANT_ID") {
            claims.append(TenantClaim(value: tenant, source: "AZURESUBSCRIPTION_TENANT_ID"))
        }
        if let tenant = options.configuredTenant { claims.append(TenantClaim(value: tenant, source: "Settings.tenant")) }
        return claims
    }

    static func findExecutable(_ name: String, path: String?) -> String? {
        guard let path else { return nil }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
