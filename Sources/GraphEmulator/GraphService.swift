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

    /// One segment of a route's path pattern, matched case-insensitively as Graph does.
    enum Segment: Sendable {
        /// Exactly this segment.
        case literal(String)
        /// Any one segment (an id or a UPN).
        case any
        /// A segment starting with this (`servicePrincipals(appId='…')`).
        case prefix(String)

        func matches(_ segment: String) -> Bool {
            switch self {
            case .literal(let text): segment.lowercased() == text.lowercased()
            case .any: true
            case .prefix(let text): segment.lowercased().hasPrefix(text.lowercased())
            }
        }
    }

    /// One entry of the route table: the methods and path prefix it answers, the permission it needs
    /// (by method), and the handler, which gets the segments after the first `consumed`. Routing and
    /// permission checks both come from this table, so they cannot disagree.
    struct Route: Sendable {
        var methods: Set<String>?
        var pattern: [Segment]
        var serviceClass: ServiceClass
        var betaOnly = false
        /// Permissions (any one suffices) for a read (`GET`) and for a write.
        var read: [String]
        var write: [String]
        var deniedCode: String
        /// How many leading segments the handler does not see.
        var consumed: Int
        var handler: @Sendable (GraphService, GraphRequest, [String], Principal) async throws -> GraphResponse

        func matches(_ request: GraphRequest) -> Bool {
            if let methods, !methods.contains(request.method) { return false }
            if betaOnly, request.version != .beta { return false }
            guard request.segments.count >= pattern.count else { return false }
            return zip(pattern, request.segments).allSatisfy { $0.matches($1) }
        }

        func requirement(method: String) -> Requirement {
            Requirement(serviceClass: serviceClass, anyOf: method == "GET" ? read : write, deniedCode: deniedCode)
        }
    }

    private static let policyRead = ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Directory.Read.All", "Directory.ReadWrite.All"]
    private static let policyWrite = ["Policy.ReadWrite.ConditionalAccess"]
    private static let strengthWrite = ["Policy.ReadWrite.AuthenticationMethod", "Policy.ReadWrite.ConditionalAccess"]
    private static let userRead = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"]
    private static let riskyUserRead = ["IdentityRiskyUser.Read.All", "IdentityRiskyUser.ReadWrite.All"]
    private static let riskEventRead = ["IdentityRiskEvent.Read.All", "IdentityRiskEvent.ReadWrite.All"]
    private static let riskyPrincipalRead = ["IdentityRiskyServicePrincipal.Read.All", "IdentityRiskyServicePrincipal.ReadWrite.All"]

    /// The route table (reference §3.5 and the Graph permission tables), most specific first.
    static let routes: [Route] = {
        let ca = ServiceClass.conditionalAccessAndIdentityProtection
        let directory = ServiceClass.directory
        let reports = ServiceClass.identityAndAccessReports
        func route(methods: Set<String>? = nil, _ pattern: [Segment], _ serviceClass: ServiceClass, betaOnly: Bool = false,
                   read: [String], write: [String], denied: String, consumed: Int,
                   _ handler: @escaping @Sendable (GraphService, GraphRequest, [String], Principal) async throws -> GraphResponse) -> Route {
            Route(methods: methods, pattern: pattern, serviceClass: serviceClass, betaOnly: betaOnly, read: read, write: write, deniedCode: denied,
                  consumed: consumed, handler: handler)
        }
        let identityProtection: @Sendable (GraphService, GraphRequest, [String], Principal) async throws -> GraphResponse = { service, request, rest, principal in
            try await service.identityProtection(request, rest: rest, principal: principal)
        }
        var table: [Route] = [
            route([.literal("identity"), .literal("conditionalAccess"), .literal("authenticationContextClassReferences")], ca,
                  read: ["AuthenticationContext.Read.All", "AuthenticationContext.ReadWrite.All"] + policyRead,
                  write: ["AuthenticationContext.ReadWrite.All", "Policy.ReadWrite.ConditionalAccess"], denied: "AccessDenied", consumed: 2) {
                try await $0.conditionalAccess($1, rest: $2, principal: $3)
            },
            route([.literal("identity"), .literal("conditionalAccess"), .literal("authenticationStrength")], ca,
                  read: policyRead, write: strengthWrite, denied: "AccessDenied", consumed: 2) {
                try await $0.conditionalAccess($1, rest: $2, principal: $3)
            },
            route([.literal("identity"), .literal("conditionalAccess"), .any], ca, read: policyRead, write: policyWrite, denied: "AccessDenied",
                  consumed: 2) { try await $0.conditionalAccess($1, rest: $2, principal: $3) },
            route([.literal("policies"), .literal("conditionalAccessPolicies")], ca, read: policyRead, write: policyWrite, denied: "AccessDenied",
                  consumed: 2) { try await $0.policies($1, rest: $2, principal: $3) },
            // Identity and access reports: read-only (other methods are a 405 from the handler).
            route([.literal("auditLogs"), .literal("signIns")], reports, read: auditLogRead, write: auditLogRead,
                  denied: "Authorization_RequestDenied", consumed: 1) { try await $0.auditLogs($1, rest: $2, principal: $3) },
            route([.literal("auditLogs"), .literal("directoryAudits")], reports, read: auditLogRead, write: auditLogRead,
                  denied: "Authorization_RequestDenied", consumed: 1) { try await $0.auditLogs($1, rest: $2, principal: $3) },
            route([.literal("policies"), .literal("authenticationStrengthPolicies")], ca, read: policyRead, write: strengthWrite,
                  denied: "AccessDenied", consumed: 2) { service, request, rest, _ in
                try await service.authenticationStrengths(request, rest: rest, context: "policies/authenticationStrengthPolicies")
            },
            route([.literal("identityGovernance"), .literal("termsOfUse"), .literal("agreements")], directory,
                  read: ["Agreement.Read.All", "Agreement.ReadWrite.All", "Directory.Read.All"],
                  write: ["Agreement.Read.All", "Agreement.ReadWrite.All", "Directory.Read.All"], denied: "Authorization_RequestDenied",
                  consumed: 3) { service, request, rest, _ in try await service.termsOfUse(request, rest: rest) },
            route([.literal("users"), .any, .literal("revokeSignInSessions")], directory,
                  read: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
                  write: ["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"], denied: "Authorization_RequestDenied",
                  consumed: 1) { service, request, rest, _ in try await service.users(request, rest: rest) },
            // Directory.ReadWrite.All does not allow deleting users.
            route(methods: ["DELETE"], [.literal("users")], directory, read: [], write: ["User.DeleteRestore.All", "User.ReadWrite.All"],
                  denied: "Authorization_RequestDenied", consumed: 1) { service, request, rest, _ in try await service.users(request, rest: rest) },
            route([.literal("users")], directory, read: userRead, write: ["User.ReadWrite.All", "Directory.ReadWrite.All"],
                  denied: "Authorization_RequestDenied", consumed: 1) { service, request, rest, _ in try await service.users(request, rest: rest) },
            // Deleted items: only users are ever deleted in the emulator.
            route([.literal("directory"), .literal("deletedItems"), .any], directory, read: userRead, write: ["User.DeleteRestore.All", "User.ReadWrite.All"],
                  denied: "Authorization_RequestDenied", consumed: 2) { service, request, rest, _ in try await service.deletedItems(request, rest: rest) },
            route([.literal("groups")], directory,
                  read: ["Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
                  write: ["Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
                  denied: "Authorization_RequestDenied", consumed: 1) { service, request, rest, _ in try await service.groups(request, rest: rest) },
            route([.literal("directoryRoleTemplates")], directory, read: roleRead, write: roleRead, denied: "Authorization_RequestDenied",
                  consumed: 1) { service, request, rest, _ in try await service.roleTemplates(request, rest: rest, definitions: false) },
            route([.literal("roleManagement"), .literal("directory"), .literal("roleAssignments")], directory, read: roleRead, write: roleRead,
                  denied: "Authorization_RequestDenied", consumed: 3) { service, request, rest, _ in
                try await service.roleAssignments(request, rest: rest)
            },
            route([.literal("roleManagement"), .literal("directory"), .literal("roleDefinitions")], directory, read: roleRead, write: roleRead,
                  denied: "Authorization_RequestDenied", consumed: 3) { service, request, rest, _ in
                try await service.roleTemplates(request, rest: rest, definitions: true)
            },
            route([.literal("directoryObjects"), .literal("getByIds")], directory,
                  read: ["Directory.Read.All", "Directory.ReadWrite.All", "User.Read.All", "Application.Read.All", "Group.Read.All"],
                  write: ["Directory.Read.All", "Directory.ReadWrite.All", "User.Read.All", "Application.Read.All", "Group.Read.All"],
                  denied: "Authorization_RequestDenied", consumed: 2) { service, request, rest, _ in
                guard rest.isEmpty else { throw GraphFailure.noRoute(request) }
                return try await service.getByIds(request)
            },
            route([.prefix("servicePrincipals")], directory, read: ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"],
                  write: ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"], denied: "Authorization_RequestDenied",
                  consumed: 0) { service, request, rest, _ in try await service.servicePrincipals(request, rest: rest) },
        ]
        // Identity Protection, and its legacy beta aliases at the root.
        for (prefix, consumed, betaOnly) in [([Segment.literal("identityProtection")], 1, false), ([], 0, true)] {
            table += [
                route(prefix + [.literal("riskDetections")], ca, betaOnly: betaOnly, read: riskEventRead, write: riskEventRead,
                      denied: "AccessDenied", consumed: consumed, identityProtection),
                route(prefix + [.literal("servicePrincipalRiskDetections")], ca, betaOnly: betaOnly, read: riskEventRead, write: riskEventRead,
                      denied: "AccessDenied", consumed: consumed, identityProtection),
                route(prefix + [.literal("riskyServicePrincipals")], ca, betaOnly: betaOnly, read: riskyPrincipalRead,
                      write: ["IdentityRiskyServicePrincipal.ReadWrite.All"], denied: "AccessDenied", consumed: consumed, identityProtection),
                route(prefix + [.literal("riskyUsers")], ca, betaOnly: betaOnly, read: riskyUserRead, write: ["IdentityRiskyUser.ReadWrite.All"],
                      denied: "AccessDenied", consumed: consumed, identityProtection),
            ]
        }
        table.append(route([.literal("identityProtection")], ca, read: riskyUserRead, write: ["IdentityRiskyUser.ReadWrite.All"],
                           denied: "AccessDenied", consumed: 1, identityProtection))
        return table
    }()

    private static let roleRead = ["RoleManagement.Read.Directory", "RoleManagement.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.Read.All"]

    /// The route that answers `request`, if any.
    static func route(for request: GraphRequest) -> Route? {
        routes.first { $0.matches(request) }
    }

    /// Permissions per path, from the route table; a path no route answers needs none (it is a 400/404).
    static func requirement(for request: GraphRequest) -> Requirement {
        route(for: request)?.requirement(method: request.method)
            ?? Requirement(serviceClass: .other, anyOf: [], deniedCode: "Authorization_RequestDenied")
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
                                  "microsoft.graph.user", "microsoft.graph.group", "microsoft.graph.application", "microsoft.graph.serviceprincipal",
                                  "auditlogs", "signins", "directoryaudits"]
        let parts = request.segments.map { known.contains($0.lowercased()) ? $0 : "{id}" }
        return "\(request.method) /\(request.version.rawValue)/" + parts.joined(separator: "/")
    }

    // MARK: Entry point

    /// Handles one authenticated Graph request (a top-level request or a `$batch` step).
    func handle(_ request: GraphRequest, principal: Principal) async -> GraphResponse {
        let requirement = Self.requirement(for: request)
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
        if !request.inBatch, configuration.faultPaths.isEmpty || configuration.faultPaths.contains(where: { request.path.contains($0) }) {
            fault = await behaviour.drawFault()
        }
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
        guard let route = Self.route(for: request) else { throw GraphFailure.noRoute(request) }
        return try await route.handler(self, request, Array(request.segments.dropFirst(route.consumed)), principal)
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
