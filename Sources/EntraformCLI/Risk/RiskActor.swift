import GraphClient
import TenantAccess

extension RiskPlanning {
    /// Who is acting, for the audit trail: the signed-in user of a delegated token (device code, an
    /// `az` user, a user's access token) with the application, else the application (client) id.
    /// Read from the token's claims; never the token or a secret.
    static func actor(_ connection: GraphConnection) async -> String {
        let claims = await connection.client.accessTokenClaims()
        let application = connection.credential.clientId ?? claims?.appId
        if let user = ["upn", "preferred_username", "unique_name"].lazy.compactMap({ claims?.payload[$0]?.stringValue }).first {
            return "user \(user)" + (application.map { " via client \($0)" } ?? "")
        }
        if let application { return "client \(application)" }
        return connection.credential.description
    }
}
