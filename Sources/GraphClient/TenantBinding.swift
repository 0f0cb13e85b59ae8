import Foundation
import GraphWire
import PolicyModel

/// One statement of which tenant entraform must act on, and where it was made: `--tenant`,
/// `AZURE_TENANT_ID`, `Settings.tenant (policies/entraform.yaml)`. A tenant id (GUID) or a verified
/// domain (`contoso.onmicrosoft.com`).
public struct TenantClaim: Sendable, Hashable, CustomStringConvertible {
    public var value: String
    /// Where the value came from, as a person would look for it (an option, a variable, a file).
    public var source: String

    public init(value: String, source: String) {
        self.value = value
        self.source = source
    }

    /// True when the value is a tenant id rather than a domain.
    public var isTenantId: Bool { TenantBinding.isTenantId(value) }

    /// `--tenant 6f1c…` / `Settings.tenant (…) contoso.onmicrosoft.com`.
    public var description: String { "\(source) '\(value)'" }
}

/// Binds a run to one tenant: every tenant named by the command line, the environment and the
/// configuration must agree with each other and with the tenant of the access token (its `tid`
/// claim). Writing to a tenant nobody named is never a silent choice.
public enum TenantBinding {
    /// True for the GUID form of a tenant id.
    public static func isTenantId(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && text.allSatisfy { $0 == "-" || $0.isHexDigit }
    }

    /// The first contradiction among `claims` that can be seen without the network: two tenant ids,
    /// or two domains, that differ. A tenant id and a domain are compared once the domain is looked up.
    public static func offlineConflict(in claims: [TenantClaim]) -> GraphError? {
        for (index, first) in claims.enumerated() {
            for second in claims[(index + 1)...] where first.isTenantId == second.isTenantId {
                if first.value.lowercased() != second.value.lowercased() {
                    return mismatch(first, second)
                }
            }
        }
        return nil
    }

    static func mismatch(_ first: TenantClaim, _ second: TenantClaim) -> GraphError {
        .configuration(
            "tenant mismatch: \(first) but \(second)",
            hint: "entraform refuses to guess which tenant to change: make them agree (--tenant overrides nothing; each source must name the same tenant)")
    }
}

extension GraphClient {
    /// The tenant id of the access token in use (its `tid` claim), fetching a token if needed.
    ///
    /// - Throws: ``GraphError`` when no token can be had or it carries no `tid`.
    public func tokenTenantId() async throws(GraphError) -> String {
        let token = try await tokens.token(forceRefresh: false)
        guard let tid = token.claims?.tenantId, !tid.isEmpty else {
            throw GraphError(kind: .authentication, message: "the access token carries no tenant id ('tid' claim); cannot tell which tenant it is for", attempts: 0)
        }
        return tid
    }

    /// Looks a verified domain up as the identity platform does (`GET {login}/{domain}/v2.0/.well-known/openid-configuration`,
    /// whose `issuer` holds the tenant id). No token is sent.
    ///
    /// - Throws: ``GraphError`` `.configuration` when the domain is not a tenant's.
    public func discoverTenantId(domain: String) async throws(GraphError) -> String {
        let url = "\(configuration.endpoints.loginURL)/\(GraphEndpoints.pathSegment(domain))/v2.0/.well-known/openid-configuration"
        let response: HTTPResponse
        do throws(TransportError) {
            response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: [("Accept", "application/json")]), timeout: configuration.requestTimeout)
        } catch {
            throw GraphError(kind: .transport, message: "cannot look up tenant '\(domain)': \(error.message)", method: "GET", path: url, attempts: 1)
        }
        let body = try? JSONValue.parse(response.body)
        guard response.status == 200, let issuer = body?["issuer"]?.stringValue,
              let tid = issuer.split(separator: "/").map(String.init).first(where: TenantBinding.isTenantId)
        else {
            let detail = body?["error_description"]?.stringValue.map { ": \($0.prefix(200))" } ?? " (HTTP \(response.status))"
            throw .configuration("tenant '\(domain)' could not be found\(detail)")
        }
        return tid
    }

    /// Checks that the token's tenant is the one every claim names (domains looked up), and returns
    /// its id. With no claims the token's tenant is returned as it is.
    ///
    /// - Throws: ``GraphError`` `.configuration` naming both sides of a mismatch.
    public func bindTenant(_ claims: [TenantClaim]) async throws(GraphError) -> String {
        if let conflict = TenantBinding.offlineConflict(in: claims) { throw conflict }
        let tid = try await tokenTenantId()
        let token = TenantClaim(value: tid, source: "the access token's tenant (tid)")
        for claim in claims {
            let claimed = claim.isTenantId ? claim.value : try await discoverTenantId(domain: claim.value)
            if claimed.lowercased() != tid.lowercased() {
                var mismatch = TenantBinding.mismatch(claim, token)
                if !claim.isTenantId { mismatch.message += " ('\(claim.value)' is tenant \(claimed))" }
                throw mismatch
            }
        }
        return tid.lowercased()
    }
}
