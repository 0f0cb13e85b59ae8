import Foundation
import PolicyModel

/// Paths of the conditional access collections (relative to the version root).
public enum ConditionalAccessPaths {
    public static let policies = "/identity/conditionalAccess/policies"
    public static let namedLocations = "/identity/conditionalAccess/namedLocations"
    public static let authenticationStrengths = "/policies/authenticationStrengthPolicies"
    public static let authenticationStrengthsAlternate = "/identity/conditionalAccess/authenticationStrength/policies"
    public static let authenticationContexts = "/identity/conditionalAccess/authenticationContextClassReferences"
    public static let termsOfUse = "/identityGovernance/termsOfUse/agreements"
    public static let deletedPolicies = "/identity/conditionalAccess/deletedItems/policies"
}

extension GraphClient {
    var caVersion: GraphVersion { configuration.conditionalAccessVersion }

    // MARK: Policies

    /// Every conditional access policy (beta by default), as Graph returns it.
    public func listPolicies() async throws(GraphError) -> [JSONValue] {
        try await listAll(ConditionalAccessPaths.policies, version: caVersion)
    }

    /// One policy by id.
    public func getPolicy(id: String) async throws(GraphError) -> JSONValue {
        try await getObject("\(ConditionalAccessPaths.policies)/\(Self.segment(id))", version: caVersion, id: id)
    }

    /// Creates a policy without ever duplicating it (see ``createIfAbsent(path:body:displayName:version:)``).
    /// `body` must carry `displayName`.
    public func createPolicy(_ body: JSONValue) async throws(GraphError) -> CreateResult {
        guard let name = body["displayName"]?.stringValue else {
            throw .configuration("a policy to create needs a displayName")
        }
        return try await createIfAbsent(path: ConditionalAccessPaths.policies, body: body, displayName: name, version: caVersion)
    }

    /// PATCHes a policy (send whole `conditions`/`grantControls`/`sessionControls` objects).
    @discardableResult
    public func updatePolicy(id: String, patch: JSONValue) async throws(GraphError) -> GraphWriteReceipt {
        try await self.patch("\(ConditionalAccessPaths.policies)/\(Self.segment(id))", body: patch, version: caVersion, id: id)
    }

    /// Deletes a policy (Graph soft-deletes it into `deletedItems` for 30 days).
    @discardableResult
    public func deletePolicy(id: String) async throws(GraphError) -> GraphWriteReceipt {
        try await delete("\(ConditionalAccessPaths.policies)/\(Self.segment(id))", version: caVersion, id: id)
    }

    // MARK: Named locations

    /// Every named location (IP and country), each with its `@odata.type`.
    public func listNamedLocations() async throws(GraphError) -> [JSONValue] {
        try await listAll(ConditionalAccessPaths.namedLocations, version: caVersion)
    }

    /// Creates a named location without duplicating it; `body` carries `@odata.type` and `displayName`.
    public func createNamedLocation(_ body: JSONValue) async throws(GraphError) -> CreateResult {
        guard let name = body["displayName"]?.stringValue else {
            throw .configuration("a named location to create needs a displayName")
        }
        return try await createIfAbsent(path: ConditionalAccessPaths.namedLocations, body: body, displayName: name, version: caVersion)
    }

    /// PATCHes a named location (`patch` must include the derived `@odata.type`).
    @discardableResult
    public func updateNamedLocation(id: String, patch: JSONValue) async throws(GraphError) -> GraphWriteReceipt {
        try await self.patch("\(ConditionalAccessPaths.namedLocations)/\(Self.segment(id))", body: patch, version: caVersion, id: id)
    }

    /// Deletes a named location.
    @discardableResult
    public func deleteNamedLocation(id: String) async throws(GraphError) -> GraphWriteReceipt {
        try await delete("\(ConditionalAccessPaths.namedLocations)/\(Self.segment(id))", version: caVersion, id: id)
    }

    // MARK: Other references

    /// Built-in and custom authentication strengths.
    public func listAuthenticationStrengths() async throws(GraphError) -> [JSONValue] {
        do {
            return try await listAll(ConditionalAccessPaths.authenticationStrengths, version: caVersion)
        } catch where error.status == 404 || error.status == 400 {
            return try await listAll(ConditionalAccessPaths.authenticationStrengthsAlternate, version: caVersion)
        }
    }

    /// Authentication context class references (`c1`…`c99`).
    public func listAuthenticationContexts() async throws(GraphError) -> [JSONValue] {
        try await listAll(ConditionalAccessPaths.authenticationContexts, version: caVersion)
    }

    /// Creates or updates an authentication context (`PATCH …/{id}` upserts).
    @discardableResult
    public func upsertAuthenticationContext(id: String, displayName: String, description: String?, isAvailable: Bool)
        async throws(GraphError) -> GraphWriteReceipt
    {
        var body: JSONValue = ["displayName": .string(displayName), "isAvailable": .bool(isAvailable)]
        if let description { body["description"] = .string(description) }
        return try await self.patch("\(ConditionalAccessPaths.authenticationContexts)/\(Self.segment(id))", body: body, version: caVersion)
    }

    /// Terms of use agreements (ids referenced by `grantControls.termsOfUse`).
    public func listTermsOfUse() async throws(GraphError) -> [JSONValue] {
        try await listAll(ConditionalAccessPaths.termsOfUse, query: GraphQuery(select: ["id", "displayName"]), version: configuration.directoryVersion)
    }

    /// Percent-encodes one path segment.
    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? value
    }
}

extension GraphClient {
    /// Microsoft's What If API (`POST /identity/conditionalAccess/evaluate`): the tenant's policies,
    /// each with `policyApplies` and `analysisReasons`. `body` is the request in Graph's shape
    /// (`signInIdentity`, `signInContext`, `signInConditions`, `appliedPoliciesOnly`). A read: safe to repeat.
    public func evaluateConditionalAccess(_ body: JSONValue) async throws(GraphError) -> [JSONValue] {
        let response = try await send(GraphRequest(method: "POST", path: "/identity/conditionalAccess/evaluate", version: caVersion,
                                                   body: body, semantics: .read))
        return response.body?["value"]?.arrayValue ?? []
    }
}
