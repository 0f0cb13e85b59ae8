import Foundation
import PolicyModel

/// A Microsoft cloud: each has its own login host, Graph host and workload-identity audience
/// (reference §4). Tokens are cloud-specific.
public enum GraphCloud: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// Global Azure, including GCC.
    case global
    /// US Government L4 (GCC High).
    case usgov
    /// US Government L5 (DoD).
    case usgovdod
    /// China, operated by 21Vianet.
    case china

    /// Accepts the raw names and a few common aliases (`public`, `azurecloud`, `gcchigh`, `dod`, `21vianet`).
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "") {
        case "global", "public", "azurecloud", "gcc": self = .global
        case "usgov", "usgovernment", "gcchigh", "azureusgovernment", "l4": self = .usgov
        case "usgovdod", "dod", "l5": self = .usgovdod
        case "china", "21vianet", "azurechinacloud": self = .china
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The login (token issuer) base URL.
    public var loginURL: String {
        switch self {
        case .global: "https://login.microsoftonline.com"
        case .usgov, .usgovdod: "https://login.microsoftonline.us"
        case .china: "https://login.chinacloudapi.cn"
        }
    }

    /// The Microsoft Graph base URL.
    public var graphURL: String {
        switch self {
        case .global: "https://graph.microsoft.com"
        case .usgov: "https://graph.microsoft.us"
        case .usgovdod: "https://dod-graph.microsoft.us"
        case .china: "https://microsoftgraph.chinacloudapi.cn"
        }
    }

    /// The audience a workload-identity-federation token must carry for this cloud.
    public var federatedTokenAudience: String {
        switch self {
        case .global: "api://AzureADTokenExchange"
        case .usgov, .usgovdod: "api://AzureADTokenExchangeUSGov"
        case .china: "api://AzureADTokenExchangeChina"
        }
    }

    /// The Azure portal host, used for admin-consent links.
    public var portalURL: String {
        switch self {
        case .global: "https://portal.azure.com"
        case .usgov, .usgovdod: "https://portal.azure.us"
        case .china: "https://portal.azure.cn"
        }
    }
}

// The Graph API version is `PolicyModel.GraphVersion` (`v1.0` / `beta`), shared with Settings.
// Conditional access objects are read and written with beta by default: v1.0 hides policies that
// use beta-only features.

extension GraphCloud {
    /// The cloud named in Settings.
    public init(_ cloud: Cloud) {
        switch cloud {
        case .global: self = .global
        case .usgov: self = .usgov
        case .usgovdod: self = .usgovdod
        case .china: self = .china
        }
    }
}

/// Where the client gets tokens and calls Graph: a cloud's hosts, or explicit URLs (the emulator).
public struct GraphEndpoints: Sendable, Hashable {
    /// The cloud whose token scope and federated audience apply.
    public var cloud: GraphCloud
    /// Graph base URL without a trailing slash or version, e.g. `https://graph.microsoft.com`.
    public var graphURL: String
    /// Login base URL without a trailing slash, e.g. `https://login.microsoftonline.com`.
    public var loginURL: String

    /// The endpoints of `cloud`.
    public init(cloud: GraphCloud = .global) {
        self.cloud = cloud
        self.graphURL = cloud.graphURL
        self.loginURL = cloud.loginURL
    }

    /// The endpoints of `cloud`, with the Graph and/or login URL replaced. When only `graphURL` is
    /// given, the login URL defaults to the same server (the emulator serves both).
    ///
    /// - Throws: ``GraphError`` of kind `.configuration` for a URL that is not `https`, unless it is
    ///   plain `http` to a loopback host (127.0.0.0/8, `::1`, `localhost`).
    public init(cloud: GraphCloud = .global, graphURL: String?, loginURL: String?) throws(GraphError) {
        self.init(cloud: cloud)
        if let graphURL { self.graphURL = try Self.validated(graphURL, option: "--graph-url") }
        if let loginURL {
            self.loginURL = try Self.validated(loginURL, option: "--login-url")
        } else if graphURL != nil {
            self.loginURL = self.graphURL
        }
    }

    /// `scope` for the client-credentials grant: the cloud's Graph resource with `/.default`.
    /// The emulator issues tokens for the same resource as global Graph, so overriding `graphURL`
    /// does not change it.
    public var scope: String { cloud.graphURL + "/.default" }

    /// The v2.0 token endpoint of `tenant`.
    public func tokenEndpoint(tenant: String) -> String {
        "\(loginURL)/\(Self.pathSegment(tenant))/oauth2/v2.0/token"
    }

    /// The v2.0 device authorization endpoint of `tenant`.
    public func deviceCodeEndpoint(tenant: String) -> String {
        "\(loginURL)/\(Self.pathSegment(tenant))/oauth2/v2.0/devicecode"
    }

    /// The absolute URL of `path` (which starts with `/` and may carry a query) under `version`.
    public func url(version: GraphVersion, path: String) -> String {
        let trimmed = path.hasPrefix("/") ? path : "/" + path
        return "\(graphURL)/\(version.rawValue)\(trimmed)"
    }

    /// True when `url` points at this Graph server (used to refuse sending a token elsewhere,
    /// e.g. through a forged `@odata.nextLink`).
    public func isGraphURL(_ url: String) -> Bool {
        url.hasPrefix(graphURL + "/")
    }

    /// True for hosts on the loopback interface.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    static func validated(_ raw: String, option: String) throws(GraphError) -> String {
        var text = raw.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw GraphError.configuration("\(option) \(raw) is not an absolute URL")
        }
        if components.query != nil || components.fragment != nil {
            throw GraphError.configuration("\(option) \(raw) must not have a query or fragment")
        }
        switch scheme {
        case "https": return text
        case "http" where isLoopback(host: host): return text
        case "http":
            throw GraphError.configuration(
                "\(option) \(raw) uses plain http to a non-loopback host; only https is allowed (http only for 127.0.0.1, ::1 or localhost)"
            )
        default:
            throw GraphError.configuration("\(option) \(raw) must use https")
        }
    }

    static func pathSegment(_ tenant: String) -> String {
        tenant.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? tenant
    }
}
