import Foundation
import GraphWire
import PolicyModel

/// The claims of a JWT read without verifying it: for expiry, `roles` in `entraform doctor`, and
/// the subject in federated-credential hints. Holds no signature and is never logged whole.
public struct UnverifiedJWTClaims: Sendable, Hashable {
    /// The decoded payload object.
    public var payload: [String: JSONValue]

    /// Decodes the payload of a compact JWS; `nil` for anything that isn't one.
    public init?(token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Base64URL.decode(parts[1]),
            let json = try? JSONValue.parse(data), let object = json.objectValue
        else { return nil }
        self.payload = object
    }

    public var subject: String? { payload["sub"]?.stringValue }
    public var issuer: String? { payload["iss"]?.stringValue }
    /// `aud` as a list (a JWT may carry one string or an array).
    public var audiences: [String] {
        if let one = payload["aud"]?.stringValue { return [one] }
        return payload["aud"]?.stringArray ?? []
    }
    public var expiresAt: Date? { payload["exp"]?.numberValue.map { Date(timeIntervalSince1970: $0) } }
    /// App roles (application permissions) in an app-only token.
    public var roles: [String] { payload["roles"]?.stringArray ?? [] }
    /// Delegated scopes (`scp`, space-separated) in a user token.
    public var scopes: [String] { payload["scp"]?.stringValue?.split(separator: " ").map(String.init) ?? [] }
    public var tenantId: String? { payload["tid"]?.stringValue }
    public var appId: String? { payload["appid"]?.stringValue ?? payload["azp"]?.stringValue }
}
