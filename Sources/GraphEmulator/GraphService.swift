import Foundation
import PolicyModel

/// Routes Graph requests to handlers, after the checks every Graph call goes through:
/// bearer token, permission, throttling and injected faults.
struct GraphService: Sendable {
    let store: TenantStore
    let tokens: TokenService
    let behaviour: Behaviour
    let configuration: EmulatorConfiguration

    /// What a path needs: its service class, the permissions any one of which allows it, and the
    /// 403 code Graph answers without them.
    struct Requirement {
        var serviceClass: ServiceClass
        var anyOf: [String]
        var deniedCode: String
    }

    /// Permissions per path (reference §3.5 and the Graph permission tables).
    static func requirement(method: String, segments: [String]) -> Requirement {
        let isRead = method == "GET"
        let path = segments.map { $0.lowercased() }
        let first = path.first ?? ""
        let policyRead = ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Directory.Read.All", "Directory.ReadWrite.All"]
        let policyWrite = ["Policy.ReadWrite.ConditionalAccess"]
        let userRead = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
        switch first {
        case "identity", "policies":
            if path.count >= 3, path[2] == "authenticationcontextclassreferences" {
                return Requirement(serviceClass: .conditionalAccessAndIdentityProtection,
                                   anyOf: isRead ? ["AuthenticationContext.Read.All", "AuthenticationContext.ReadWrite.All"] + policyRead
                                                 : ["AuthenticationContext.ReadWrite.All", "Policy.ReadWrite.ConditionalAccess"],
                                   deniedCode: "AccessDenied")
            }
            let isStrength = path.contains("authenticationstrength") || path.contains("authenticationstrengthpolicies")
            return Requirement(serviceClass: .conditionalAccessAndIdentityProtection,
                               anyOf: isRead ? policyRead : (isStrength ? ["Policy.ReadWrite.AuthenticationMethod", "Policy.ReadWrite.ConditionalAccess"] : policyWrite),
                               deniedCode: "AccessDenied")
        case "identitygovernance":
            return Requirement(serviceClass: .directory, anyOf: ["Agreement.Read.All", "Agreement.ReadWrite.All", "Directory.Read.All"],
                               deniedCode: "Authorization_RequestDenied")
        case "identityprotection", "riskyusers", "riskdetections", "riskyserviceprincipals", "serviceprincipalriskdetections":
            let resource = first == "identityprotection" ? (path.count > 1 ? path[1] : "") : first
            let anyOf: [String]
            switch resource {
            case "riskdetections", "serviceprincipalriskdetections": anyOf = ["IdentityRiskEvent.Read.All", "IdentityRiskEvent.ReadWrite.All"]
            case "riskyserviceprincipals":
                anyOf = isRead ? ["IdentityRiskyServicePrincipal.Read.All", "IdentityRiskyServicePrincipal.ReadWrite.All"] : ["IdentityRiskyServicePrincipal.ReadWrite.All"]
            default:
                anyOf = isRead ? ["IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"] : ["IdentityRiskyUser.ReadWrite.All"]
            }
            return Requirement(serviceClass: .conditionalAccessAndIdentityProtection, anyOf: anyOf, deniedCode: "AccessDenied")
        case "users":
            if path.last == "revokesigninsessions" {
                return Requirement(serviceClass: .directory, anyOf: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
                                   deniedCode: "Authorization_RequestDenied")
            }
            if method == "DELETE" {
                // Directory.ReadWrite.All does not allow deleting users.
                return Requirement(serviceClass: .directory, anyOf: ["User.DeleteRestore.All", "User.ReadWrite.All"],
                                   deniedCode: "Authorization_RequestDenied")
            }
            return Requirement(serviceClass: .directory, anyOf: isRead ? userRead : ["User.ReadWrite.All", "Directory.ReadWrite.All"],
                               deniedCode: "Authorization_RequestDenied")
        case "directory":
            // Deleted items: only users are ever deleted in the emulator.
            return Requirement(serviceClass: .directory, anyOf: isRead ? userRead : ["User.DeleteRestore.All", "User.ReadWrite.All"],
                               deniedCode: "Authorization_RequestDenied")
        case "groups":
            return Requirement(serviceClass: .directory, anyOf: ["Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
                               deniedCode: "Authorization_RequestDenied")
        case "directoryroletemplates", "rolemanagement", "directoryroles":
            return Requirement(serviceClass: .directory, anyOf: ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.Read.All"],
                               deniedCode: "Authorization_RequestDenied")
        case "directoryobjects":
            return Requirement(serviceClass: .directory, anyOf: ["Directory.Read.All", "Directory.ReadWrite.All", "User.Read.All", "Application.Read.All", "Group.Read.All"],
                               deniedCode: "Authorization_RequestDenied")
        default:
            if first.hasPrefix("serviceprincipals") {
                return Requirement(serviceClass: .directory, anyOf: ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"],
                                   deniedCode: "Authorization_RequestDenied")
            }
            return Requirement(serviceClass: .other, anyOf: [], deniedCode: "Authorization_RequestDenied")
        }
    }

    /// A request path with ids replaced by `{id}`, for request counts.
    static func template(of request: GraphRequest) -> String {
        let known: Set<String> = ["identity", "conditionalaccess", "policies", "namedlocations", "deleteditems", "restore", "users", "groups",
                                  "members", "transitivemembers", "memberof", "transitivememberof", "serviceprincipals", "directoryroletemplates",
                                  "rolemanagement", "directory", "roledefinitions", "directoryobjects", "getbyids", "identityprotection",
                                  "riskdetections", "riskyusers", "history", "confirmcompromised", "dismiss", "confirmsafe",
                                  "riskyserviceprincipals", "serviceprincipalriskdetections", "authenticationstrength",
                                  "authenticationstrengthpolicies", "authenticationcontextclassreferences", "identitygovernance", "termsofuse",
                                  "agreements", "revokesigninsessions", "$batch", "templates", "conditionalaccesspolicies",
                                  "microsoft.graph.user", "microsoft.graph.group", "microsoft.graph.application", "microsoft.graph.serviceprincipal"]
        let parts = request.segments.map { known.contains($0.lowercased()) ? $0 : "{id}" }
        return "\(request.method) /\(request.version.rawValue)/" + parts.joined(separator: "/")
    }

    // MARK: Entry point

    /// Handles one authenticated Graph request (a top-level request or a `$batch` step).
    func handle(_ request: GraphRequest, principal: Principal) async -> GraphResponse {
        let requirement = Self.requirement(method: request.method, segments: request.segments)
        await behaviour.record(serviceClass: requirement.serviceClass, path: Self.template(of: request))
        if !requirement.anyOf.isEmpty, principal.roles.isDisjoint(with: requirement.anyOf) {
            let message = requirement.deniedCode == "AccessDenied"
                ? "You cannot perform the requested operation, required scopes are missing in the token."
                : "Insufficient privileges to complete the operation."
            return GraphFailure(status: 403, code: requirement.deniedCode, message: message).response(for: request)
        }
        if let wait = await behaviour.admit(requirement.serviceClass) {
            // Conditional access and Identity Protection give no Retry-After (reference §3.4).
            let headers: [(String, String)] = requirement.serviceClass == .directory
                ? [("Retry-After", String(max(1, Int(wait.rounded(.up))))), ("x-ms-throttle-scope", "Tenant_Application/ReadWrite/\(principal.appId)")]
                : []
            return GraphFailure(status: 429, code: "TooManyRequests",
                                message: requirement.serviceClass == .directory
                                    ? "Too many requests. Please retry after the time in Retry-After."
                                    : "Too many requests.",
                                headers: headers).response(for: request)
        }
        var fault: InjectedFault? = nil
        if !request.inBatch { fault = await behaviour.drawFault() }
        switch fault {
        case .serviceUnavailable:
            return GraphFailure(status: 503, code: "serviceNotAvailable", message: "The service is temporarily unavailable. Please retry later.",
                                headers: [("Retry-After", "1")]).response(for: request)
        case .internalError(afterProcessing: false):
            return internalError(request)
        case .droppedConnection(afterProcessing: false):
            return GraphResponse(status: 500, dropConnection: true)
        default: break
        }
        var response = await route(request, principal: principal)
        switch fault {
        case .internalError(afterProcessing: true): response = internalError(request)
        case .droppedConnection(afterProcessing: true): response = GraphResponse(status: 500, dropConnection: true)
        default: break
        }
        return response
    }

    private func internalError(_ request: GraphRequest) -> GraphResponse {
        GraphFailure(status: 500, code: "InternalServerError",
                     message: "There was an internal server error while processing the request. Error ID: \(UUID().uuidString.lowercased())")
            .response(for: request)
    }

    private func route(_ request: GraphRequest, principal: Principal) async -> GraphResponse {
        do {
            return try await dispatch(request, principal: principal)
        } catch let failure as GraphFailure {
            return failure.response(for: request)
        } catch {
            return internalError(request)
        }
    }

    private func dispatch(_ request: GraphRequest, principal: Principal) async throws -> GraphResponse {
        let segments = request.segments
        let lowered = segments.map { $0.lowercased() }
        guard let first = lowered.first else { throw GraphFailure.noRoute(request) }
        switch first {
        case "identity":
            guard lowered.count >= 3, lowered[1] == "conditionalaccess" else { throw GraphFailure.noRoute(request) }
            return try await conditionalAccess(request, rest: Array(segments.dropFirst(2)), principal: principal)
        case "policies":
            if lowered.count >= 2, lowered[1] == "conditionalaccesspolicies" {
                return try await policies(request, rest: Array(segments.dropFirst(2)))
            }
            if lowered.count >= 2, lowered[1] == "authenticationstrengthpolicies" {
                return try await authenticationStrengths(request, rest: Array(segments.dropFirst(2)), context: "policies/authenticationStrengthPolicies")
            }
            throw GraphFailure.noRoute(request)
        case "identitygovernance":
            guard lowered.count >= 3, lowered[1] == "termsofuse", lowered[2] == "agreements" else { throw GraphFailure.noRoute(request) }
            return try await termsOfUse(request, rest: Array(segments.dropFirst(3)))
        case "users": return try await users(request, rest: Array(segments.dropFirst()))
        case "groups": return try await groups(request, rest: Array(segments.dropFirst()))
        case "directoryroletemplates": return try await roleTemplates(request, rest: Array(segments.dropFirst()), definitions: false)
        case "rolemanagement":
            guard lowered.count >= 3, lowered[1] == "directory", lowered[2] == "roledefinitions" else { throw GraphFailure.noRoute(request) }
            return try await roleTemplates(request, rest: Array(segments.dropFirst(3)), definitions: true)
        case "directoryobjects":
            guard lowered.count == 2, lowered[1] == "getbyids" else { throw GraphFailure.noRoute(request) }
            return try await getByIds(request)
        case "directory":
            guard lowered.count >= 3, lowered[1] == "deleteditems" else { throw GraphFailure.noRoute(request) }
            return try await deletedItems(request, rest: Array(segments.dropFirst(2)))
        case "identityprotection":
            return try await identityProtection(request, rest: Array(segments.dropFirst()), principal: principal)
        case "riskyusers", "riskdetections", "riskyserviceprincipals", "serviceprincipalriskdetections":
            // Legacy beta aliases.
            guard request.version == .beta else { throw GraphFailure.noRoute(request) }
            return try await identityProtection(request, rest: segments, principal: principal)
        default:
            if first.hasPrefix("serviceprincipals") { return try await servicePrincipals(request, rest: segments) }
            throw GraphFailure.noRoute(request)
        }
    }

    // MARK: Shared helpers

    func renderer(_ request: GraphRequest) -> WireRenderer {
        WireRenderer(version: request.version, includeUnknownEnumMembers: request.includesUnknownEnumMembers)
    }

    /// 404 while a just-created object has not "replicated" (`--replication-lag`).
    func checkReplicated(_ id: String) async throws {
        if await store.isReplicating(id) { throw GraphFailure.notFound(id) }
    }

    func requireMethod(_ request: GraphRequest, _ allowed: String...) throws {
        guard allowed.contains(request.method) else { throw GraphFailure.methodNotAllowed() }
    }
}

extension Array where Element == String {
    subscript(safe index: Int) -> String? { indices.contains(index) ? self[index] : nil }
}
